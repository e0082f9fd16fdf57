import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BalancerSet, pickAvailable, type BalancerSpec } from '../../../src/dataplane/balancer/balancer-set.ts';
import { PersistentCookieBalancer } from '../../../src/dataplane/balancer/cookie-persistent.ts';
import { makeEndpoint } from '../../../src/model/endpoint.ts';

const eps = [1, 2, 3].map((i) => makeEndpoint(`10.5.0.${i}`, 80));
const rr: BalancerSpec = { policy: 'round-robin', affinity: { type: 'None', timeoutSeconds: 10800 }, subsetSize: 0, cookie: null };
const deps = { clusterId: 'ns/a:80', inflight: () => 0 };

test('BalancerSet: a balancer is rebuilt only when its spec changes, variants share the endpoints', () => {
  const set = new BalancerSet(rr, deps);
  set.update(eps);
  const b = set.default;
  set.setDefault({ ...rr });
  assert.equal(set.default, b, 'same spec, same balancer (round-robin position kept)');
  set.setDefault({ ...rr, affinity: { type: 'ClientIP', timeoutSeconds: 60 } });
  assert.notEqual(set.default, b);
  assert.equal(set.default.size, 3, 'a new balancer starts with the current endpoints');
  const ring = set.get({ ...rr, policy: 'ring-hash' });
  assert.equal(set.get({ ...rr, policy: 'ring-hash' }), ring);
  assert.ok(set.get({ ...rr, cookie: 'persistent' }) instanceof PersistentCookieBalancer);
  set.update(eps.slice(0, 2));
  assert.equal(ring.size, 2, 'the fast path updates every variant');
  // An apply that no longer asks for the ring drops it; one that keeps a compiled route keeps it.
  set.beginApply();
  set.keep(ring);
  set.prune();
  assert.equal(set.get({ ...rr, policy: 'ring-hash' }), ring);
  set.beginApply();
  set.prune();
  assert.notEqual(set.get({ ...rr, policy: 'ring-hash' }), ring);
});

test('pickAvailable skips unavailable endpoints, and uses them when nothing else is left (panic)', () => {
  const set = new BalancerSet(rr, deps);
  set.update(eps);
  const down = new Set([eps[0].id, eps[1].id]);
  for (let i = 0; i < 6; i++) assert.equal(pickAvailable(set.default, { clientIp: 'c' }, null, (id) => !down.has(id))?.id, eps[2].id);
  down.add(eps[2].id);
  assert.ok(pickAvailable(set.default, { clientIp: 'c' }, null, (id) => !down.has(id)) !== null, 'panic: all down, pick anyway');
  assert.equal(pickAvailable(set.default, { clientIp: 'c' }, new Set(eps.map((e) => e.id)), () => true), null);
  set.update([]);
  assert.equal(pickAvailable(set.default, { clientIp: 'c' }, null, () => true), null, 'an empty list is the normal 503 path');
});
