import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/store/store.ts';
import type { EndpointSlice, Endpoints, Service } from '../../src/k8s/types.ts';
import type { Cluster } from '../../src/model/cluster.ts';
import { resolveServiceBackend } from '../../src/translate/backends.ts';
import { endpointsForCluster, translateEndpoints } from '../../src/translate/endpoints.ts';

const service = (ports: Service['spec'] extends infer S ? S extends { ports?: infer P } ? P : never : never): Service =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ns' }, spec: { ports } });

type Ep = NonNullable<EndpointSlice['endpoints']>[number];
const slice = (name: string, endpoints: Ep[], ports: EndpointSlice['ports'], addressType = 'IPv4', svcName = 'web'): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { name, namespace: 'ns', labels: { 'kubernetes.io/service-name': svcName } },
  addressType, endpoints, ports,
});
const ep = (ip: string, conditions?: Ep['conditions']): Ep => (conditions ? { addresses: [ip], conditions } : { addresses: [ip] });

function cluster(s: Store, port: { number?: number; name?: string }): Cluster {
  const r = resolveServiceBackend(s, 'ns', 'web', port, { allowExternalName: true });
  assert.ok(r.ok);
  return r.cluster;
}

const ids = (list: { id: string; ready: boolean }[]) => list.map((e) => `${e.id}${e.ready ? '' : ' (not ready)'}`);

test('ready endpoints (nil ready = true), sorted, not-ready excluded', () => {
  const s = new Store();
  s.upsert('Service', service([{ name: 'http', port: 80, targetPort: 8080 }]));
  s.upsert('EndpointSlice', slice('web-a', [ep('10.0.0.2'), ep('10.0.0.1', { ready: true }), ep('10.0.0.3', { ready: false, serving: true, terminating: true })],
    [{ name: 'http', port: 8080, protocol: 'TCP' }]));
  assert.deepEqual(ids(endpointsForCluster(s, cluster(s, { number: 80 }))), ['10.0.0.1:8080', '10.0.0.2:8080']);
});

test('no ready endpoint: serving && terminating ones, marked not ready', () => {
  const s = new Store();
  s.upsert('Service', service([{ name: 'http', port: 80, targetPort: 8080 }]));
  s.upsert('EndpointSlice', slice('web-a', [
    ep('10.0.0.1', { ready: false, serving: true, terminating: true }),
    ep('10.0.0.2', { ready: false, terminating: true }), // serving nil ⇒ true
    ep('10.0.0.3', { ready: false, serving: false, terminating: true }),
    ep('10.0.0.4', { ready: false }), // not terminating
  ], [{ name: 'http', port: 8080 }]));
  assert.deepEqual(ids(endpointsForCluster(s, cluster(s, { name: 'http' }))), ['10.0.0.1:8080 (not ready)', '10.0.0.2:8080 (not ready)']);
});

test('dedupe (ip, port) across slices; only addresses[0]; FQDN slices ignored', () => {
  const s = new Store();
  s.upsert('Service', service([{ name: 'http', port: 80, targetPort: 8080 }]));
  s.upsert('EndpointSlice', slice('web-a', [ep('10.0.0.1'), { addresses: ['10.0.0.2', '10.0.0.99'] }], [{ name: 'http', port: 8080 }]));
  s.upsert('EndpointSlice', slice('web-b', [ep('10.0.0.1'), ep('fd00::1')], [{ name: 'http', port: 8080 }], 'IPv6'));
  s.upsert('EndpointSlice', slice('web-c', [ep('pod.example.com')], [{ name: 'http', port: 8080 }], 'FQDN'));
  assert.deepEqual(ids(endpointsForCluster(s, cluster(s, { number: 80 }))), ['10.0.0.1:8080', '10.0.0.2:8080', '[fd00::1]:8080']);
});

test('named port join: slice port name == service port name and protocol', () => {
  const s = new Store();
  s.upsert('Service', service([{ name: 'http', port: 80, targetPort: 'web' }, { name: 'metrics', port: 9090, targetPort: 9090 }]));
  s.upsert('EndpointSlice', slice('web-a', [ep('10.0.0.1')], [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }, { name: 'http', port: 5353, protocol: 'UDP' }]));
  // Named targetPort resolving to another number lands in another slice (SPEC §4.2).
  s.upsert('EndpointSlice', slice('web-b', [ep('10.0.0.2')], [{ name: 'http', port: 8081 }]));
  assert.deepEqual(ids(endpointsForCluster(s, cluster(s, { name: 'http' }))), ['10.0.0.1:8080', '10.0.0.2:8081']);
  assert.deepEqual(ids(endpointsForCluster(s, cluster(s, { number: 9090 }))), ['10.0.0.1:9090']);
});

test('unnamed single service port joins the slice port named ""', () => {
  const s = new Store();
  s.upsert('Service', service([{ port: 80, targetPort: 3000 }]));
  s.upsert('EndpointSlice', slice('web-a', [ep('10.0.0.1')], [{ name: '', port: 3000 }]));
  s.upsert('EndpointSlice', slice('web-b', [ep('10.0.0.2')], [{ port: 3001 }]));
  s.upsert('EndpointSlice', slice('web-c', [ep('10.0.0.3')], [{ name: 'x', port: 3002 }]));
  assert.deepEqual(ids(endpointsForCluster(s, cluster(s, { number: 80 }))), ['10.0.0.1:3000', '10.0.0.2:3001']);
});

test('slice with empty ports: numeric targetPort, else port; named targetPort gives nothing', () => {
  const s = new Store();
  s.upsert('Service', service([{ name: 'a', port: 80, targetPort: 3000 }, { name: 'b', port: 81 }, { name: 'c', port: 82, targetPort: 'named' }]));
  s.upsert('EndpointSlice', slice('web-a', [ep('10.0.0.1')], []));
  assert.deepEqual(ids(endpointsForCluster(s, cluster(s, { name: 'a' }))), ['10.0.0.1:3000']);
  assert.deepEqual(ids(endpointsForCluster(s, cluster(s, { name: 'b' }))), ['10.0.0.1:81']);
  assert.deepEqual(ids(endpointsForCluster(s, cluster(s, { name: 'c' }))), []);
});

test('Endpoints v1 only when the Service has no EndpointSlice; notReadyAddresses ignored', () => {
  const s = new Store();
  s.upsert('Service', service([{ name: 'http', port: 80, targetPort: 8080 }]));
  const eps: Endpoints = {
    apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'ns' },
    subsets: [
      { addresses: [{ ip: '10.1.0.2' }, { ip: '10.1.0.1' }], notReadyAddresses: [{ ip: '10.1.0.9' }], ports: [{ name: 'http', port: 8080 }] },
      { addresses: [{ ip: '10.1.0.3' }], ports: [{ name: 'other', port: 1 }] },
    ],
  };
  s.upsert('Endpoints', eps);
  const c = cluster(s, { number: 80 });
  assert.deepEqual(ids(endpointsForCluster(s, c)), ['10.1.0.1:8080', '10.1.0.2:8080']);
  // Once any slice exists (even with no endpoints), Endpoints v1 is no longer read.
  s.upsert('EndpointSlice', slice('web-a', [], [{ name: 'http', port: 8080 }]));
  assert.deepEqual(ids(endpointsForCluster(s, c)), []);
});

test('Endpoints v1 single unnamed port matches the only Service port', () => {
  const s = new Store();
  s.upsert('Service', service([{ name: 'http', port: 80 }]));
  s.upsert('Endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'ns' }, subsets: [{ addresses: [{ ip: '10.1.0.1' }], ports: [{ port: 80 }] }] });
  assert.deepEqual(ids(endpointsForCluster(s, cluster(s, { number: 80 }))), ['10.1.0.1:80']);
});

test('ExternalName cluster: one endpoint carrying the DNS name', () => {
  const s = new Store();
  s.upsert('Service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ns' }, spec: { type: 'ExternalName', externalName: 'api.example.com' } });
  const list = endpointsForCluster(s, cluster(s, { number: 443 }));
  assert.deepEqual(list, [{ id: 'api.example.com:443', address: 'api.example.com', port: 443, ready: true, hostname: 'api.example.com' }]);
});

test('translateEndpoints maps every cluster id, malformed slices do not throw', () => {
  const s = new Store();
  s.upsert('Service', service([{ name: 'http', port: 80 }]));
  s.upsert('EndpointSlice', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'bad', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'web' } },
    endpoints: [null, { addresses: 'x' }, { addresses: [] }, { addresses: [5] }] as unknown as EndpointSlice['endpoints'], ports: 'x' as unknown as [] });
  const c = cluster(s, { number: 80 });
  const m = translateEndpoints(s, [c, c]);
  assert.deepEqual([...m.keys()], ['ns/web:80']);
  assert.deepEqual(m.get('ns/web:80'), []);
});
