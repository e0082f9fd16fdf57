// ipvs wlc (net/netfilter/ipvs/ip_vs_wlc.c): minimise C/W, first of equals, weight 0 skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WeightedLeastConnectionsBalancer } from '../../../src/dataplane/balancer/weighted-least-connections.ts';
import type { Endpoint } from '../../../src/model/endpoint.ts';

const ep = (name: string, weight: number): Endpoint => ({ id: name, address: name, port: 80, ready: true, weight });
const ctx = { clientIp: '192.0.2.1' };

test('wlc: fewest connections per weight; ties keep list order', () => {
  const conns = new Map([['A', 4], ['B', 3], ['C', 0]]);
  const b = new WeightedLeastConnectionsBalancer((id) => conns.get(id) ?? 0);
  b.update([ep('A', 4), ep('B', 1), ep('C', 0)]);
  assert.equal(b.pick(ctx)!.id, 'A'); // 4/4 = 1 < 3/1; C has weight 0
  conns.set('A', 12); // 3 = 3: first of equals
  assert.equal(b.pick(ctx)!.id, 'A');
  conns.set('A', 13);
  assert.equal(b.pick(ctx)!.id, 'B');
  assert.equal(b.pick(ctx, new Set(['B']))!.id, 'A');
  assert.equal(b.pick(ctx, new Set(['A', 'B'])), null);
});

test('wlc: simulated arrivals share in proportion to weight', () => {
  const conns = new Map<string, number>();
  const b = new WeightedLeastConnectionsBalancer((id) => conns.get(id) ?? 0);
  b.update([ep('A', 3), ep('B', 1)]);
  for (let i = 0; i < 40; i++) { const e = b.pick(ctx)!; conns.set(e.id, (conns.get(e.id) ?? 0) + 1); }
  assert.equal(conns.get('A'), 30);
  assert.equal(conns.get('B'), 10);
});
