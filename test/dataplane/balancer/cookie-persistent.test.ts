import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PersistentCookieBalancer, affinityToken } from '../../../src/dataplane/balancer/cookie-persistent.ts';
import { RoundRobinBalancer } from '../../../src/dataplane/balancer/round-robin.ts';
import { makeEndpoint } from '../../../src/model/endpoint.ts';

const eps = [1, 2, 3].map((i) => makeEndpoint(`10.6.0.${i}`, 8080));

test('persistent cookie tokens: opaque, deterministic per cluster+endpoint, identical across instances', () => {
  const t = affinityToken('ns/web:80', eps[0].id);
  assert.match(t, /^[0-9a-f]{32}$/);
  assert.ok(!t.includes('10.6'));
  assert.equal(affinityToken('ns/web:80', eps[0].id), t);
  assert.notEqual(affinityToken('ns/other:80', eps[0].id), t);
  const a = new PersistentCookieBalancer(new RoundRobinBalancer(), 'ns/web:80');
  const b = new PersistentCookieBalancer(new RoundRobinBalancer(), 'ns/web:80');
  a.update(eps);
  b.update([...eps].reverse());
  for (const e of eps) assert.equal(a.tokenOf(e), b.tokenOf(e), 'another process agrees');
});

test('persistent cookie: a known token sticks; unknown, tampered or excluded falls to the inner policy', () => {
  const b = new PersistentCookieBalancer(new RoundRobinBalancer(), 'ns/web:80');
  b.update(eps);
  const tok = b.tokenOf(eps[2]);
  for (let i = 0; i < 5; i++) assert.equal(b.pick({ clientIp: 'c', key: tok })?.id, eps[2].id);
  assert.equal(b.endpointOf(tok)?.id, eps[2].id);
  assert.ok(b.pick({ clientIp: 'c', key: 'f'.repeat(32) }) !== null);
  assert.notEqual(b.pick({ clientIp: 'c', key: tok }, new Set([eps[2].id]))?.id, eps[2].id);
  b.update(eps.slice(0, 2));
  assert.equal(b.endpointOf(tok), undefined, 'the endpoint left: its token names nothing');
  assert.ok(b.pick({ clientIp: 'c', key: tok }) !== null);
  b.update([]);
  assert.equal(b.pick({ clientIp: 'c', key: tok }), null);
});
