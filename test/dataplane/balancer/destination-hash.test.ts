// ipvs dh (net/netfilter/ipvs/ip_vs_dh.c): 256 buckets assigned to the servers in turn, bucket =
// (ntohl(daddr) · 2654435761) & 255.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DestinationHashBalancer, dhBucket } from '../../../src/dataplane/balancer/destination-hash.ts';
import { makeEndpoint } from '../../../src/model/endpoint.ts';

const eps = [1, 2, 3].map((i) => makeEndpoint(`10.4.0.${i}`, 80));

test('dh: bucket of ip_vs_dh_hashkey, bucket i served by endpoint i mod n', () => {
  // 10.0.0.7 → 0x0a000007 · 2654435761 mod 256 = 7 · 0xb1 mod 256 = 0xd7 = 215.
  assert.equal(dhBucket('10.0.0.7'), Number((0x0a000007n * 2654435761n) & 255n));
  assert.equal(dhBucket('10.0.0.7'), 215);
  assert.equal(dhBucket('::ffff:10.0.0.7'), 215);
  const b = new DestinationHashBalancer();
  b.update(eps);
  for (const d of ['10.0.0.7', '192.168.1.20', '127.0.0.1']) {
    const want = eps[dhBucket(d) % 3];
    for (let i = 0; i < 5; i++) assert.equal(b.pick({ clientIp: `198.51.100.${i}`, destination: d })?.id, want.id);
  }
});

test('dh: an excluded endpoint gives the next bucket\'s (the sh fallback); none gives null', () => {
  const b = new DestinationHashBalancer();
  assert.equal(b.pick({ clientIp: 'x', destination: '10.0.0.7' }), null);
  b.update(eps);
  const home = b.pick({ clientIp: 'x', destination: '10.0.0.7' })!;
  const other = b.pick({ clientIp: 'x', destination: '10.0.0.7' }, new Set([home.id]))!;
  assert.notEqual(other.id, home.id);
  assert.equal(b.pick({ clientIp: 'x', destination: '10.0.0.7' }, new Set(eps.map((e) => e.id))), null);
  assert.ok(dhBucket('2001:db8::1') >= 0 && dhBucket('2001:db8::1') < 256);
});
