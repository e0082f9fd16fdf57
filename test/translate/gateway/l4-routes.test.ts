// TCPRoute / UDPRoute rules with several backendRefs of weight > 0 (translate/gateway/l4-routes.ts):
// served with every backend and its weight, an unresolved one kept with clusterId null (its share
// rejected, tcproute_types.go TCPRouteRule.BackendRefs), weight 0 left out; a malformed ref still
// leaves the route unserved; a TLSRoute still forwards to one backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../src/store/store.ts';
import { defaultTranslateOptions, translate } from '../../../src/translate/index.ts';
import { isKind, type KubeObject } from '../../../src/k8s/types.ts';
import { gateway, gatewayClass } from '../../support/gateway-api.ts';
import { backendFor, endpointSlice, service } from '../../support/manifests.ts';

const NS = 'l4';
const route = (kind: 'TCPRoute' | 'UDPRoute' | 'TLSRoute', name: string, section: string, backendRefs: Record<string, unknown>[], extra: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind, metadata: { name, namespace: NS }, spec: { parentRefs: [{ name: 'edge', sectionName: section }], ...extra, rules: [{ backendRefs }] } }) as KubeObject;

function run(objs: KubeObject[]) {
  const store = new Store();
  for (const o of objs) if (isKind(o.kind)) store.upsert(o.kind, o);
  return translate(store, { ...defaultTranslateOptions(), gatewayPorts: { http: 8080, https: 8443, offset: 0 } });
}

const base = (): KubeObject[] => [
  gatewayClass(),
  ...backendFor(NS, 'a', [9001]),
  ...backendFor(NS, 'b', [9002]),
  service(NS, 'dns', [{ name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' }]),
  endpointSlice(NS, 'dns', 'dns-0', ['10.0.0.1'], 5353, 'dns', 'UDP'),
  gateway(NS, 'edge', [
    { name: 'tcp', protocol: 'TCP', port: 7000 },
    { name: 'udp', protocol: 'UDP', port: 7001 },
    { name: 'bad', protocol: 'TCP', port: 7002 },
    { name: 'tls', protocol: 'TLS', port: 7003, tls: { mode: 'Passthrough' } },
  ]),
];

test('TCPRoute/UDPRoute with weighted backendRefs: served with every backend and weight; unresolved kept with null; weight 0 left out', () => {
  const out = run([
    ...base(),
    route('TCPRoute', 'split', 'tcp', [{ name: 'a', port: 80, weight: 3 }, { name: 'missing', port: 80 }, { name: 'b', port: 80, weight: 0 }, { name: 'b', port: 80, weight: 2 }]),
    route('UDPRoute', 'dns', 'udp', [{ name: 'dns', port: 53, weight: 5 }, { name: 'gone', port: 53, weight: 1 }]),
  ]);
  const l4 = (id: string) => out.snapshot.l4.find((r) => r.id === id);
  const tcp = l4('gateway/l4/edge/tcp');
  assert.ok(tcp, JSON.stringify(out.snapshot.l4.map((r) => r.id)));
  assert.equal(tcp.clusterId, 'l4/a:80');
  assert.deepEqual(tcp.backends, [{ clusterId: 'l4/a:80', weight: 3 }, { clusterId: null, weight: 1 }, { clusterId: 'l4/b:80', weight: 2 }]);
  const udp = l4('gateway/l4/edge/udp');
  assert.deepEqual(udp?.backends, [{ clusterId: 'l4/dns:53/udp', weight: 5 }, { clusterId: null, weight: 1 }]);
  assert.ok(!out.diagnostics.some((d) => d.reason === 'UnsupportedValue'), JSON.stringify(out.diagnostics));
  assert.ok(out.diagnostics.some((d) => d.reason === 'BackendNotFound' && d.object.name === 'split'));
  assert.ok(out.diagnostics.some((d) => d.reason === 'BackendNotFound' && d.object.name === 'dns' && /datagrams dropped/.test(d.message)));
  // Structured-clone safe (worker processes): plain data only.
  assert.deepEqual(structuredClone(tcp), tcp);
});

test('one weighted backendRef: no backends list (clusterId alone, as the ConfigMap routes)', () => {
  const out = run([...base(), route('TCPRoute', 'one', 'tcp', [{ name: 'a', port: 80, weight: 4 }, { name: 'b', port: 80, weight: 0 }])]);
  const tcp = out.snapshot.l4.find((r) => r.id === 'gateway/l4/edge/tcp');
  assert.equal(tcp?.clusterId, 'l4/a:80');
  assert.equal(tcp?.backends, undefined);
});

test('a malformed backendRef among weighted ones still leaves the route unserved; a TLSRoute still takes one backend', () => {
  const out = run([
    ...base(),
    route('TCPRoute', 'broken', 'bad', [{ name: 'a', port: 80, weight: 1 }, { name: 'b', weight: 1 }]),
    route('TLSRoute', 'pt', 'tls', [{ name: 'a', port: 80 }, { name: 'b', port: 80 }], { hostnames: ['pt.test'] }),
  ]);
  assert.equal(out.snapshot.l4.find((r) => r.id === 'gateway/l4/edge/bad'), undefined);
  assert.ok(out.diagnostics.some((d) => d.reason === 'UnsupportedValue' && d.object.name === 'broken' && /port is required/.test(d.message)));
  assert.ok(out.diagnostics.some((d) => d.reason === 'UnsupportedValue' && d.object.name === 'pt' && /weight > 0/.test(d.message)));
});
