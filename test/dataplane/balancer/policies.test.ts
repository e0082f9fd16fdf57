import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBalancer } from '../../../src/dataplane/balancer/index.ts';
import { AffinityBalancer } from '../../../src/dataplane/balancer/affinity.ts';
import { makeEndpoint } from '../../../src/model/endpoint.ts';

const eps = [1, 2, 3].map((i) => makeEndpoint(`10.0.0.${i}`, 80));
const ctx = { clientIp: '192.0.2.1' };

function counts(pick: () => string, n: number): Record<string, number> {
  const c: Record<string, number> = {};
  for (let i = 0; i < n; i++) { const id = pick(); c[id] = (c[id] ?? 0) + 1; }
  return c;
}

test('createBalancer returns each policy, wrapped for ClientIP affinity', () => {
  assert.equal(createBalancer({ policy: 'round-robin' }).policy, 'round-robin');
  assert.equal(createBalancer({ policy: 'least-connections' }).policy, 'least-connections');
  assert.equal(createBalancer({ policy: 'source-hash' }).policy, 'source-hash');
  const a = createBalancer({ policy: 'source-hash', affinity: { type: 'ClientIP', timeoutSeconds: 5 } });
  assert.ok(a instanceof AffinityBalancer);
  assert.equal(a.policy, 'source-hash');
  assert.ok(!(createBalancer({ policy: 'round-robin', affinity: { type: 'None', timeoutSeconds: 5 } }) instanceof AffinityBalancer));
});

test('round-robin: equal shares, exclusions skipped, empty gives null', () => {
  const b = createBalancer({ policy: 'round-robin' });
  b.update(eps);
  assert.deepEqual(Object.values(counts(() => b.pick(ctx)!.id, 300)), [100, 100, 100]);
  const ex = new Set([eps[0].id, eps[1].id]);
  for (let i = 0; i < 5; i++) assert.equal(b.pick(ctx, ex)!.id, eps[2].id);
  assert.equal(b.pick(ctx, new Set(eps.map((e) => e.id))), null);
  b.update([]);
  assert.equal(b.pick(ctx), null);
});

test('least-connections: fewest in flight wins, ties rotate', () => {
  const inflight = new Map<string, number>([[eps[0].id, 5], [eps[1].id, 2], [eps[2].id, 2]]);
  const b = createBalancer({ policy: 'least-connections', inflight: (id) => inflight.get(id) ?? 0 });
  b.update(eps);
  const c = counts(() => b.pick(ctx)!.id, 100);
  assert.equal(c[eps[0].id], undefined);
  assert.equal(c[eps[1].id], 50);
  assert.equal(c[eps[2].id], 50);
  inflight.set(eps[0].id, 0);
  assert.equal(b.pick(ctx)!.id, eps[0].id);
  assert.equal(b.pick(ctx, new Set([eps[0].id]))!.id === eps[0].id, false);
  // Simulated load: each pick adds a connection, so picks spread evenly.
  const load = new Map<string, number>();
  const b2 = createBalancer({ policy: 'least-connections', inflight: (id) => load.get(id) ?? 0 });
  b2.update(eps);
  for (let i = 0; i < 30; i++) { const e = b2.pick(ctx)!; load.set(e.id, (load.get(e.id) ?? 0) + 1); }
  assert.deepEqual([...load.values()], [10, 10, 10]);
});

test('source-hash: stable per client IP, spread across many IPs, next one when excluded', () => {
  const b = createBalancer({ policy: 'source-hash' });
  b.update(eps);
  for (let i = 0; i < 50; i++) {
    const ip = `198.51.100.${i}`;
    const first = b.pick({ clientIp: ip })!.id;
    for (let k = 0; k < 3; k++) assert.equal(b.pick({ clientIp: ip })!.id, first);
  }
  const c = counts(() => '', 0);
  for (let i = 0; i < 3000; i++) { const id = b.pick({ clientIp: `10.${i >> 8}.${i & 255}.1` })!.id; c[id] = (c[id] ?? 0) + 1; }
  for (const e of eps) assert.ok(c[e.id] > 800 && c[e.id] < 1200, `${e.id}: ${c[e.id]}`);
  const h = b.pick(ctx)!;
  const alt = b.pick(ctx, new Set([h.id]))!;
  assert.notEqual(alt.id, h.id);
});

test('ClientIP affinity: sticky within the timeout, expires, resets on forget, exclusion and endpoint removal', () => {
  let now = 0;
  const b = createBalancer({ policy: 'round-robin', affinity: { type: 'ClientIP', timeoutSeconds: 10 }, now: () => now }) as AffinityBalancer;
  b.update(eps);
  const first = b.pick(ctx)!.id;
  assert.notEqual(b.pick({ clientIp: '192.0.2.2' })!.id, first);
  now = 9_000;
  assert.equal(b.pick(ctx)!.id, first);
  now = 18_000; // 9 s after the refresh: still sticky
  assert.equal(b.pick(ctx)!.id, first);
  now = 28_001; // 10.001 s idle: expired, the inner round-robin picks the next endpoint
  const second = b.pick(ctx)!.id;
  assert.notEqual(second, first);
  assert.equal(b.pick(ctx)!.id, second);
  b.forget(ctx.clientIp);
  assert.notEqual(b.pick(ctx)!.id, second);
  const cur = b.pick(ctx)!.id;
  const retry = b.pick(ctx, new Set([cur]))!.id;
  assert.notEqual(retry, cur);
  assert.equal(b.pick(ctx)!.id, retry, 'the retry choice is remembered');
  b.update(eps.filter((e) => e.id !== retry));
  assert.notEqual(b.pick(ctx)!.id, retry);
  now = 1e9;
  b.sweep();
  assert.equal(b.entries, 0);
});
