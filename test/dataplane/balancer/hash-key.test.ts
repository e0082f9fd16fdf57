import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileHashKey, cookieValue, headerValue, argValue } from '../../../src/dataplane/balancer/hash-key.ts';
import { parseHashBy } from '../../../src/k8s/annotations/balancing.ts';

const input = {
  clientIp: '192.0.2.7', url: '/a/b?x=1&user=42', path: '/a/b', host: 'shop.test',
  rawHeaders: ['Host', 'shop.test', 'X-User', 'alice', 'Cookie', 'a=1; session=s3; b=2', 'cookie', 'late=9'],
};

test('hash keys: each variable, and combinations with literals', () => {
  const key = (expr: string) => {
    const parts = parseHashBy(expr);
    assert.ok('value' in parts, JSON.stringify(parts));
    return compileHashKey(parts.value)(input);
  };
  assert.equal(key('$remote_addr'), '192.0.2.7');
  assert.equal(key('$binary_remote_addr'), '192.0.2.7');
  assert.equal(key('$request_uri'), '/a/b?x=1&user=42');
  assert.equal(key('$uri'), '/a/b');
  assert.equal(key('$http_x_user'), 'alice');
  assert.equal(key('$cookie_session'), 's3');
  assert.equal(key('$cookie_late'), '9');
  assert.equal(key('$arg_user'), '42');
  assert.equal(key('$host-${http_x_user}:$cookie_missing'), 'shop.test-alice:');
});

test('header, cookie and query readers', () => {
  assert.equal(headerValue(['A', '1', 'a', '2'], 'a'), '1, 2');
  assert.equal(headerValue([], 'a'), '');
  assert.equal(cookieValue(['Cookie', 'xsession=1; session=2'], 'session'), '2');
  assert.equal(cookieValue(['Cookie', 'session'], 'session'), '');
  assert.equal(argValue('/p', 'a'), '');
  assert.equal(argValue('/p?a', 'a'), '');
});
