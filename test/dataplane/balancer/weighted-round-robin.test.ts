// ipvs wrr (net/netfilter/ipvs/ip_vs_wrr.c): the kernel's comment gives the sequence for weights
// A=4, B=3, C=2: "AABABCABC" per cycle of 9.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WeightedRoundRobinBalancer } from '../../../src/dataplane/balancer/weighted-round-robin.ts';
import type { Endpoint } from '../../../src/model/endpoint.ts';

const ep = (name: string, weight: number): Endpoint => ({ id: name, address: name, port: 80, ready: true, weight });
const ctx = { clientIp: '192.0.2.1' };

test('wrr: interleaved sequence of ip_vs_wrr_schedule for weights 4, 3, 2', () => {
  const b = new WeightedRoundRobinBalancer();
  b.update([ep('A', 4), ep('B', 3), ep('C', 2)]);
  const seq = Array.from({ length: 18 }, () => b.pick(ctx)!.id).join('');
  assert.equal(seq, 'AABABCABC'.repeat(2));
});

test('wrr: equal weights are round robin, weight 0 never chosen, gcd steps', () => {
  const b = new WeightedRoundRobinBalancer();
  b.update([ep('A', 1), ep('B', 1), ep('C', 0)]);
  assert.equal(Array.from({ length: 4 }, () => b.pick(ctx)!.id).join(''), 'ABAB');
  b.update([ep('A', 20), ep('B', 10)]);
  const c = Array.from({ length: 30 }, () => b.pick(ctx)!.id);
  assert.equal(c.filter((x) => x === 'A').length, 20);
  assert.equal(b.pick(ctx, new Set(['A', 'B'])), null);
  b.update([ep('A', 0)]);
  assert.equal(b.pick(ctx), null);
  b.update([]);
  assert.equal(b.pick(ctx), null);
});
