// Translation of routing annotations into the Snapshot (model/route-actions.ts), and their
// diagnostics. End-to-end behaviour is in test/e2e/annotations-*.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/store/store.ts';
import type { Ingress, KubeObject, Kind } from '../../src/k8s/types.ts';
import { defaultTranslateOptions, translate, type TranslateOptions } from '../../src/translate/index.ts';

const N = 'nginx.ingress.kubernetes.io/';
const CLASS = { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: 'portico.io/ingress-controller' } };
const svc = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'a' }, spec: { ports: [{ name: 'http', port: 80 }] } });
const backend = (name: string) => ({ service: { name, port: { number: 80 } } });
const rule = (host: string, path: string, to: string, pathType = 'Prefix') => ({ host, http: { paths: [{ path, pathType, backend: backend(to) }] } });
function ingress(name: string, ts: string, spec: Ingress['spec'], annotations?: Record<string, string>): Ingress {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'a', creationTimestamp: ts, ...(annotations ? { annotations } : {}) }, spec: { ingressClassName: 'portico', ...spec } };
}
function run(objs: KubeObject[], o: Partial<TranslateOptions> = {}) {
  const s = new Store();
  for (const x of [CLASS, svc('web'), svc('canary'), ...objs]) s.upsert(x.kind as Kind, x);
  return translate(s, { ...defaultTranslateOptions(), ...o });
}
const hostOf = (r: ReturnType<typeof run>, h: string) => r.snapshot.virtualHosts.find((v) => v.hostname === h);
const reasons = (r: ReturnType<typeof run>, name: string) => r.diagnostics.filter((d) => d.object.name === name).map((d) => d.reason);

test('ssl-redirect (nginx prefix) turns the https redirect off for a TLS host; force-ssl-redirect turns it on without TLS', () => {
  const r = run([
    ingress('tls', '2024-01-01T00:00:00Z', { tls: [{ hosts: ['t.com'] }], rules: [rule('t.com', '/', 'web')] }, { [N + 'ssl-redirect']: 'false' }),
    ingress('tls2', '2024-01-01T00:00:00Z', { tls: [{ hosts: ['t2.com'] }], rules: [rule('t2.com', '/', 'web')] }),
    ingress('force', '2024-01-01T00:00:00Z', { rules: [rule('f.com', '/', 'web')] }, { [N + 'force-ssl-redirect']: 'T' }),
  ], { sslRedirect: false });
  assert.equal(hostOf(r, 't.com')!.routes[0].sslRedirect, false);
  assert.equal(hostOf(r, 't2.com')!.routes[0].sslRedirect, false); // --ssl-redirect off
  assert.equal(hostOf(r, 'f.com')!.routes[0].sslRedirect, true);
  const on = run([ingress('tls2', '2024-01-01T00:00:00Z', { tls: [{ hosts: ['t2.com'] }], rules: [rule('t2.com', '/', 'web')] })]);
  assert.equal(hostOf(on, 't2.com')!.routes[0].sslRedirect, true);
});

test('use-regex: paths become Regex matches; a PCRE-only pattern is an InvalidPath of that path alone', () => {
  const r = run([ingress('rx', '2024-01-01T00:00:00Z', { rules: [
    { host: 'r.com', http: { paths: [
      { path: '/a(?=b)', pathType: 'ImplementationSpecific', backend: backend('web') },
      { path: '/v[0-9]+', pathType: 'ImplementationSpecific', backend: backend('web') },
    ] } },
  ] }, { [N + 'use-regex']: 'true' })]);
  assert.deepEqual(hostOf(r, 'r.com')!.routes.map((x) => x.match), [{ type: 'Regex', path: '/v[0-9]+' }]);
  const bad = r.diagnostics.find((d) => d.reason === 'InvalidPath');
  assert.match(bad!.message, /RE2/);
});

test('canary joins its main route (no RouteConflict), a canary without a main is reported, its own routing keys are ignored', () => {
  const r = run([
    ingress('main', '2024-02-01T00:00:00Z', { rules: [rule('c.com', '/', 'web')] }),
    ingress('can', '2024-01-01T00:00:00Z', { rules: [rule('c.com', '/', 'canary'), rule('c.com', '/x', 'canary')] },
      { [N + 'canary']: 'true', [N + 'canary-weight']: '20', [N + 'rewrite-target']: '/y' }),
  ]);
  const routes = hostOf(r, 'c.com')!.routes;
  assert.equal(routes.length, 1);
  assert.equal(routes[0].actions?.canary?.service, 'a/canary');
  assert.equal(routes[0].actions?.canary?.weight, 20);
  assert.equal(routes[0].actions?.rewrite ?? null, null);
  assert.deepEqual(reasons(r, 'can').sort(), ['CanaryWithoutMain', 'UnsupportedAnnotation']);
  assert.ok(r.snapshot.clusters.some((c) => c.id.startsWith('a/canary')));
});

test('redirect precedence and codes, aliases, www, default-backend resolution', () => {
  const r = run([
    ingress('red', '2024-01-01T00:00:00Z', { rules: [rule('r.com', '/', 'web')] }, {
      [N + 'permanent-redirect']: 'https://p.com', [N + 'temporal-redirect']: 'https://t.com', [N + 'server-alias']: 'al.com, other.com',
      [N + 'from-to-www-redirect']: 'true', [N + 'default-backend']: 'nope' }),
    ingress('other', '2024-01-01T00:00:00Z', { rules: [rule('other.com', '/', 'web')] }),
  ]);
  const a = hostOf(r, 'r.com')!.routes[0].actions!;
  assert.equal(a.redirect?.code, 302);
  assert.deepEqual(a.redirect?.url, [{ kind: 'text', text: 'https://t.com' }]);
  assert.equal(a.defaultBackend, null);
  assert.equal(hostOf(r, 'al.com')!.routes[0].id, 'a/red#0.0');
  assert.equal(hostOf(r, 'other.com')!.routes[0].origin.ingress, 'a/other');
  assert.equal(hostOf(r, 'www.r.com')!.fallback?.actions?.hostRedirect, 'r.com');
  assert.deepEqual(reasons(r, 'red').sort(), ['AnnotationOverridden', 'RouteConflict', 'ServiceNotFound']);
});

test('rewrite-target equal to the path is no rewrite (ingress-nginx needsRewrite); captures are parts', () => {
  const r = run([
    ingress('same', '2024-01-01T00:00:00Z', { rules: [rule('s.com', '/keep', 'web')] }, { [N + 'rewrite-target']: '/keep' }),
    ingress('cap', '2024-01-01T00:00:00Z', { rules: [rule('k.com', '/a/(.*)', 'web', 'ImplementationSpecific')] }, { [N + 'rewrite-target']: '/b/$1' }),
  ]);
  assert.equal(hostOf(r, 's.com')!.routes[0].actions, undefined);
  assert.deepEqual(hostOf(r, 'k.com')!.routes[0].actions?.rewrite, [{ kind: 'text', text: '/b/' }, { kind: 'group', index: 1 }]);
});
