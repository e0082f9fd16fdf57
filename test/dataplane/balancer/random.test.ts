import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomBalancer } from '../../../src/dataplane/balancer/random.ts';
import { makeEndpoint } from '../../../src/model/endpoint.ts';
import { seededRandom, tally } from '../../support/seeded-random.ts';

const eps = Array.from({ length: 5 }, (_, i) => makeEndpoint(`10.0.0.${i + 1}`, 80));
const ctx = { clientIp: '192.0.2.1' };

test('random: uniform within 5 % over 50,000 seeded picks', () => {
  const b = new RandomBalancer(seededRandom(1));
  b.update(eps);
  const c = tally(() => b.pick(ctx)?.id, 50_000);
  assert.equal(c.size, 5);
  for (const n of c.values()) assert.ok(Math.abs(n - 10_000) < 500, `share ${n}`);
});

test('random: exclusions skipped, all excluded or empty gives null', () => {
  const b = new RandomBalancer(seededRandom(2));
  b.update(eps);
  const ex = new Set(eps.slice(0, 4).map((e) => e.id));
  for (let i = 0; i < 50; i++) assert.equal(b.pick(ctx, ex)?.id, eps[4].id);
  assert.equal(b.pick(ctx, new Set(eps.map((e) => e.id))), null);
  b.update([]);
  assert.equal(b.pick(ctx), null);
});
