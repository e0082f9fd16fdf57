// Every policy behind the one interface: empty lists, lists shrinking to zero, everything
// excluded, one endpoint — a null or an endpoint, never a throw (the caller's normal 503 path).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBalancer } from '../../../src/dataplane/balancer/index.ts';
import type { BalancerPolicy } from '../../../src/model/balancing.ts';
import { makeEndpoint } from '../../../src/model/endpoint.ts';
import { seededRandom } from '../../support/seeded-random.ts';

const POLICIES: BalancerPolicy[] = ['round-robin', 'least-connections', 'source-hash', 'least-request', 'random', 'ewma', 'ring-hash', 'maglev',
  'weighted-round-robin', 'weighted-least-connections', 'destination-hash', 'shortest-expected-delay', 'never-queue'];

test('every policy: empty, shrinking to zero, all excluded, one endpoint, hostile keys', () => {
  const eps = [1, 2, 3].map((i) => makeEndpoint(`10.9.0.${i}`, 80));
  for (const policy of POLICIES) {
    for (const subsetSize of [0, 2]) {
      const b = createBalancer({ policy, inflight: () => 1, latency: () => 5, total: () => 3, random: seededRandom(9), subsetSize });
      assert.equal(b.policy, policy);
      const ctx = { clientIp: '', key: '\u0000'.repeat(3) + '😀', destination: 'not-an-ip' };
      assert.equal(b.pick(ctx), null, `${policy}: empty`);
      b.update(eps);
      assert.ok(b.pick(ctx) !== null, `${policy}: picks`);
      assert.equal(b.pick(ctx, new Set(eps.map((e) => e.id))), null, `${policy}: all excluded`);
      b.update([eps[1]]);
      assert.equal(b.pick(ctx)?.id, eps[1].id, `${policy}: one endpoint`);
      b.update([]);
      assert.equal(b.pick(ctx), null, `${policy}: shrunk to zero`);
    }
  }
});
