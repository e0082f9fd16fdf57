import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EwmaBalancer, decayEwma, EWMA_DECAY_MS } from '../../../src/dataplane/balancer/ewma.ts';
import { EndpointState } from '../../../src/dataplane/upstream/endpoint-state.ts';
import { makeEndpoint } from '../../../src/model/endpoint.ts';
import { seededRandom, tally } from '../../support/seeded-random.ts';

const eps = Array.from({ length: 3 }, (_, i) => makeEndpoint(`10.0.0.${i + 1}`, 80));
const ctx = { clientIp: '192.0.2.1' };

test('ewma decay follows ewma.lua: exp(-Δt/10 s) of the old average', () => {
  assert.equal(decayEwma(100, 0, 0, 0), 100);
  assert.ok(Math.abs(decayEwma(100, 0, 0, EWMA_DECAY_MS) - 100 / Math.E) < 1e-9);
  assert.ok(Math.abs(decayEwma(100, 0, 50, EWMA_DECAY_MS) - (100 / Math.E + 50 * (1 - 1 / Math.E))) < 1e-9);
});

test('ewma: the slow endpoint gets the fewest picks, and recovers as its average decays', () => {
  const now = 1_000_000;
  const states = new Map(eps.map((e) => [e.id, new EndpointState(e.id)]));
  states.get(eps[0].id)!.record('ok', now, 500);
  states.get(eps[1].id)!.record('ok', now, 10);
  states.get(eps[2].id)!.record('ok', now, 12);
  let t = now;
  const b = new EwmaBalancer((id) => states.get(id)!.latency(t), seededRandom(6));
  b.update(eps);
  const c = tally(() => b.pick(ctx)?.id, 6000);
  // P2C: the slow one wins no pair it is in.
  assert.equal(c.get(eps[0].id), undefined);
  // 60 s later every average has decayed by e^-6 but keeps its order: still never the slowest;
  // a new sample on the fast ones makes the slow one the best.
  t = now + 60_000;
  states.get(eps[1].id)!.record('ok', t, 1000);
  states.get(eps[2].id)!.record('ok', t, 1000);
  t += 1;
  const c2 = tally(() => b.pick(ctx)?.id, 3000);
  assert.ok((c2.get(eps[0].id) ?? 0) > 1500, `slow endpoint recovered: ${c2.get(eps[0].id)}`);
});
