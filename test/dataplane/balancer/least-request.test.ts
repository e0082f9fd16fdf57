import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeastRequestBalancer } from '../../../src/dataplane/balancer/least-request.ts';
import { makeEndpoint } from '../../../src/model/endpoint.ts';
import { seededRandom, tally } from '../../support/seeded-random.ts';

const eps = Array.from({ length: 4 }, (_, i) => makeEndpoint(`10.0.0.${i + 1}`, 80));
const ctx = { clientIp: '192.0.2.1' };

test('least-request: of two random choices the one with fewer in flight wins; the busiest is never picked', () => {
  const load = new Map([[eps[0].id, 10], [eps[1].id, 0], [eps[2].id, 5], [eps[3].id, 5]]);
  const b = new LeastRequestBalancer((id) => load.get(id) ?? 0, seededRandom(3));
  b.update(eps);
  const c = tally(() => b.pick(ctx)?.id, 12_000);
  // P2C: the busiest endpoint loses every comparison; the idle one wins every pair it is in
  // (3 of the 6 pairs → half of the picks).
  assert.equal(c.get(eps[0].id), undefined);
  const idle = c.get(eps[1].id)!;
  assert.ok(Math.abs(idle - 6000) < 400, `idle share ${idle}`);
});

test('least-request: with in-flight counts following the picks, load stays within 1 of even', () => {
  const load = new Map<string, number>();
  const b = new LeastRequestBalancer((id) => load.get(id) ?? 0, seededRandom(4));
  b.update(eps);
  for (let i = 0; i < 400; i++) {
    const e = b.pick(ctx)!;
    load.set(e.id, (load.get(e.id) ?? 0) + 1);
  }
  const v = [...load.values()];
  assert.ok(Math.max(...v) - Math.min(...v) <= 3, `spread ${v}`);
});

test('least-request: one endpoint, exclusions and empty lists never throw', () => {
  const b = new LeastRequestBalancer(() => 0, seededRandom(5));
  assert.equal(b.pick(ctx), null);
  b.update([eps[0]]);
  assert.equal(b.pick(ctx)?.id, eps[0].id);
  assert.equal(b.pick(ctx, new Set([eps[0].id])), null);
  b.update(eps);
  const ex = new Set([eps[0].id, eps[1].id, eps[2].id]);
  for (let i = 0; i < 20; i++) assert.equal(b.pick(ctx, ex)?.id, eps[3].id);
});
