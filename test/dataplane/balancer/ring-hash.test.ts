import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RingHashBalancer } from '../../../src/dataplane/balancer/ring-hash.ts';
import { makeEndpoint, type Endpoint } from '../../../src/model/endpoint.ts';
import { tally } from '../../support/seeded-random.ts';
import { remapShare } from './remap.ts';

const make = (n: number): Endpoint[] => Array.from({ length: n }, (_, i) => makeEndpoint(`10.1.${i >> 8}.${i & 255}`, 8080));

test('ring-hash: same key same endpoint, keys spread within 25 % of even', () => {
  const b = new RingHashBalancer();
  b.update(make(10));
  for (let i = 0; i < 100; i++) assert.equal(b.pick({ clientIp: 'x', key: `user-${i}` })?.id, b.pick({ clientIp: 'y', key: `user-${i}` })?.id);
  let k = 0;
  const c = tally(() => b.pick({ clientIp: '', key: `k${k++}` })?.id, 20_000);
  assert.equal(c.size, 10);
  for (const n of c.values()) assert.ok(n > 1500 && n < 2500, `share ${n}`);
});

test('ring-hash: removing or adding one of N endpoints remaps at most 1/N + 5 % of 10,000 keys', () => {
  for (const n of [5, 10, 50]) {
    const eps = make(n + 1);
    const removed = remapShare(() => new RingHashBalancer(), eps.slice(0, n + 1), eps.slice(0, n));
    const added = remapShare(() => new RingHashBalancer(), eps.slice(0, n), eps.slice(0, n + 1));
    assert.ok(removed <= 1 / (n + 1) + 0.05, `n=${n} remove ${removed}`);
    assert.ok(added <= 1 / (n + 1) + 0.05, `n=${n} add ${added}`);
    assert.ok(removed > 0 && added > 0);
  }
});

test('ring-hash: excluded endpoints are passed clockwise; bounded load moves a hot key off a busy endpoint', () => {
  const eps = make(4);
  const load = new Map<string, number>();
  const b = new RingHashBalancer({ inflight: (id) => load.get(id) ?? 0, total: () => [...load.values()].reduce((a, x) => a + x, 0) });
  b.update(eps);
  const ctx = { clientIp: '', key: 'hot' };
  const home = b.pick(ctx)!;
  const next = b.pick(ctx, new Set([home.id]))!;
  assert.notEqual(next.id, home.id);
  assert.equal(b.pick(ctx, new Set(eps.map((e) => e.id))), null);
  load.set(home.id, 10); // ceil(1.25 · 11 / 4) = 4 < 11
  assert.notEqual(b.pick(ctx)!.id, home.id);
  for (const e of eps) load.set(e.id, 1); // cap ceil(1.25 · 5 / 4) = 2: one more fits
  assert.equal(b.pick(ctx)!.id, home.id);
  b.update([]);
  assert.equal(b.pick(ctx), null);
});
