// ssl-passthrough → Snapshot.passthrough (src/translate/passthrough.ts; ingress-nginx
// controller.go "SSL Passthrough"): refused without --enable-ssl-passthrough, the / path's backend
// per exact host, other paths/rules reported as ignored, the oldest Ingress owning a host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/store/store.ts';
import type { KubeObject, Kind } from '../../src/k8s/types.ts';
import { defaultTranslateOptions, translate } from '../../src/translate/index.ts';

const A = 'nginx.ingress.kubernetes.io/';
const CLASS = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: 'portico.io/ingress-controller' } };
const svc = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'p' }, spec: { ports: [{ name: 'https', port: 443 }] } });
const path = (p: string, service: string) => ({ path: p, pathType: 'Prefix', backend: { service: { name: service, port: { number: 443 } } } });
const ing = (name: string, rules: object[], annotations: Record<string, string>, created = '2024-01-01T00:00:00Z') => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'p', annotations, creationTimestamp: created },
  spec: { ingressClassName: 'portico', rules },
});

function run(objs: object[], sslPassthrough: boolean) {
  const s = new Store();
  for (const o of [CLASS, ...objs] as KubeObject[]) s.upsert(o.kind as Kind, o);
  return translate(s, { ...defaultTranslateOptions(), sslPassthrough });
}

const pass = { [`${A}ssl-passthrough`]: 'true' };

test('without --enable-ssl-passthrough the Ingress is refused with a diagnostic naming the flag', () => {
  const r = run([svc('argo'), ing('argo', [{ host: 'argo.test', http: { paths: [path('/', 'argo')] } }], pass)], false);
  assert.deepEqual(r.served, []);
  assert.equal(r.snapshot.passthrough, undefined);
  const d = r.diagnostics.find((x) => x.reason === 'SslPassthroughDisabled');
  assert.ok(d && /--enable-ssl-passthrough/.test(d.message) && d.severity === 'error');
  // "false" asks for nothing.
  const off = run([svc('argo'), ing('argo', [{ host: 'argo.test', http: { paths: [path('/', 'argo')] } }], { [`${A}ssl-passthrough`]: 'false' })], false);
  assert.deepEqual(off.served, ['p/argo']);
});

test('with the flag: the / path backend per exact host; other paths, hostless and wildcard rules reported', () => {
  const r = run([svc('argo'), svc('other'),
    ing('argo', [
      { host: 'argo.test', http: { paths: [path('/api', 'other'), path('/', 'argo')] } },
      { host: '*.wild.test', http: { paths: [path('/', 'argo')] } },
      { http: { paths: [path('/', 'argo')] } },
      { host: 'noroot.test', http: { paths: [path('/x', 'argo')] } },
      { host: 'missing.test', http: { paths: [path('/', 'gone')] } },
    ], pass),
    ing('later', [{ host: 'argo.test', http: { paths: [path('/', 'other')] } }], pass, '2025-01-01T00:00:00Z'),
  ], true);
  assert.deepEqual(r.snapshot.passthrough, [
    { hostname: 'argo.test', clusterId: 'p/argo:443', ingress: 'p/argo' },
    { hostname: 'missing.test', clusterId: null, ingress: 'p/argo' },
  ]);
  assert.ok(r.snapshot.clusters.some((c) => c.id === 'p/argo:443'));
  const ignored = r.diagnostics.filter((d) => d.reason === 'SslPassthroughIgnored').map((d) => `${d.object.name}: ${d.message}`);
  assert.ok(ignored.some((m) => /path \/api is ignored/.test(m)));
  assert.ok(ignored.some((m) => /wildcard host \*\.wild\.test/.test(m)));
  assert.ok(ignored.some((m) => /without host/.test(m)));
  assert.ok(ignored.some((m) => /noroot\.test has no \/ path/.test(m)));
  assert.ok(ignored.some((m) => /missing\.test are closed/.test(m)));
  assert.ok(ignored.some((m) => m.startsWith('later:') && /already passed through by Ingress p\/argo/.test(m)));
});
