import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHost, checkPath } from '../../src/translate/paths.ts';
import { checkBackend, compareIngressAge, parseIngress, sortIngressesByAge } from '../../src/translate/ingress.ts';
import type { Diagnostic } from '../../src/model/diagnostic.ts';
import type { Ingress } from '../../src/k8s/types.ts';

test('SPEC §1.2 paths: Exact/Prefix rules', () => {
  for (const p of ['/', '/foo', '/foo/', '/a.b/c..d', '/%2e', '/foo/...']) {
    assert.equal(checkPath('Prefix', p).ok, true, p);
    assert.equal(checkPath('Exact', p).ok, true, p);
  }
  for (const p of ['', 'foo', '//', '/a//b', '/a/./b', '/a/../b', '/a%2fb', '/a%2Fb', '/a/..', '/a/.', '/.']) {
    assert.equal(checkPath('Prefix', p).ok, false, `Prefix ${p}`);
    assert.equal(checkPath('Exact', p).ok, false, `Exact ${p}`);
  }
});

test('SPEC §1.3: ImplementationSpecific becomes Prefix, empty path becomes /', () => {
  assert.deepEqual(checkPath('ImplementationSpecific', ''), { ok: true, value: { type: 'Prefix', path: '/' } });
  assert.deepEqual(checkPath('ImplementationSpecific', undefined), { ok: true, value: { type: 'Prefix', path: '/' } });
  assert.deepEqual(checkPath('ImplementationSpecific', '/a//b'), { ok: true, value: { type: 'Prefix', path: '/a//b' } });
  assert.equal(checkPath('ImplementationSpecific', 'a').ok, false);
});

test('pathType is required and must be known', () => {
  assert.equal(checkPath(undefined, '/').ok, false);
  assert.equal(checkPath('Regex', '/').ok, false);
  assert.equal(checkPath('Prefix', 5).ok, false);
});

test('SPEC §1.1 hosts', () => {
  assert.deepEqual(checkHost(undefined), { ok: true, value: { hostname: '', kind: 'any' } });
  assert.deepEqual(checkHost('foo.bar.com'), { ok: true, value: { hostname: 'foo.bar.com', kind: 'exact' } });
  assert.deepEqual(checkHost('exact-path-rules'), { ok: true, value: { hostname: 'exact-path-rules', kind: 'exact' } });
  assert.deepEqual(checkHost('*.foo.com'), { ok: true, value: { hostname: '*.foo.com', kind: 'wildcard' } });
  for (const h of ['*', '1.2.3.4', 'foo.com:80', '::1', 'a.*.com', 'f*o.com', '*foo.com', 'Foo.com', 'foo.com.', '-a.com', 'a..b', 'a_b.com', 7]) {
    assert.equal(checkHost(h).ok, false, String(h));
  }
  assert.equal(checkHost('a'.repeat(64) + '.com').ok, false);
});

test('backends: exactly one of service/resource, port exactly one of name/number', () => {
  assert.deepEqual(checkBackend({ service: { name: 's', port: { number: 80 } } }), { ok: true, service: { name: 's', port: { number: 80 } } });
  assert.deepEqual(checkBackend({ service: { name: 's', port: { name: 'http' } } }), { ok: true, service: { name: 's', port: { name: 'http' } } });
  const invalid = [
    {}, null, 'x',
    { service: { name: 's', port: { number: 80, name: 'http' } } },
    { service: { name: 's', port: {} } },
    { service: { name: 's' } },
    { service: { port: { number: 80 } } },
    { service: { name: 's', port: { number: 0 } } },
    { service: { name: 's', port: { number: 70000 } } },
    { service: { name: 's', port: { number: '80' } } },
    { service: { name: 's', port: { number: 80 } }, resource: { kind: 'Bucket', name: 'b' } },
  ];
  for (const b of invalid) {
    const r = checkBackend(b);
    assert.equal(r.ok, false, JSON.stringify(b));
    if (!r.ok) assert.equal(r.reason, 'InvalidBackend', JSON.stringify(b));
  }
  const res = checkBackend({ resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static' } });
  assert.equal(res.ok, false);
  if (!res.ok) assert.equal(res.reason, 'ResourceBackendUnsupported');
});

const ingress = (spec: unknown, meta: Record<string, unknown> = { name: 'i', namespace: 'ns' }): Ingress =>
  ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: meta, spec } as Ingress);

test('malformed Ingresses never throw: diagnostic and skip', () => {
  const bad: unknown[] = [
    null, {}, { metadata: {} }, ingress('x'), ingress([]), ingress(null), ingress({}),
    ingress({ rules: 'x' }), ingress({ rules: [] }), ingress({ rules: {} }),
  ];
  for (const b of bad) {
    const d: Diagnostic[] = [];
    assert.doesNotThrow(() => parseIngress(b as Ingress, d));
    assert.ok(d.length > 0, JSON.stringify(b));
  }
  for (const b of bad.slice(0, 6)) assert.equal(parseIngress(b as Ingress, []), null);
});

test('only the bad rule or path is dropped', () => {
  const d: Diagnostic[] = [];
  const p = parseIngress(ingress({
    rules: [
      null,
      { host: 'Bad.Host', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 's', port: { number: 80 } } } }] } },
      { host: 'ok.com', http: { paths: [
        { path: '/a//b', pathType: 'Prefix', backend: { service: { name: 's', port: { number: 80 } } } },
        { path: '/good', pathType: 'Exact', backend: { service: { name: 's', port: { number: 80 } } } },
        { path: '/nopt', backend: { service: { name: 's', port: { number: 80 } } } },
        { path: '/nob', pathType: 'Prefix' },
        'junk',
      ] } },
      { host: 'nohttp.com' },
      { http: 'x' },
    ],
  }), d);
  assert.ok(p);
  assert.deepEqual(p.rules.map((r) => [r.rule, r.hostname, r.paths.map((x) => `${x.path}:${x.match.path}`)]),
    [[2, 'ok.com', ['1:/good']], [3, 'nohttp.com', []]]);
  assert.deepEqual(d.map((x) => x.reason).sort(),
    ['InvalidBackend', 'InvalidHost', 'InvalidPath', 'InvalidPath', 'InvalidPath', 'InvalidRule', 'InvalidRule']);
  assert.ok(d.every((x) => x.object.kind === 'Ingress' && x.object.name === 'i' && x.object.namespace === 'ns'));
});

test('annotations on an Ingress: unknown portico.io ones are reported, ssl-redirect parsed', () => {
  const d: Diagnostic[] = [];
  const p = parseIngress(ingress({ defaultBackend: { service: { name: 's', port: { number: 80 } } } },
    { name: 'i', namespace: 'ns', annotations: { 'portico.io/ssl-redirect': 'false', 'portico.io/rewrite': '/', 'other.io/x': 'y' } }), d);
  assert.equal(p?.sslRedirect, false);
  assert.deepEqual(d.map((x) => [x.reason, x.severity]), [['UnsupportedAnnotation', 'warning']]);
  const d2: Diagnostic[] = [];
  const p2 = parseIngress(ingress({ defaultBackend: { service: { name: 's', port: { number: 80 } } } },
    { name: 'i', namespace: 'ns', annotations: { 'portico.io/ssl-redirect': 'maybe' } }), d2);
  assert.equal(p2?.sslRedirect, true);
  assert.deepEqual(d2.map((x) => x.reason), ['InvalidAnnotation']);
});

test('SPEC §1.8 order: creationTimestamp ascending, then namespace/name descending', () => {
  const mk = (ns: string, name: string, ts?: string) => ingress({}, { name, namespace: ns, ...(ts ? { creationTimestamp: ts } : {}) });
  const list = [
    mk('a', 'x', '2024-01-02T00:00:00Z'), mk('a', 'y', '2024-01-01T00:00:00Z'), mk('b', 'a', '2024-01-01T00:00:00Z'),
    mk('z', 'none'), mk('a', 'none'),
  ];
  assert.deepEqual(list.sort(compareIngressAge).map((i) => `${i.metadata!.namespace}/${i.metadata!.name}`),
    ['z/none', 'a/none', 'b/a', 'a/y', 'a/x']);
  // translate's sort (keys computed once) gives the comparator's order, whatever the input order.
  for (const input of [list, [...list].reverse(), [list[2], list[4], list[0], list[3], list[1]]]) {
    assert.deepEqual(sortIngressesByAge(input), [...input].sort(compareIngressAge));
  }
});
