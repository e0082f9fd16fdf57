// ipvs nq (net/netfilter/ipvs/ip_vs_nq.c): an idle server at once, else sed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NeverQueueBalancer } from '../../../src/dataplane/balancer/never-queue.ts';
import type { Endpoint } from '../../../src/model/endpoint.ts';

const ep = (name: string, weight: number): Endpoint => ({ id: name, address: name, port: 80, ready: true, weight });
const ctx = { clientIp: '192.0.2.1' };

test('nq: the first idle endpoint wins even against a heavier one, otherwise shortest expected delay', () => {
  const conns = new Map([['A', 2], ['B', 0], ['C', 0]]);
  const b = new NeverQueueBalancer((id) => conns.get(id) ?? 0);
  b.update([ep('A', 10), ep('B', 1), ep('C', 5)]);
  assert.equal(b.pick(ctx)!.id, 'B'); // sed would take A: 3/10 < 1/1 ... and C: 1/5 — nq takes the first idle
  assert.equal(b.pick(ctx, new Set(['B']))!.id, 'C');
  conns.set('B', 1);
  conns.set('C', 1);
  assert.equal(b.pick(ctx)!.id, 'A'); // 3/10 < 2/5 < 2/1
  b.update([ep('A', 10), ep('Z', 0)]);
  conns.set('Z', 0);
  assert.equal(b.pick(ctx)!.id, 'A'); // an idle weight-0 server is not used
});
