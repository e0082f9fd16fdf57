// Gateway API status merging and writing rules (gateway-api apis/v1/gateway_types.go "Notes for
// implementors"; conformance gateway-preserve-foreign-conditions): foreign conditions and route
// parents stay, lastTransitionTime moves only with the status, only the leader writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeConditions, routeStatus, gatewayStatus, canonicalJson } from '../../src/status/gateway-status-merge.ts';
import { GatewayStatusWriter, toGatewayAddresses } from '../../src/status/gateway-status.ts';
import { FakeApiServer } from '../support/fake-apiserver.ts';
import { kubeConfigForServer } from '../../src/sources/kube/config.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { cond } from '../../src/translate/gateway/status-report.ts';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-02-02T00:00:00Z';

test('conditions: foreign types kept in place, ours merged, lastTransitionTime kept while the status holds', () => {
  const current = [
    { type: 'Accepted', status: 'True', reason: 'Accepted', message: '', observedGeneration: 1, lastTransitionTime: T0 },
    { type: 'example.com/Audited', status: 'True', reason: 'Done', message: 'x', observedGeneration: 1, lastTransitionTime: T0 },
    { type: 'Programmed', status: 'False', reason: 'Invalid', message: '', observedGeneration: 1, lastTransitionTime: T0 },
  ];
  const next = mergeConditions(current, [cond('Accepted', true, 'ListenersNotValid', 'm'), cond('Programmed', true, 'Programmed'), cond('ResolvedRefs', true, 'ResolvedRefs')], 2, T1);
  assert.deepEqual(next.map((c) => c.type), ['Accepted', 'example.com/Audited', 'Programmed', 'ResolvedRefs']);
  assert.equal(next[0].lastTransitionTime, T0, 'same status, new reason: no transition');
  assert.equal(next[0].reason, 'ListenersNotValid');
  assert.equal(next[0].observedGeneration, 2);
  assert.deepEqual(next[1], current[1], 'a condition another party owns is untouched');
  assert.equal(next[2].lastTransitionTime, T1, 'False → True is a transition');
  assert.equal(next[3].lastTransitionTime, T1);
  assert.deepEqual(mergeConditions('garbage', [cond('Accepted', true, 'Accepted')], 1, T1).length, 1);
});

test('route parents: other controllers\' entries kept, ours replaced; Gateway addresses replaced or left alone', () => {
  const theirs = { parentRef: { name: 'x' }, controllerName: 'example.com/c', conditions: [] };
  const stale = { parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'ns', name: 'old' }, controllerName: 'portico.io/gateway-controller', conditions: [] };
  const out = routeStatus({ parents: [theirs, stale] }, [{ parentRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'ns', name: 'gw', port: 80 }, conditions: [cond('Accepted', true, 'Accepted')] }],
    'portico.io/gateway-controller', 3, T1);
  const parents = out.parents as { controllerName: string; parentRef: { name: string; port?: number }; conditions: { observedGeneration: number }[] }[];
  assert.deepEqual(parents.map((p) => p.parentRef.name), ['x', 'gw'], 'the stale parent of ours is gone, theirs stays first');
  assert.equal(parents[1].parentRef.port, 80);
  assert.equal(parents[1].conditions[0].observedGeneration, 3);
  const entry = { key: 'ns/gw', generation: 1, conditions: [], listeners: [] };
  assert.deepEqual(gatewayStatus({ addresses: [{ type: 'IPAddress', value: '1.1.1.1' }] }, entry, null, T1).addresses, [{ type: 'IPAddress', value: '1.1.1.1' }], 'unknown addresses: left as they are');
  assert.equal(gatewayStatus({ addresses: [{ type: 'IPAddress', value: '1.1.1.1' }] }, entry, [], T1).addresses, undefined);
  assert.deepEqual(toGatewayAddresses([{ ip: '10.0.0.1' }, { hostname: 'lb.example' }, {}]), [{ type: 'IPAddress', value: '10.0.0.1' }, { type: 'Hostname', value: 'lb.example' }]);
  assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] }), canonicalJson({ a: [{ d: 2 }], b: 1 }));
});

test('writer: a replica that is not the leader writes nothing; a deleted object is skipped', async () => {
  const api = new FakeApiServer();
  await api.start();
  api.installGatewayApi();
  const gc = api.apply({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'portico' }, spec: { controllerName: 'portico.io/gateway-controller' } });
  const report = { classes: [{ name: 'portico', generation: 1, conditions: [cond('Accepted', true, 'Accepted')] }], gateways: [],
    routes: [{ kind: 'HTTPRoute' as const, key: 'ns/gone', generation: 1, parents: [] }] };
  let leader = false;
  const w = new GatewayStatusWriter({ kubeConfig: kubeConfigForServer(api.url), logger: silentLogger(), isLeader: () => leader, controllerName: 'portico.io/gateway-controller',
    lookup: (kind) => (kind === 'GatewayClass' ? gc : undefined), now: () => new Date(T1) });
  try {
    assert.deepEqual(await w.sync(report, []), { written: [], failed: [] });
    assert.equal(api.requests.filter((r) => r.method === 'PATCH').length, 0);
    leader = true;
    assert.deepEqual((await w.sync(report, [])).written, ['GatewayClass/portico']);
    assert.equal(api.get('GatewayClass', '', 'portico')!.status.conditions[0].lastTransitionTime, T1);
    // Until the watch brings the write back (same resourceVersion here), it is not repeated.
    assert.deepEqual((await w.sync(report, [])).written, []);
  } finally {
    await api.stop();
  }
});

test('writer: a route whose status matched is not merged again while neither it nor its report entry changed', async () => {
  const api = new FakeApiServer();
  await api.start();
  api.installGatewayApi();
  const route = api.apply({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'ns', generation: 1 }, spec: {} });
  const parentRef = { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'ns', name: 'gw' };
  const entry = (reason: string) => ({ kind: 'HTTPRoute' as const, key: 'ns/r', generation: 1,
    parents: [{ parentRef, conditions: [cond('Accepted', true, reason), cond('ResolvedRefs', true, 'ResolvedRefs')] }] });
  const report = (reason: string) => ({ classes: [], gateways: [], routes: [entry(reason)] });
  // The object as the watch delivers it: its status already what Portico would write; reads of it counted.
  let statusReads = 0;
  const delivered = (status: unknown) => {
    const o = { ...route, metadata: { ...route.metadata } };
    Object.defineProperty(o, 'status', { enumerable: true, get: () => (statusReads++, status) });
    return o;
  };
  const ours = routeStatus(undefined, entry('Accepted').parents, 'portico.io/gateway-controller', 1, T0);
  let current = delivered(ours);
  const w = new GatewayStatusWriter({ kubeConfig: kubeConfigForServer(api.url), logger: silentLogger(), isLeader: () => true, controllerName: 'portico.io/gateway-controller',
    lookup: (kind) => (kind === 'HTTPRoute' ? current : undefined), now: () => new Date(T1) });
  try {
    assert.deepEqual((await w.sync(report('Accepted'), [])).written, []);
    const afterFirst = statusReads;
    assert.ok(afterFirst > 0);
    // Same object, an equal entry built anew (every translation builds new ones): nothing read, nothing written.
    assert.deepEqual((await w.sync(report('Accepted'), [])).written, []);
    assert.equal(statusReads, afterFirst, 'the settled route is skipped');
    // The entry changes: merged and written.
    assert.deepEqual((await w.sync(report('Other'), [])).written, ['HTTPRoute/ns/r']);
    // Another writer replaces the status (a new object from the watch) with the same entry as before: written back.
    current = delivered({ parents: [] });
    current.metadata.resourceVersion = `${current.metadata.resourceVersion ?? ''}9`;
    assert.deepEqual((await w.sync(report('Accepted'), [])).written, ['HTTPRoute/ns/r']);
  } finally {
    await api.stop();
  }
});
