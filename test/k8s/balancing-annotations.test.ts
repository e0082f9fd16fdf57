import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthCheckFrom, parseHashBy, parseL4Balance, routeBalancingFrom } from '../../src/k8s/annotations/balancing.ts';
import { readAnnotations } from '../../src/k8s/annotations/index.ts';

const N = 'nginx.ingress.kubernetes.io/';
const P = 'portico.io/';
const obj = (annotations: Record<string, string>) => ({ metadata: { name: 'x', annotations } });
const balancing = (a: Record<string, string>, useRegex = false) => {
  const v = readAnnotations(obj(a), 'Ingress');
  return { ...routeBalancingFrom(v, useRegex), findings: v.findings };
};

test('cookie affinity with ingress-nginx defaults and every session-cookie key', () => {
  const d = balancing({ [`${N}affinity`]: 'cookie' });
  assert.deepEqual(d.value, { policy: null, hashBy: null, cookie: {
    mode: 'balanced', name: 'INGRESSCOOKIE', path: null, domain: null, maxAgeSeconds: null, expiresSeconds: null,
    sameSite: null, conditionalSameSiteNone: false, secure: false, changeOnFailure: false,
  } });
  assert.deepEqual(d.findings.map((f) => f.outcome), ['applied']);
  const r = balancing({
    [`${N}affinity`]: 'cookie', [`${N}affinity-mode`]: 'persistent', [`${N}session-cookie-name`]: 'route',
    [`${N}session-cookie-path`]: '/shop', [`${N}session-cookie-domain`]: 'Example.COM', [`${N}session-cookie-max-age`]: '172800',
    [`${N}session-cookie-expires`]: '0', [`${N}session-cookie-samesite`]: 'none', [`${N}session-cookie-conditional-samesite-none`]: 'true',
    [`${N}session-cookie-secure`]: 'true', [`${N}session-cookie-change-on-failure`]: 'true',
  });
  assert.ok(r.findings.every((f) => f.outcome === 'applied'), JSON.stringify(r.findings));
  assert.deepEqual(r.value?.cookie, {
    mode: 'persistent', name: 'route', path: '/shop', domain: 'example.com', maxAgeSeconds: 172800, expiresSeconds: 0,
    sameSite: 'None', conditionalSameSiteNone: true, secure: true, changeOnFailure: true,
  });
});

test('portico.io wins; malformed values are reported and the defaults kept; regex paths need a cookie path', () => {
  assert.equal(balancing({ [`${N}affinity`]: 'cookie', [`${P}session-cookie-name`]: 'mine', [`${N}session-cookie-name`]: 'theirs' }).value?.cookie?.name, 'mine');
  const bad = balancing({
    [`${N}affinity`]: 'cookie', [`${N}session-cookie-name`]: 'bad name;', [`${N}session-cookie-path`]: 'relative',
    [`${N}session-cookie-max-age`]: '1e9', [`${N}session-cookie-samesite`]: 'Sometimes', [`${N}affinity-mode`]: 'sticky',
    [`${N}session-cookie-secure`]: 'yes',
  });
  assert.equal(bad.value?.cookie?.name, 'INGRESSCOOKIE');
  assert.equal(bad.value?.cookie?.path, null);
  assert.equal(bad.value?.cookie?.maxAgeSeconds, null);
  assert.equal(bad.value?.cookie?.mode, 'balanced');
  assert.equal(bad.findings.filter((f) => f.outcome === 'invalid').length, 6);
  const other = balancing({ [`${N}affinity`]: 'ip' });
  assert.equal(other.value, null);
  assert.equal(other.findings[0].outcome, 'invalid');
  const drain = balancing({ [`${N}affinity`]: 'cookie', [`${N}affinity-mode`]: 'persistent-drainable' });
  assert.match(drain.findings.find((f) => f.key === 'affinity-mode')!.message, /not supported/);
  const regex = balancing({ [`${N}affinity`]: 'cookie' }, true);
  assert.equal(regex.value?.cookie?.path, '/');
  assert.equal(regex.problems.length, 1);
});

test('load-balance: ingress-nginx names under both prefixes, Portico names only under portico.io', () => {
  assert.equal(balancing({ [`${N}load-balance`]: 'ewma' }).value?.policy, 'ewma');
  assert.equal(balancing({ [`${N}load-balance`]: 'round_robin' }).value?.policy, 'round-robin');
  assert.equal(balancing({ [`${P}load-balance`]: 'least-request' }).value?.policy, 'least-request');
  assert.equal(balancing({ [`${P}load-balance`]: 'maglev' }).value?.policy, 'maglev');
  const r = balancing({ [`${N}load-balance`]: 'least-request' });
  assert.equal(r.value, null);
  assert.equal(r.findings[0].outcome, 'invalid');
  assert.deepEqual(parseL4Balance('nq'), { value: 'never-queue' });
  assert.ok('error' in parseL4Balance('constructor'));
  const svc = readAnnotations(obj({ [`${P}l4-balance`]: 'wlc' }), 'Service');
  assert.equal(svc.findings[0].outcome, 'applied');
});

test('upstream-hash-by: a closed set of variables; subsets default to 3', () => {
  assert.deepEqual(balancing({ [`${N}upstream-hash-by`]: '$request_uri', [`${N}upstream-hash-by-subset`]: 'true' }).value?.hashBy,
    { parts: [{ kind: 'request-uri' }], subsetSize: 3 });
  assert.deepEqual(balancing({ [`${N}upstream-hash-by`]: '$remote_addr', [`${N}upstream-hash-by-subset-size`]: '5' }).value?.hashBy,
    { parts: [{ kind: 'client-address' }], subsetSize: 0 });
  assert.deepEqual(parseHashBy('$http_x_tenant_id$cookie_sid'), { value: [{ kind: 'header', name: 'x-tenant-id' }, { kind: 'cookie', name: 'sid' }] });
  for (const bad of ['$request_body', '$', 'static', '${host', '$host; proxy_pass evil', '$upstream_addr']) {
    const r = balancing({ [`${N}upstream-hash-by`]: bad });
    assert.equal(r.value, null, bad);
    assert.equal(r.findings[0].outcome, 'invalid', bad);
  }
});

test('health checks: portico.io only, on an Ingress or a Service, with defaults and status ranges', () => {
  const hc = (a: Record<string, string>, kind: 'Ingress' | 'Service' = 'Service') => healthCheckFrom(readAnnotations(obj(a), kind));
  assert.equal(hc({}), null);
  assert.deepEqual(hc({ [`${P}health-check-path`]: '/healthz' }),
    { path: '/healthz', scheme: 'http', intervalMs: 10_000, timeoutMs: 2_000, healthyThreshold: 2, unhealthyThreshold: 3, expectedStatuses: [[200, 399]] });
  const r = hc({ [`${P}health-check-interval`]: '1s', [`${P}health-check-expected-statuses`]: '200,204, 300-302' }, 'Ingress')!;
  assert.equal(r.path, null);
  assert.deepEqual(r.expectedStatuses, [[200, 200], [204, 204], [300, 302]]);
  assert.deepEqual(hc({ [`${P}health-check-expected-statuses`]: '299-200' })!.expectedStatuses, [[200, 399]]);
  assert.equal(hc({ [`${N}health-check-path`]: '/x' }, 'Ingress'), null, 'no nginx.ingress.kubernetes.io health-check keys');
});
