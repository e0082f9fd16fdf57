import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBalancingAnnotation, parseHashBy, parseHealthCheck, parseL4Balance, parseRouteBalancing } from '../../src/k8s/annotations/balancing.ts';
import { unsupportedAnnotations } from '../../src/k8s/annotations.ts';

const N = 'nginx.ingress.kubernetes.io/';
const P = 'portico.io/';

test('cookie affinity with ingress-nginx defaults and every session-cookie key', () => {
  assert.deepEqual(parseRouteBalancing({ [`${N}affinity`]: 'cookie' }), {
    value: { policy: null, hashBy: null, cookie: {
      mode: 'balanced', name: 'INGRESSCOOKIE', path: null, domain: null, maxAgeSeconds: null, expiresSeconds: null,
      sameSite: null, conditionalSameSiteNone: false, secure: false, changeOnFailure: false,
    } },
    problems: [],
  });
  const r = parseRouteBalancing({
    [`${N}affinity`]: 'cookie', [`${N}affinity-mode`]: 'persistent', [`${N}session-cookie-name`]: 'route',
    [`${N}session-cookie-path`]: '/shop', [`${N}session-cookie-domain`]: 'Example.COM', [`${N}session-cookie-max-age`]: '172800',
    [`${N}session-cookie-expires`]: '0', [`${N}session-cookie-samesite`]: 'none', [`${N}session-cookie-conditional-samesite-none`]: 'true',
    [`${N}session-cookie-secure`]: 'true', [`${N}session-cookie-change-on-failure`]: 'true',
  });
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.value?.cookie, {
    mode: 'persistent', name: 'route', path: '/shop', domain: 'example.com', maxAgeSeconds: 172800, expiresSeconds: 0,
    sameSite: 'None', conditionalSameSiteNone: true, secure: true, changeOnFailure: true,
  });
});

test('portico.io wins over nginx.ingress.kubernetes.io; malformed values are reported with the default kept', () => {
  const r = parseRouteBalancing({ [`${N}affinity`]: 'cookie', [`${P}session-cookie-name`]: 'mine', [`${N}session-cookie-name`]: 'theirs' });
  assert.equal(r.value?.cookie?.name, 'mine');
  const bad = parseRouteBalancing({
    [`${N}affinity`]: 'cookie', [`${N}session-cookie-name`]: 'bad name;', [`${N}session-cookie-path`]: 'relative',
    [`${N}session-cookie-max-age`]: '1e9', [`${N}session-cookie-samesite`]: 'Sometimes', [`${N}affinity-mode`]: 'sticky',
    [`${N}session-cookie-secure`]: 'yes',
  });
  assert.equal(bad.value?.cookie?.name, 'INGRESSCOOKIE');
  assert.equal(bad.value?.cookie?.path, null);
  assert.equal(bad.value?.cookie?.maxAgeSeconds, null);
  assert.equal(bad.value?.cookie?.mode, 'balanced');
  assert.equal(bad.problems.length, 6);
  assert.ok(bad.problems.every((p) => p.key.startsWith(N)));
  const other = parseRouteBalancing({ [`${N}affinity`]: 'ip' });
  assert.equal(other.value, null);
  assert.equal(other.problems.length, 1);
  const drain = parseRouteBalancing({ [`${N}affinity`]: 'cookie', [`${N}affinity-mode`]: 'persistent-drainable' });
  assert.equal(drain.value?.cookie?.mode, 'persistent');
  assert.match(drain.problems[0].message, /not supported/);
});

test('load-balance: ingress-nginx names under nginx, Portico names only under portico.io', () => {
  assert.equal(parseRouteBalancing({ [`${N}load-balance`]: 'ewma' }).value?.policy, 'ewma');
  assert.equal(parseRouteBalancing({ [`${N}load-balance`]: 'round_robin' }).value?.policy, 'round-robin');
  assert.equal(parseRouteBalancing({ [`${P}load-balance`]: 'least-request' }).value?.policy, 'least-request');
  assert.equal(parseRouteBalancing({ [`${P}load-balance`]: 'maglev' }).value?.policy, 'maglev');
  const r = parseRouteBalancing({ [`${N}load-balance`]: 'least-request' });
  assert.equal(r.value, null);
  assert.equal(r.problems.length, 1);
  assert.deepEqual(parseL4Balance('nq'), { value: 'never-queue' });
  assert.ok('error' in parseL4Balance('constructor'));
});

test('upstream-hash-by: a closed set of variables; subsets default to 3', () => {
  assert.deepEqual(parseRouteBalancing({ [`${N}upstream-hash-by`]: '$request_uri', [`${N}upstream-hash-by-subset`]: 'true' }).value?.hashBy,
    { parts: [{ kind: 'request-uri' }], subsetSize: 3 });
  assert.deepEqual(parseRouteBalancing({ [`${N}upstream-hash-by`]: '$remote_addr', [`${N}upstream-hash-by-subset-size`]: '5' }).value?.hashBy,
    { parts: [{ kind: 'client-address' }], subsetSize: 0 });
  assert.deepEqual(parseHashBy('$http_x_tenant_id$cookie_sid'), [{ kind: 'header', name: 'x-tenant-id' }, { kind: 'cookie', name: 'sid' }]);
  for (const bad of ['$request_body', '$', 'static', '${host', '$host; proxy_pass evil', '$upstream_addr']) {
    const r = parseRouteBalancing({ [`${N}upstream-hash-by`]: bad });
    assert.equal(r.value, null, bad);
    assert.equal(r.problems.length, 1, bad);
  }
});

test('health checks: defaults, ranges, timeout shorter than the interval', () => {
  assert.deepEqual(parseHealthCheck({}), { value: null, problems: [] });
  assert.deepEqual(parseHealthCheck({ [`${P}health-check-path`]: '/healthz' }).value,
    { path: '/healthz', intervalMs: 10_000, timeoutMs: 2_000, healthyThreshold: 2, unhealthyThreshold: 3, expectedStatuses: [[200, 399]] });
  const r = parseHealthCheck({ [`${P}health-check-interval`]: '1s', [`${P}health-check-timeout`]: '5s', [`${P}health-check-expected-statuses`]: '200,204, 300-302' });
  assert.equal(r.value?.path, null);
  assert.equal(r.value?.timeoutMs, 500);
  assert.deepEqual(r.value?.expectedStatuses, [[200, 200], [204, 204], [300, 302]]);
  assert.equal(r.problems.length, 1);
  assert.equal(parseHealthCheck({ [`${P}health-check-expected-statuses`]: '299-200' }).problems.length, 1);
  assert.equal(parseHealthCheck({ [`${N}health-check-path`]: '/x' }).value, null, 'no nginx.ingress.kubernetes.io health-check keys');
});

test('the group\'s keys are not reported as unsupported', () => {
  assert.ok(isBalancingAnnotation(`${N}affinity`, 'Ingress'));
  assert.ok(isBalancingAnnotation(`${P}health-check-path`, 'Service'));
  assert.ok(!isBalancingAnnotation(`${N}health-check-path`, 'Ingress'));
  assert.ok(!isBalancingAnnotation(`${P}affinity`, 'Service'));
  const obj = { metadata: { name: 'x', annotations: { [`${P}affinity`]: 'cookie', [`${P}health-check-path`]: '/', [`${P}affinty`]: 'typo' } } };
  assert.deepEqual(unsupportedAnnotations(obj, 'Ingress'), [`${P}affinty`]);
});
