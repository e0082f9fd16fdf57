import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/store/store.ts';
import type { Ingress, KubeObject, Kind } from '../../src/k8s/types.ts';
import { defaultTranslateOptions, translate, type TranslateOptions } from '../../src/translate/index.ts';

const CLASS = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: 'portico.io/ingress-controller' } };
const svc = (ns: string, name: string, annotations?: Record<string, string>) =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) }, spec: { ports: [{ name: 'http', port: 80 }] } });
const backend = (name: string) => ({ service: { name, port: { number: 80 } } });
const rule = (host: string | undefined, path: string, to: string) =>
  ({ ...(host ? { host } : {}), http: { paths: [{ path, pathType: 'Prefix', backend: backend(to) }] } });
function ingress(ns: string, name: string, ts: string, spec: Ingress['spec'], annotations?: Record<string, string>): Ingress {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name, namespace: ns, creationTimestamp: ts, ...(annotations ? { annotations } : {}) },
    spec: { ingressClassName: 'portico', ...spec } };
}
function store(objs: KubeObject[]): Store {
  const s = new Store();
  for (const o of objs) s.upsert(o.kind as Kind, o);
  return s;
}
const opts = (o: Partial<TranslateOptions> = {}): TranslateOptions => ({ ...defaultTranslateOptions(), ...o });

test('host fallback: oldest Ingress declaring the host that has a defaultBackend; global default: oldest with one', () => {
  const s = store([
    CLASS, svc('a', 'x'), svc('b', 'y'), svc('b', 'fb'), svc('c', 'gd'),
    ingress('c', 'global', '2023-12-01T00:00:00Z', { defaultBackend: backend('gd'), rules: [rule('other.com', '/', 'gd')] }),
    ingress('a', 'first', '2024-01-01T00:00:00Z', { rules: [rule('h.com', '/x', 'x')] }),
    ingress('b', 'second', '2024-02-01T00:00:00Z', { defaultBackend: backend('fb'), rules: [rule('h.com', '/y', 'y'), { host: 'bare.com' }] }),
  ]);
  const { snapshot, diagnostics } = translate(s, opts());
  assert.deepEqual(diagnostics, []);
  const vh = Object.fromEntries(snapshot.virtualHosts.map((v) => [v.hostname, v]));
  assert.equal(vh['h.com'].fallback?.id, 'b/second#default');
  assert.deepEqual(vh['h.com'].fallback?.backend, { kind: 'cluster', clusterId: 'b/fb:80' });
  // A rule without http still declares its host, whose traffic takes the Ingress's defaultBackend.
  assert.deepEqual(vh['bare.com'].routes, []);
  assert.equal(vh['bare.com'].fallback?.id, 'b/second#default');
  assert.equal(vh['other.com'].fallback?.id, 'c/global#default');
  assert.equal(snapshot.defaultRoute?.id, 'c/global#default');
  assert.deepEqual(snapshot.virtualHosts.map((v) => v.hostname), ['bare.com', 'h.com', 'other.com']);
  assert.equal(vh[''], undefined, 'no hostless VirtualHost without a hostless rule');
});

test('sslRedirect: option, tls host and the portico.io/ssl-redirect annotation', () => {
  const tlsSpec = (to: string) => ({ tls: [{ hosts: ['s.com', 'n.com'] }], rules: [rule('s.com', '/' + to, to), rule('plain.com', '/' + to, to), rule(undefined, '/' + to, to)] });
  const objs = [
    CLASS, svc('a', 'on'), svc('a', 'off'),
    ingress('a', 'on', '2024-01-01T00:00:00Z', tlsSpec('on')),
    ingress('a', 'off', '2024-01-02T00:00:00Z', { ...tlsSpec('off'), rules: [rule('n.com', '/', 'off')] }, { 'portico.io/ssl-redirect': 'false' }),
  ];
  const routes = (o: TranslateOptions) => Object.fromEntries(translate(store(objs), o).snapshot.virtualHosts.flatMap((v) => v.routes.map((r) => [`${v.hostname}${r.match.path}`, r.sslRedirect])));
  assert.deepEqual(routes(opts()), { 's.com/on': true, 'plain.com/on': false, '/on': false, 'n.com/': false });
  assert.deepEqual(routes(opts({ sslRedirect: false })), { 's.com/on': false, 'plain.com/on': false, '/on': false, 'n.com/': false });
});

test('L4 clusters merge with HTTP clusters by id; Service annotation problems are reported', () => {
  const s = store([
    CLASS, svc('a', 'web', { 'portico.io/l4-balance': 'fastest', 'portico.io/nope': 'x' }),
    ingress('a', 'web', '2024-01-01T00:00:00Z', { rules: [rule('w.com', '/', 'web')] }),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tcp', namespace: 'portico' }, data: { '9000': 'a/web:80', '9001': 'a/web:http' } } as KubeObject,
  ]);
  const r = translate(s, opts({ tcpServicesConfigMap: 'portico/tcp' }));
  assert.deepEqual(r.snapshot.clusters.map((c) => c.id), ['a/web:80']);
  assert.deepEqual(r.snapshot.l4.map((l) => [l.id, l.clusterId]), [['tcp/9000', 'a/web:80'], ['tcp/9001', 'a/web:80']]);
  assert.deepEqual(r.diagnostics.map((d) => `${d.object.kind} ${d.reason}`), ['Service InvalidAnnotation', 'Service UnsupportedAnnotation']);
});

test('deterministic: insertion order does not change the bytes', () => {
  const objs: KubeObject[] = [
    CLASS, svc('a', 'x'), svc('b', 'y'),
    ingress('a', 'one', '2024-01-01T00:00:00Z', { rules: [rule('h.com', '/x', 'x'), rule(undefined, '/', 'x')], defaultBackend: backend('x') }),
    ingress('b', 'two', '2024-01-01T00:00:00Z', { rules: [rule('h.com', '/x', 'y'), rule('*.h.com', '/', 'y')] }),
  ];
  const a = JSON.stringify(translate(store(objs), opts()));
  const b = JSON.stringify(translate(store([...objs].reverse()), opts()));
  assert.equal(a, b);
  // namespace/name descending at equal timestamps (SPEC §1.8): b/two wins h.com /x.
  const r = JSON.parse(a);
  assert.equal(r.snapshot.virtualHosts[0].routes[0].id, 'b/two#0.0');
  assert.deepEqual(r.snapshot.virtualHosts.map((v: { hostname: string }) => v.hostname), ['h.com', '*.h.com', '']);
});

test('nothing served: empty snapshot, no throw on a store full of junk', () => {
  const s = new Store();
  s.upsert('Ingress', { kind: 'Ingress', metadata: { name: 'j', namespace: 'n' }, spec: { ingressClassName: 5, rules: 7, tls: 'x' } } as unknown as Ingress);
  s.upsert('IngressClass', { kind: 'IngressClass', metadata: { name: 'portico' }, spec: 'x' } as unknown as KubeObject);
  const r = translate(s, opts({ watchWithoutClass: true }));
  assert.deepEqual(r.snapshot.virtualHosts, []);
  assert.ok(r.diagnostics.length > 0);
});
