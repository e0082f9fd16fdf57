import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lookupHost, normalizeHostName } from '../../src/model/host.ts';

test('normalizeHostName: lower-case, one trailing dot off, no copy when already normal', () => {
  assert.equal(normalizeHostName('Foo.Example.'), 'foo.example');
  assert.equal(normalizeHostName('foo.example'), 'foo.example');
  assert.equal(normalizeHostName('a..'), 'a.');
});

test('lookupHost: exact, then one-label wildcard, never two labels or the apex', () => {
  const exact = new Map([['a.foo.com', 'exact']]);
  const wildcard = new Map([['*.foo.com', 'wild']]);
  assert.equal(lookupHost(exact, wildcard, 'a.foo.com'), 'exact');
  assert.equal(lookupHost(exact, wildcard, 'b.foo.com'), 'wild');
  assert.equal(lookupHost(exact, wildcard, 'foo.com'), undefined);
  assert.equal(lookupHost(exact, wildcard, 'x.b.foo.com'), undefined);
  assert.equal(lookupHost(exact, new Map(), 'b.foo.com'), undefined);
  assert.equal(lookupHost(exact, wildcard, '.foo.com'), undefined);
});
