import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HashSubsetBalancer } from '../../../src/dataplane/balancer/hash-subset.ts';
import { makeEndpoint } from '../../../src/model/endpoint.ts';
import { seededRandom } from '../../support/seeded-random.ts';

const eps = Array.from({ length: 7 }, (_, i) => makeEndpoint(`10.3.0.${i + 1}`, 80));

test('hash subsets (chashsubset.lua): a key stays within one subset of `size`, spread over its members', () => {
  const b = new HashSubsetBalancer(3, seededRandom(7));
  b.update(eps);
  for (let k = 0; k < 50; k++) {
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) seen.add(b.pick({ clientIp: '', key: `key-${k}` })!.id);
    assert.equal(seen.size, 3, `key-${k} saw ${[...seen]}`);
  }
  // 7 endpoints in subsets of 3: set3 is {e7, e1, e2} (topped up from the start).
  const members = new Set<string>();
  for (let k = 0; k < 400; k++) members.add(b.pick({ clientIp: '', key: `k${k}` })!.id);
  assert.equal(members.size, 7);
});

test('hash subsets: an excluded subset falls to any other endpoint; empty gives null', () => {
  const b = new HashSubsetBalancer(2, seededRandom(8));
  assert.equal(b.pick({ clientIp: '', key: 'a' }), null);
  b.update(eps.slice(0, 4));
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) seen.add(b.pick({ clientIp: '', key: 'a' })!.id);
  const other = b.pick({ clientIp: '', key: 'a' }, seen)!;
  assert.ok(!seen.has(other.id));
});
