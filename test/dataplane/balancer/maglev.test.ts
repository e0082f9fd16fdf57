import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MaglevBalancer } from '../../../src/dataplane/balancer/maglev.ts';
import { makeEndpoint, type Endpoint } from '../../../src/model/endpoint.ts';
import { tally } from '../../support/seeded-random.ts';
import { remapShare } from './remap.ts';

const make = (n: number): Endpoint[] => Array.from({ length: n }, (_, i) => makeEndpoint(`10.2.${i >> 8}.${i & 255}`, 80));

test('maglev: near-even table shares (within 10 %), same key same endpoint', () => {
  const b = new MaglevBalancer();
  b.update(make(7));
  let k = 0;
  const c = tally(() => b.pick({ clientIp: '', key: `k${k++}` })?.id, 21_000);
  assert.equal(c.size, 7);
  for (const n of c.values()) assert.ok(n > 2700 && n < 3300, `share ${n}`);
  assert.equal(b.pick({ clientIp: '', key: 'a' })?.id, b.pick({ clientIp: '', key: 'a' })?.id);
});

test('maglev: removing or adding one of N endpoints remaps at most 1/N + 5 % of 10,000 keys', () => {
  for (const n of [5, 10, 50]) {
    const eps = make(n + 1);
    const removed = remapShare(() => new MaglevBalancer(), eps, eps.slice(0, n));
    const added = remapShare(() => new MaglevBalancer(), eps.slice(0, n), eps);
    assert.ok(removed <= 1 / (n + 1) + 0.05, `n=${n} remove ${removed}`);
    assert.ok(added <= 1 / (n + 1) + 0.05, `n=${n} add ${added}`);
  }
});

test('maglev: exclusions and bounded load; empty never throws', () => {
  const eps = make(3);
  const load = new Map<string, number>();
  const b = new MaglevBalancer({ inflight: (id) => load.get(id) ?? 0, total: () => [...load.values()].reduce((a, x) => a + x, 0) });
  assert.equal(b.pick({ clientIp: '', key: 'x' }), null);
  b.update(eps);
  const home = b.pick({ clientIp: '', key: 'x' })!;
  assert.notEqual(b.pick({ clientIp: '', key: 'x' }, new Set([home.id]))!.id, home.id);
  assert.equal(b.pick({ clientIp: '', key: 'x' }, new Set(eps.map((e) => e.id))), null);
  load.set(home.id, 20);
  assert.notEqual(b.pick({ clientIp: '', key: 'x' })!.id, home.id);
});
