import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StickyCookie, sameSiteNoneCompatible } from '../../../src/dataplane/balancer/cookie-affinity.ts';
import type { CookieAffinity } from '../../../src/model/balancing.ts';

const base: CookieAffinity = {
  mode: 'persistent', name: 'INGRESSCOOKIE', path: null, domain: null, maxAgeSeconds: null, expiresSeconds: null,
  sameSite: null, conditionalSameSiteNone: false, secure: false, changeOnFailure: false,
};
const v = 'a'.repeat(32);

test('Set-Cookie: matched path by default, HttpOnly always, Secure over https or when asked', () => {
  assert.equal(new StickyCookie(base, '/app').header(v, false, '', 0), `INGRESSCOOKIE=${v}; Path=/app; HttpOnly`);
  assert.equal(new StickyCookie(base, '/app').header(v, true, '', 0), `INGRESSCOOKIE=${v}; Path=/app; HttpOnly; Secure`);
  const full = new StickyCookie({ ...base, name: 'S', path: '/', domain: '.example.com', maxAgeSeconds: 3600, expiresSeconds: 60, secure: true, sameSite: 'Strict' }, '/x');
  assert.equal(full.header(v, false, '', Date.UTC(2026, 0, 1)),
    `S=${v}; Path=/; Domain=.example.com; Max-Age=3600; HttpOnly; Expires=Thu, 01 Jan 2026 00:01:00 GMT; Secure; SameSite=Strict`);
});

test('conditional SameSite=None is left out for incompatible clients only', () => {
  const c = new StickyCookie({ ...base, sameSite: 'None', conditionalSameSiteNone: true }, '/');
  const chrome60 = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.90 Safari/537.36';
  const chrome120 = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
  const ios12 = 'Mozilla/5.0 (iPhone; CPU iPhone OS 12_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.0 Mobile/15E148 Safari/604.1';
  assert.equal(sameSiteNoneCompatible(chrome60), false);
  assert.equal(sameSiteNoneCompatible(ios12), false);
  assert.equal(sameSiteNoneCompatible(chrome120), true);
  assert.ok(!c.header(v, true, chrome60, 0).includes('SameSite'));
  assert.ok(c.header(v, true, chrome120, 0).endsWith('; SameSite=None'));
  const always = new StickyCookie({ ...base, sameSite: 'None' }, '/');
  assert.ok(always.header(v, true, chrome60, 0).endsWith('; SameSite=None'));
});

test('only values Portico issues are accepted; new keys are fresh', () => {
  const c = new StickyCookie(base, '/');
  assert.equal(c.accept(v), v);
  for (const bad of ['', 'A'.repeat(32), 'a'.repeat(31), '10.0.0.1:80', `${v};x`]) assert.equal(c.accept(bad), '');
  assert.notEqual(c.newKey(), c.newKey());
  assert.match(c.newKey(), /^[0-9a-f]{32}$/);
});
