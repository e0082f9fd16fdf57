// The one client address (src/dataplane/http/client-address.ts): nginx realip with
// real_ip_recursive on over X-Forwarded-For, trusting only --trust-proxy peers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveClientAddress } from '../../../src/dataplane/http/client-address.ts';
import { TrustedProxies } from '../../../src/dataplane/http/forwarded-headers.ts';

const trusted = new TrustedProxies(['10.0.0.0/8', '2001:db8::/32']);
const xff = (...v: string[]) => v.flatMap((x) => ['X-Forwarded-For', x]);

test('an untrusted peer is the client whatever X-Forwarded-For says', () => {
  assert.equal(resolveClientAddress('203.0.113.9', xff('1.1.1.1'), trusted), '203.0.113.9');
  assert.equal(resolveClientAddress('203.0.113.9', [], new TrustedProxies([])), '203.0.113.9');
});

test('trusted peer: walk from the right to the first untrusted address; the spoofed leftmost never counts', () => {
  assert.equal(resolveClientAddress('10.0.0.1', xff('6.6.6.6, 198.51.100.7, 10.1.1.1'), trusted), '198.51.100.7');
  assert.equal(resolveClientAddress('10.0.0.1', xff('198.51.100.7'), trusted), '198.51.100.7');
  // Several header lines are one list, in order (RFC 9110 §5.3).
  assert.equal(resolveClientAddress('10.0.0.1', [...xff('6.6.6.6'), 'x-forwarded-for', '198.51.100.8, 10.2.2.2'], trusted), '198.51.100.8');
});

test('trusted peer without X-Forwarded-For, all-trusted chain, garbage entries, ports and IPv6', () => {
  assert.equal(resolveClientAddress('10.0.0.1', [], trusted), '10.0.0.1');
  assert.equal(resolveClientAddress('10.0.0.1', xff('10.9.9.9, 10.8.8.8'), trusted), '10.9.9.9');
  // An entry that is no address ends the walk at the last address read (nginx NGX_DONE).
  assert.equal(resolveClientAddress('10.0.0.1', xff('6.6.6.6, garbage, 10.3.3.3'), trusted), '10.3.3.3');
  assert.equal(resolveClientAddress('10.0.0.1', xff('198.51.100.7:5555'), trusted), '198.51.100.7');
  assert.equal(resolveClientAddress('10.0.0.1', xff('[2001:db9::1]:443'), trusted), '2001:db9::1');
  assert.equal(resolveClientAddress('2001:db8::5', xff('2001:db9::2, 2001:db8::9'), trusted), '2001:db9::2');
  assert.equal(resolveClientAddress('10.0.0.1', xff('::ffff:198.51.100.3'), trusted), '198.51.100.3');
});
