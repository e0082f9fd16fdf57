// ipvs sed (net/netfilter/ipvs/ip_vs_sed.c): minimise (C + 1) / W.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShortestExpectedDelayBalancer } from '../../../src/dataplane/balancer/shortest-expected-delay.ts';
import { WeightedLeastConnectionsBalancer } from '../../../src/dataplane/balancer/weighted-least-connections.ts';
import type { Endpoint } from '../../../src/model/endpoint.ts';

const ep = (name: string, weight: number): Endpoint => ({ id: name, address: name, port: 80, ready: true, weight });
const ctx = { clientIp: '192.0.2.1' };

test('sed: (C+1)/W — an idle light server loses to a busier heavy one where wlc would not', () => {
  const conns = new Map([['A', 0], ['B', 1]]);
  const eps = [ep('A', 1), ep('B', 4)];
  const sed = new ShortestExpectedDelayBalancer((id) => conns.get(id) ?? 0);
  const wlc = new WeightedLeastConnectionsBalancer((id) => conns.get(id) ?? 0);
  sed.update(eps);
  wlc.update(eps);
  assert.equal(sed.pick(ctx)!.id, 'B'); // (0+1)/1 = 1 > (1+1)/4 = 0.5
  assert.equal(wlc.pick(ctx)!.id, 'A'); // 0/1 = 0 < 1/4
  conns.set('B', 3); // (3+1)/4 = 1 = (0+1)/1: first of equals
  assert.equal(sed.pick(ctx)!.id, 'A');
  assert.equal(sed.pick(ctx, new Set(['A', 'B'])), null);
});
