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
