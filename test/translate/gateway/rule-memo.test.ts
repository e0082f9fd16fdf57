// Rules of unchanged Gateway API routes are reused across translations (src/translate/gateway/rule-memo.ts):
// same objects while the route and what it read are the same, rebuilt when any of them changes,
// and at every step the translation equals that of a store holding copies of the same objects
// (where nothing can be reused), diagnostics, clusters and status included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../src/store/store.ts';
import { defaultTranslateOptions, translate, type TranslateResult } from '../../../src/translate/index.ts';
import { isKind, type KubeObject } from '../../../src/k8s/types.ts';
import type { GatewayRule } from '../../../src/model/gateway.ts';
import { gateway, gatewayClass, httpRoute } from '../../support/gateway-api.ts';
import { service } from '../../support/manifests.ts';

const G = 'gateway.networking.k8s.io/v1';
const OPTIONS = { ...defaultTranslateOptions(), gatewayPorts: { http: 8080, https: null, offset: 0 } };

function put(store: Store, o: KubeObject): void {
  if (isKind(o.kind)) store.upsert(o.kind, o);
}

/** The same objects, copied: nothing a memo keyed by object identity could reuse. */
function copyOf(store: Store, kinds: readonly string[]): Store {
  const fresh = new Store();
  for (const k of kinds) if (isKind(k)) for (const o of store.list(k)) put(fresh, structuredClone(o));
  return fresh;
}

const KINDS = ['GatewayClass', 'Gateway', 'HTTPRoute', 'Service', 'ReferenceGrant', 'BackendTLSPolicy', 'ConfigMap', 'Namespace'];

function rulesByRoute(r: TranslateResult): Map<string, GatewayRule[]> {
  const out = new Map<string, GatewayRule[]>();
  for (const l of r.snapshot.gateway?.listeners ?? []) {
    for (const h of l.hosts) {
      for (const rule of h.rules) {
        const list = out.get(rule.route) ?? [];
        list.push(rule);
        out.set(rule.route, list);
      }
    }
  }
  return out;
}

function assertSameAsFresh(store: Store, r: TranslateResult, step: string): void {
  const fresh = translate(copyOf(store, KINDS), OPTIONS);
  assert.deepEqual(r.snapshot.gateway, fresh.snapshot.gateway, `${step}: gateway part of the Snapshot`);
  assert.deepEqual(r.snapshot.clusters, fresh.snapshot.clusters, `${step}: clusters`);
  assert.deepEqual(r.diagnostics, fresh.diagnostics, `${step}: diagnostics`);
  assert.deepEqual(r.gatewayStatus, fresh.gatewayStatus, `${step}: status`);
}

test('unchanged routes keep their rule objects; a change to a route or to anything it read rebuilds that route only', () => {
  const store = new Store();
  for (const o of [
    gatewayClass(),
    gateway('gw', 'gw', [{ name: 'http', protocol: 'HTTP', port: 8080, allowedRoutes: { namespaces: { from: 'All' } } }]),
    service('a', 'app', [{ name: 'http', port: 80 }]),
    service('shared', 'api', [{ name: 'http', port: 80 }]),
    service('b', 'web', [{ name: 'http', port: 80 }]),
    { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'from-b', namespace: 'shared' },
      spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'b' }], to: [{ group: '', kind: 'Service' }] } } as KubeObject,
    httpRoute('a', 'ra', { parentRefs: [{ name: 'gw', namespace: 'gw' }], hostnames: ['a.example'], rules: [{ backendRefs: [{ name: 'app', port: 80 }] }] }, '2024-01-01T00:00:00Z'),
    httpRoute('b', 'rb', { parentRefs: [{ name: 'gw', namespace: 'gw' }], hostnames: ['b.example'], rules: [
      { matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'api', namespace: 'shared', port: 80, weight: 3 }, { name: 'web', port: 80 }] },
    ] }, '2024-01-02T00:00:00Z'),
    httpRoute('c', 'rc', { parentRefs: [{ name: 'gw', namespace: 'gw' }], hostnames: ['c.example'], rules: [{ backendRefs: [{ name: 'missing', port: 80 }] }] }, '2024-01-03T00:00:00Z'),
  ]) put(store, o);

  const r1 = translate(store, OPTIONS);
  assertSameAsFresh(store, r1, 'first');
  const first = rulesByRoute(r1);
  assert.deepEqual([...first.keys()].sort(), ['a/ra', 'b/rb', 'c/rc']);
  assert.equal(first.get('c/rc')![0].backends[0].clusterId, null, 'missing Service: unresolved');
  assert.ok(r1.diagnostics.some((d) => d.object.name === 'rc' && d.reason === 'BackendNotFound'));

  // Nothing changed: every rule is the same object, diagnostics replayed.
  const r2 = translate(store, OPTIONS);
  const second = rulesByRoute(r2);
  for (const [k, rules] of first) rules.forEach((rule, i) => assert.equal(second.get(k)![i], rule, `${k} rule ${i} reused`));
  assertSameAsFresh(store, r2, 'unchanged');

  // One route changed: only its rules are new.
  put(store, httpRoute('a', 'ra', { parentRefs: [{ name: 'gw', namespace: 'gw' }], hostnames: ['a.example'], rules: [
    { matches: [{ path: { type: 'Exact', value: '/x' } }], backendRefs: [{ name: 'app', port: 80 }] },
  ] }, '2024-01-01T00:00:00Z'));
  const r3 = translate(store, OPTIONS);
  const third = rulesByRoute(r3);
  assert.notEqual(third.get('a/ra')![0], first.get('a/ra')![0]);
  assert.equal(third.get('a/ra')![0].match.path.type, 'Exact');
  assert.equal(third.get('b/rb')![0], first.get('b/rb')![0]);
  assert.equal(third.get('c/rc')![0], first.get('c/rc')![0]);
  assertSameAsFresh(store, r3, 'route changed');

  // A Service a route reads changes (appProtocol h2c): that route is rebuilt with the new protocol.
  put(store, service('b', 'web', [{ name: 'http', port: 80 }], {}));
  const web = store.get('Service', 'b/web')!;
  put(store, { ...web, spec: { ...web.spec, ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' }] } } as KubeObject);
  const r4 = translate(store, OPTIONS);
  const fourth = rulesByRoute(r4);
  assert.notEqual(fourth.get('b/rb')![0], first.get('b/rb')![0]);
  assert.equal(fourth.get('b/rb')![0].backends.find((b) => b.service === 'b/web')?.upstream?.protocol, 'H2C');
  assert.equal(fourth.get('c/rc')![0], first.get('c/rc')![0]);
  assertSameAsFresh(store, r4, 'service changed');

  // The missing Service appears: the route that named it resolves.
  put(store, service('c', 'missing', [{ name: 'http', port: 80 }]));
  const r5 = translate(store, OPTIONS);
  assert.notEqual(rulesByRoute(r5).get('c/rc')![0].backends[0].clusterId, null);
  assert.ok(!r5.diagnostics.some((d) => d.object.name === 'rc' && d.reason === 'BackendNotFound'));
  assertSameAsFresh(store, r5, 'service added');

  // The ReferenceGrant goes: the cross-namespace share answers 500 (RefNotPermitted) again.
  store.remove('ReferenceGrant', 'shared/from-b');
  const r6 = translate(store, OPTIONS);
  const shared = rulesByRoute(r6).get('b/rb')![0].backends.find((b) => b.weight === 3)!;
  assert.equal(shared.clusterId, null);
  assert.equal(shared.reason, 'RefNotPermitted');
  assertSameAsFresh(store, r6, 'grant removed');

  // A BackendTLSPolicy for a Service in use appears: the route using it is rebuilt with TLS.
  put(store, { apiVersion: G, kind: 'BackendTLSPolicy', metadata: { name: 'p', namespace: 'a' },
    spec: { targetRefs: [{ group: '', kind: 'Service', name: 'app' }], validation: { wellKnownCACertificates: 'System', hostname: 'app.internal' } } } as KubeObject);
  const r7 = translate(store, OPTIONS);
  assert.equal(rulesByRoute(r7).get('a/ra')![0].backends[0].upstream?.protocol, 'HTTPS');
  assertSameAsFresh(store, r7, 'policy added');

  // Options the rules depend on are part of the key.
  const r8 = translate(store, { ...OPTIONS, allowExternalName: !OPTIONS.allowExternalName });
  assert.notEqual(rulesByRoute(r8).get('a/ra')![0], rulesByRoute(r7).get('a/ra')![0]);
});
