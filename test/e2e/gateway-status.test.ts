// Gateway API status written by the leader through the fake API server (README "Gateway API"
// "Status"). Cases follow gateway-api conformance tests (conformance/tests/*.go): gateway-with-
// attached-routes, gateway-invalid-route-kind, gateway-observed-generation-bump,
// httproute-invalid-backendref-nonexistent, httproute-invalid-cross-namespace-backend-ref,
// httproute-invalid-backendref-unknown-kind, httproute-invalid-parentref-not-matching-section-name,
// httproute-invalid-cross-namespace-parent-ref, httproute-hostname-intersection,
// gateway-preserve-foreign-conditions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeApiServer, type Obj } from '../support/fake-apiserver.ts';
import { endpointSlice, service } from '../support/manifests.ts';
import { freePort, gateway, gatewayClass, httpRoute } from '../support/gateway-api.ts';
import { eventually, startClusterGateway } from '../support/cluster-gateway.ts';

const G = 'gateway.networking.k8s.io';
type Cond = { type: string; status: string; reason: string; observedGeneration: number; lastTransitionTime: string };
const conds = (list: Cond[] | undefined) => Object.fromEntries((list ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
const generations = (list: Cond[] | undefined) => [...new Set((list ?? []).map((c) => c.observedGeneration))];

function parentOf(route: Obj | undefined, sectionName?: string): { conditions: Cond[]; controllerName: string; parentRef: Obj } | undefined {
  return (route?.status?.parents as { conditions: Cond[]; controllerName: string; parentRef: Obj }[] | undefined)
    ?.find((p) => p.controllerName === 'portico.io/gateway-controller' && p.parentRef.sectionName === sectionName);
}

test('status: GatewayClass, Gateway (addresses, listeners, attachedRoutes) and route parents with the spec reasons; only diffs are written', async () => {
  const api = new FakeApiServer();
  await api.start();
  api.installGatewayApi();
  const port = await freePort();
  api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'infra' } });
  api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
  api.apply(service('infra', 'web', [{ name: 'http', port: 80 }]));
  api.apply(service('backends', 'far', [{ name: 'http', port: 80 }]));
  api.apply(endpointSlice('infra', 'web', 'web-a', ['127.0.0.1'], 9));
  api.apply(gatewayClass());
  api.apply(gatewayClass('theirs', 'example.com/other-controller'));
  api.apply(gateway('infra', 'gw', [
    { name: 'http', protocol: 'HTTP', port, hostname: '*.example.com' },
    // gateway-invalid-route-kind: one kind served, one not.
    { name: 'kinds', protocol: 'HTTP', port, hostname: 'kinds.test', allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }, { kind: 'FooRoute' }] } },
    { name: 'tcp', protocol: 'TCP', port: 9000 },
    { name: 'elsewhere', protocol: 'HTTP', port: port + 1 },
  ]));
  const route = (name: string, spec: Record<string, unknown>, ns = 'infra') => api.apply(httpRoute(ns, name, spec));
  route('good', { parentRefs: [{ name: 'gw', sectionName: 'http' }], hostnames: ['a.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] });
  route('two', { parentRefs: [{ name: 'gw', sectionName: 'http' }], hostnames: ['b.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] });
  route('missing', { parentRefs: [{ name: 'gw', sectionName: 'http' }], hostnames: ['c.example.com'], rules: [{ backendRefs: [{ name: 'nope', port: 80 }] }] });
  route('crossns', { parentRefs: [{ name: 'gw', sectionName: 'http' }], hostnames: ['d.example.com'], rules: [{ backendRefs: [{ name: 'far', namespace: 'backends', port: 80 }] }] });
  route('kind', { parentRefs: [{ name: 'gw', sectionName: 'http' }], hostnames: ['e.example.com'], rules: [{ backendRefs: [{ group: 'example.com', kind: 'Bucket', name: 'b' }] }] });
  route('nosection', { parentRefs: [{ name: 'gw', sectionName: 'nope' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] });
  route('nohost', { parentRefs: [{ name: 'gw', sectionName: 'http' }], hostnames: ['x.other.org'], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] });
  route('foreign', { parentRefs: [{ name: 'gw', namespace: 'infra', sectionName: 'http' }], hostnames: ['f.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] }, 'other');
  api.apply({ apiVersion: `${G}/v1`, kind: 'GRPCRoute', metadata: { name: 'rpc', namespace: 'infra' }, spec: { parentRefs: [{ name: 'gw', sectionName: 'http' }] } });
  // A route to a Service with a BackendTLSPolicy whose CA ConfigMap is missing (policy status).
  api.apply(service('infra', 'secure', [{ name: 'https', port: 443 }]));
  route('tls-backend', { parentRefs: [{ name: 'gw', sectionName: 'http' }], hostnames: ['t.example.com'], rules: [{ backendRefs: [{ name: 'secure', port: 443 }] }] });
  api.apply({ apiVersion: `${G}/v1`, kind: 'BackendTLSPolicy', metadata: { name: 'secure-tls', namespace: 'infra' },
    spec: { targetRefs: [{ group: '', kind: 'Service', name: 'secure' }], validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'nope' }], hostname: 'secure.infra' } } });
  // A TCPRoute on the TCP listener (experimental channel, v1alpha2), and one on an HTTP listener.
  api.apply({ apiVersion: `${G}/v1alpha2`, kind: 'TCPRoute', metadata: { name: 'tcp', namespace: 'infra' }, spec: { parentRefs: [{ name: 'gw', sectionName: 'tcp' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } });
  api.apply({ apiVersion: `${G}/v1alpha2`, kind: 'TCPRoute', metadata: { name: 'tcp-on-http', namespace: 'infra' }, spec: { parentRefs: [{ name: 'gw', sectionName: 'http' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } });
  // A parent entry of another controller must survive Portico's writes.
  const shared = route('shared', { parentRefs: [{ name: 'gw', sectionName: 'http' }, { name: 'their-gw' }], hostnames: ['s.example.com'], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] });
  const foreignParent = { parentRef: { group: G, kind: 'Gateway', namespace: 'infra', name: 'their-gw' }, controllerName: 'example.com/other-controller',
    conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: '', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' }] };
  api.apply({ ...shared, status: { parents: [foreignParent] } });

  const gw = await startClusterGateway(api, { httpPort: port });
  try {
    const gwObj = await eventually(() => api.get('Gateway', 'infra', 'gw'), (g) => (g?.status?.listeners?.[0]?.attachedRoutes ?? 0) >= 3 && parentOf(api.get('HTTPRoute', 'infra', 'shared'), 'http') !== undefined, 5000);
    assert.deepEqual(conds(api.get('GatewayClass', '', 'portico')?.status?.conditions), { Accepted: 'True/Accepted' });
    assert.equal(api.get('GatewayClass', '', 'theirs')?.status, undefined, 'another controller\'s class is left alone');
    const st = gwObj!.status;
    // Two of four listeners are not valid: the Gateway is accepted with ListenersNotValid (gateway_types.go).
    assert.deepEqual(conds(st.conditions), { Accepted: 'True/ListenersNotValid', Programmed: 'True/Programmed' });
    assert.deepEqual(st.addresses, [{ type: 'IPAddress', value: '203.0.113.7' }], '--publish-address');
    const listener = (name: string) => st.listeners.find((l: Obj) => l.name === name);
    assert.deepEqual(listener('http').supportedKinds, [{ group: G, kind: 'HTTPRoute' }, { group: G, kind: 'GRPCRoute' }]);
    // good, two, missing, crossns, kind, foreign(not allowed: no), shared → attached with Accepted=True.
    assert.equal(listener('http').attachedRoutes, 7, 'routes with Accepted=True on the listener (missing backends still attach)');
    assert.deepEqual(conds(listener('http').conditions), { Accepted: 'True/Accepted', ResolvedRefs: 'True/ResolvedRefs', Conflicted: 'False/NoConflicts', Programmed: 'True/Programmed' });
    assert.deepEqual(listener('kinds').supportedKinds, [{ group: G, kind: 'HTTPRoute' }]);
    assert.equal(conds(listener('kinds').conditions).ResolvedRefs, 'False/InvalidRouteKinds');
    assert.equal(listener('kinds').attachedRoutes, 0);
    // A TCP listener on its own port is served by the L4 module; it takes TCPRoutes only.
    assert.deepEqual(listener('tcp').supportedKinds, [{ group: G, kind: 'TCPRoute' }]);
    assert.equal(conds(listener('tcp').conditions).Programmed, 'True/Programmed');
    assert.equal(listener('tcp').attachedRoutes, 1, 'the TCPRoute');
    assert.equal(conds(listener('elsewhere').conditions).Accepted, 'False/PortUnavailable');
    assert.equal(conds(listener('elsewhere').conditions).Programmed, 'False/Invalid');
    assert.deepEqual(generations([...st.conditions, ...st.listeners.flatMap((l: Obj) => l.conditions)]), [1], 'observedGeneration on every condition');

    const routeConds = (name: string, ns = 'infra', section: string | undefined = 'http') => conds(parentOf(api.get('HTTPRoute', ns, name), section)?.conditions);
    // The writer goes kind by kind, namespace by namespace: other/foreign is the last one written.
    await eventually(() => routeConds('foreign', 'other'), (c) => c.Accepted !== undefined);
    assert.deepEqual(routeConds('good'), { Accepted: 'True/Accepted', ResolvedRefs: 'True/ResolvedRefs' });
    assert.deepEqual(routeConds('missing'), { Accepted: 'True/Accepted', ResolvedRefs: 'False/BackendNotFound' });
    assert.deepEqual(routeConds('crossns'), { Accepted: 'True/Accepted', ResolvedRefs: 'False/RefNotPermitted' });
    assert.deepEqual(routeConds('kind'), { Accepted: 'True/Accepted', ResolvedRefs: 'False/InvalidKind' });
    assert.equal(routeConds('nosection', 'infra', 'nope').Accepted, 'False/NoMatchingParent');
    assert.equal(routeConds('nohost').Accepted, 'False/NoMatchingListenerHostname');
    assert.equal(routeConds('foreign', 'other').Accepted, 'False/NotAllowedByListeners');
    const rpc = api.get('GRPCRoute', 'infra', 'rpc');
    // No hostnames: it would take all of *.example.com, which older HTTPRoutes already serve
    // (grpcroute_types.go GRPCRouteSpec.Hostnames: exactly one of the two kinds is accepted).
    assert.equal(conds(parentOf(rpc, 'http')?.conditions).Accepted, 'False/HostnameConflict');
    await eventually(() => api.get('TCPRoute', 'infra', 'tcp-on-http'), (r) => r?.status?.parents !== undefined);
    assert.deepEqual(conds(parentOf(api.get('TCPRoute', 'infra', 'tcp'), 'tcp')?.conditions), { Accepted: 'True/Accepted', ResolvedRefs: 'True/ResolvedRefs' });
    assert.equal(conds(parentOf(api.get('TCPRoute', 'infra', 'tcp-on-http'), 'http')?.conditions).Accepted, 'False/NotAllowedByListeners');
    // PolicyAncestorStatus: the Gateway the route reaches the Service through, the spec's reasons.
    const pol = await eventually(() => api.get('BackendTLSPolicy', 'infra', 'secure-tls'), (p) => Array.isArray(p?.status?.ancestors));
    assert.deepEqual(pol!.status.ancestors.map((a: Obj) => a.ancestorRef), [{ group: G, kind: 'Gateway', namespace: 'infra', name: 'gw' }]);
    assert.equal(pol!.status.ancestors[0].controllerName, 'portico.io/gateway-controller');
    assert.deepEqual(conds(pol!.status.ancestors[0].conditions), { Accepted: 'False/NoValidCACertificate', ResolvedRefs: 'False/InvalidCACertificateRef' });
    const sharedNow = api.get('HTTPRoute', 'infra', 'shared')!;
    assert.deepEqual(sharedNow.status.parents.find((p: Obj) => p.controllerName !== 'portico.io/gateway-controller'), foreignParent, 'the other controller\'s entry is kept');
    assert.deepEqual(parentOf(sharedNow, 'http')!.parentRef, { group: G, kind: 'Gateway', namespace: 'infra', name: 'gw', sectionName: 'http' });

    // Only diffs: resyncs (every 500 ms) with nothing changed write nothing.
    const patches = () => api.requests.filter((r) => r.method === 'PATCH' && r.path.includes(G)).length;
    const settled = patches();
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal(patches(), settled, 'no status writes without a change');

    // gateway-observed-generation-bump: a spec change moves observedGeneration; conditions whose
    // status did not change keep their lastTransitionTime.
    const before = api.get('Gateway', 'infra', 'gw')!;
    const accepted = before.status.conditions.find((c: Cond) => c.type === 'Accepted') as Cond;
    api.apply({ ...before, spec: { ...before.spec, listeners: before.spec.listeners.filter((l: Obj) => l.name === 'http') } });
    const bumped = await eventually(() => api.get('Gateway', 'infra', 'gw')!, (g) => g.status.conditions.every((c: Cond) => c.observedGeneration === 2), 4000);
    assert.equal(bumped.metadata.generation, 2);
    assert.deepEqual(conds(bumped.status.conditions), { Accepted: 'True/Accepted', Programmed: 'True/Programmed' });
    assert.deepEqual(bumped.status.listeners.map((l: Obj) => l.name), ['http']);
    assert.equal(bumped.status.conditions.find((c: Cond) => c.type === 'Accepted').lastTransitionTime, accepted.lastTransitionTime);
    // A route change moves the route's observedGeneration, with the new outcome.
    const good = api.get('HTTPRoute', 'infra', 'good')!;
    api.apply({ ...good, spec: { ...good.spec, rules: [{ backendRefs: [{ name: 'gone', port: 80 }] }] } });
    const changed = await eventually(() => parentOf(api.get('HTTPRoute', 'infra', 'good'), 'http')!, (p) => p.conditions.every((c) => c.observedGeneration === 2), 4000);
    assert.deepEqual(conds(changed.conditions), { Accepted: 'True/Accepted', ResolvedRefs: 'False/BackendNotFound' });
  } finally {
    await gw.close();
    await api.stop();
  }
});
