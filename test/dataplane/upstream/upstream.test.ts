import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointRegistry, EndpointState, FAILURE_THRESHOLD } from '../../../src/dataplane/upstream/endpoint-state.ts';
import { ClusterRuntimes } from '../../../src/dataplane/upstream/cluster-runtime.ts';
import { makeEndpoint } from '../../../src/model/endpoint.ts';
import { cluster } from '../http/helpers.ts';

test('passive health: windowed connect failures eject for the base time, then the endpoint is back', () => {
  const s = new EndpointState('1.2.3.4:80');
  const t0 = 1_000_000;
  for (let i = 0; i < FAILURE_THRESHOLD - 1; i++) s.recordFailure(t0);
  assert.ok(s.healthy(t0));
  s.recordFailure(t0);
  assert.ok(!s.healthy(t0));
  assert.ok(!s.healthy(t0 + 29_999));
  assert.ok(s.healthy(t0 + 30_000)); // base ejection time passed, no timer needed
  // Successes in the window keep an endpoint with scattered failures in.
  const s2 = new EndpointState('1.2.3.5:80');
  for (let i = 0; i < FAILURE_THRESHOLD; i++) { s2.recordSuccess(t0); s2.recordSuccess(t0); s2.recordFailure(t0); }
  assert.ok(s2.healthy(t0));
});

test('endpoint state is reference-counted across clusters and snapshots', () => {
  const reg = new EndpointRegistry();
  const rts = new ClusterRuntimes(reg);
  const e1 = makeEndpoint('10.0.0.1', 80);
  const e2 = makeEndpoint('10.0.0.2', 80);
  rts.reconcile([cluster('ns/a:80'), cluster('ns/b:80')], new Map([['ns/a:80', [e1, e2]], ['ns/b:80', [e1]]]));
  assert.equal(reg.size, 2);
  assert.equal(reg.get(e1.id)?.refs, 2);
  const state = reg.get(e1.id)!;
  const balancer = rts.get('ns/a:80')!.balancer;
  rts.reconcile([cluster('ns/a:80')], new Map([['ns/a:80', [e1]]]));
  assert.equal(reg.get(e1.id), state, 'same state object survives the snapshot');
  assert.equal(reg.get(e1.id)?.refs, 1);
  assert.equal(reg.get(e2.id), undefined);
  assert.equal(rts.get('ns/a:80')!.balancer, balancer, 'same cluster id keeps its balancer');
  assert.equal(rts.get('ns/b:80'), undefined);
  rts.reconcile([], new Map());
  assert.equal(reg.size, 0);
});

test('pick skips an unhealthy endpoint while a healthy one remains, else tries anyway', () => {
  const reg = new EndpointRegistry();
  const rts = new ClusterRuntimes(reg);
  const e1 = makeEndpoint('10.0.0.1', 80);
  const e2 = makeEndpoint('10.0.0.2', 80);
  rts.reconcile([cluster('ns/a:80')], new Map([['ns/a:80', [e1, e2]]]));
  const rt = rts.get('ns/a:80')!;
  const now = Date.now();
  for (let i = 0; i < FAILURE_THRESHOLD; i++) reg.get(e1.id)!.recordFailure(now);
  for (let i = 0; i < 4; i++) assert.equal(rt.pick('1.1.1.1', null, now)?.id, e2.id);
  assert.equal(rt.pick('1.1.1.1', new Set([e2.id]), now)?.id, e1.id);
  assert.equal(rt.pick('1.1.1.1', new Set([e1.id, e2.id]), now), null);
});

test('an apply that changes nothing of a cluster keeps its runtime as it was; a policy, affinity or endpoint change rebuilds only that', () => {
  const reg = new EndpointRegistry();
  const rts = new ClusterRuntimes(reg);
  const eps = () => [makeEndpoint('10.0.0.1', 80), makeEndpoint('10.0.0.2', 80), makeEndpoint('10.0.0.3', 80)];
  rts.reconcile([cluster('ns/a:80'), cluster('ns/b:80')], new Map([['ns/a:80', eps()], ['ns/b:80', eps()]]));
  const a = rts.get('ns/a:80')!;
  const balancer = a.balancer;
  const states = a.states;
  const first = a.pick('', null, 0)!.id;
  // New objects with the same content, as every translate produces them.
  rts.reconcile([cluster('ns/a:80'), cluster('ns/b:80')], new Map([['ns/a:80', eps()], ['ns/b:80', eps()]]));
  assert.equal(rts.get('ns/a:80'), a);
  assert.equal(a.balancer, balancer, 'same policy and affinity: same balancer');
  assert.equal(a.states, states, 'same endpoints: the endpoint states are not rebuilt');
  assert.notEqual(a.pick('', null, 0)!.id, first, 'round-robin carries on from where it was');
  // ClientIP affinity on b: b gets a new balancer, a keeps its own.
  rts.reconcile([cluster('ns/a:80'), { ...cluster('ns/b:80'), sessionAffinity: { type: 'ClientIP', timeoutSeconds: 60 } }],
    new Map([['ns/a:80', eps()], ['ns/b:80', eps()]]));
  assert.equal(a.balancer, balancer);
  const sticky = rts.get('ns/b:80')!.balancer;
  const ip = rts.get('ns/b:80')!.pick('192.0.2.7', null, 0)!.id;
  for (let i = 0; i < 5; i++) assert.equal(rts.get('ns/b:80')!.pick('192.0.2.7', null, 0)!.id, ip);
  // A None affinity's timeout does not matter (specKey): no rebuild for it.
  rts.reconcile([{ ...cluster('ns/a:80'), sessionAffinity: { type: 'None', timeoutSeconds: 5 } }, { ...cluster('ns/b:80'), sessionAffinity: { type: 'ClientIP', timeoutSeconds: 60 } }],
    new Map([['ns/a:80', eps()], ['ns/b:80', eps()]]));
  assert.equal(a.balancer, balancer);
  assert.equal(rts.get('ns/b:80')!.balancer, sticky);
  // An endpoint gone: the states follow, the balancer is updated in place.
  rts.reconcile([cluster('ns/a:80')], new Map([['ns/a:80', eps().slice(0, 2)]]));
  assert.notEqual(a.states, states);
  assert.deepEqual([...a.states.keys()], ['10.0.0.1:80', '10.0.0.2:80']);
  assert.equal(a.balancer, balancer);
  assert.equal(rts.get('ns/b:80'), undefined);
  assert.equal(reg.get('10.0.0.3:80'), undefined, 'the endpoint no cluster has is released');
  // A policy change rebuilds the balancer.
  rts.reconcile([{ ...cluster('ns/a:80'), balancer: 'random' }], new Map([['ns/a:80', eps().slice(0, 2)]]));
  assert.notEqual(a.balancer, balancer);
});
