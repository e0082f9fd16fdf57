// Translate fills the balancing model: route balancing from the Ingress, health checks and the
// 5xx opt-in on the Cluster from the Service (or the Ingress), reported problems.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/store/store.ts';
import type { Kind, KubeObject } from '../../src/k8s/types.ts';
import { defaultTranslateOptions, translate } from '../../src/translate/index.ts';

const CLASS = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: 'portico.io/ingress-controller' } };
const svc = (name: string, annotations: Record<string, string> = {}) =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns', annotations }, spec: { ports: [{ name: 'http', port: 80 }] } });
const ing = (name: string, host: string, to: string, annotations: Record<string, string> = {}) => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'ns', annotations, creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: { ingressClassName: 'portico', rules: [{ host, http: { paths: [{ path: '/app', pathType: 'Prefix', backend: { service: { name: to, port: { number: 80 } } } }] } }] },
});
function run(objs: object[]) {
  const s = new Store();
  for (const o of objs as KubeObject[]) s.upsert(o.kind as Kind, o);
  return translate(s, defaultTranslateOptions());
}

test('Ingress balancing lands on its routes only; Service checks and policies on the Cluster', () => {
  const { snapshot, diagnostics } = run([
    CLASS,
    svc('web', { 'portico.io/l4-balance': 'wrr', 'portico.io/health-check-path': '/healthz', 'portico.io/outlier-eject-5xx': 'true' }),
    svc('api'),
    ing('sticky', 'a.test', 'web', { 'nginx.ingress.kubernetes.io/affinity': 'cookie', 'nginx.ingress.kubernetes.io/upstream-hash-by': '$request_uri' }),
    ing('plain', 'b.test', 'web'),
    ing('checked', 'c.test', 'api', { 'portico.io/health-check-interval': '5s', 'portico.io/health-check-timeout': '9s' }),
  ]);
  const routes = Object.fromEntries(snapshot.virtualHosts.map((v) => [v.hostname, v.routes[0]]));
  assert.equal(routes['a.test'].balancing?.cookie?.name, 'INGRESSCOOKIE');
  assert.deepEqual(routes['a.test'].balancing?.hashBy, { parts: [{ kind: 'request-uri' }], subsetSize: 0 });
  assert.equal(routes['b.test'].balancing, undefined, 'only the paths of the Ingress carrying the keys');
  const clusters = Object.fromEntries(snapshot.clusters.map((c) => [c.id, c]));
  assert.equal(clusters['ns/web:80'].balancer, 'weighted-round-robin');
  assert.equal(clusters['ns/web:80'].eject5xx, true);
  assert.equal(clusters['ns/web:80'].healthCheck?.path, '/healthz');
  assert.deepEqual(clusters['ns/api:80'].healthCheck, { path: null, scheme: 'http', intervalMs: 5000, timeoutMs: 2500, healthyThreshold: 2, unhealthyThreshold: 3, expectedStatuses: [[200, 399]] });
  assert.ok(diagnostics.some((d) => d.reason === 'InvalidAnnotation' && d.object.name === 'checked' && /shorter than the interval/.test(d.message)));
  assert.ok(!diagnostics.some((d) => d.object.name === 'sticky' || d.object.name === 'web'), JSON.stringify(diagnostics));
});

test('malformed balancing values are reported and the Ingress still serves', () => {
  const { snapshot, diagnostics, served } = run([
    CLASS, svc('web'),
    ing('bad', 'a.test', 'web', { 'nginx.ingress.kubernetes.io/upstream-hash-by': '$request_body', 'nginx.ingress.kubernetes.io/load-balance': 'fastest' }),
  ]);
  assert.deepEqual(served, ['ns/bad']);
  assert.equal(snapshot.virtualHosts[0].routes[0].balancing, undefined);
  assert.equal(diagnostics.filter((d) => d.reason === 'InvalidAnnotation').length, 2);
});
