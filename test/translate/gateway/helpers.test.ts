// Pure pieces of the Gateway API translator and model, against the spec's own examples
// (gateway-api apis/v1/httproute_types.go HTTPRouteSpec.Hostnames, HTTPPathMatch, HTTPPathModifier).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intersectHostnames, checkHostname } from '../../../src/translate/gateway/hostnames.ts';
import { modifyPath } from '../../../src/model/filters.ts';
import { pathPrefixMatches } from '../../../src/model/request-match.ts';
import { hostnameMatches } from '../../../src/model/gateway.ts';
import { selectorMatches } from '../../../src/translate/gateway/references.ts';
import { CompiledMatch } from '../../../src/dataplane/http/gateway-match.ts';

test('listener ∩ route hostnames: the examples of HTTPRouteSpec.Hostnames', () => {
  assert.deepEqual(intersectHostnames('test.example.com', []), ['test.example.com']);
  assert.deepEqual(intersectHostnames('test.example.com', ['test.example.com']), ['test.example.com']);
  assert.deepEqual(intersectHostnames('test.example.com', ['*.example.com']), ['test.example.com']);
  assert.deepEqual(intersectHostnames('test.example.com', ['other.example.com']), []);
  assert.deepEqual(intersectHostnames('*.example.com', ['*.example.com', 'test.example.com', 'foo.test.example.com', 'example.com', 'test.example.net']),
    ['*.example.com', 'foo.test.example.com', 'test.example.com']);
  assert.deepEqual(intersectHostnames('*.foo.example.com', ['*.example.com']), ['*.foo.example.com']);
  assert.deepEqual(intersectHostnames('*.example.com', ['*.foo.example.com']), ['*.foo.example.com']);
  assert.deepEqual(intersectHostnames('', ['b.test', 'a.test']), ['a.test', 'b.test']);
});

test('hostnames: validation and suffix wildcards over one or more labels', () => {
  assert.equal(checkHostname('Foo.Example.com').ok, true);
  assert.equal(checkHostname('*.example.com').ok, true);
  assert.equal(checkHostname('foo.*.com').ok, false);
  assert.equal(checkHostname('10.0.0.1').ok, false);
  assert.equal(checkHostname('').ok, false);
  assert.equal(hostnameMatches('*.example.com', 'a.example.com'), true);
  assert.equal(hostnameMatches('*.example.com', 'a.b.example.com'), true);
  assert.equal(hostnameMatches('*.example.com', 'example.com'), false);
});

test('PathPrefix is element-wise and ignores a trailing slash', () => {
  assert.equal(pathPrefixMatches('/abc', '/abc'), true);
  assert.equal(pathPrefixMatches('/abc', '/abc/'), true);
  assert.equal(pathPrefixMatches('/abc/', '/abc'), true);
  assert.equal(pathPrefixMatches('/abc', '/abc/def'), true);
  assert.equal(pathPrefixMatches('/abc', '/abcd'), false);
  assert.equal(pathPrefixMatches('/', '/anything'), true);
  for (const [prefix, path] of [['/abc', '/abc'], ['/abc/', '/abc/x'], ['/abc', '/abcd'], ['/', '/x'], ['/a/b', '/a']]) {
    const m = new CompiledMatch({ path: { type: 'PathPrefix', value: prefix }, method: null, headers: [], queryParams: [] });
    assert.equal(m.testPath(path), pathPrefixMatches(prefix, path), `${prefix} vs ${path}`);
  }
});

test('ReplacePrefixMatch and ReplaceFullPath (conformance httproute-rewrite-path, httproute-redirect-path)', () => {
  const pre = (prefix: string, value: string) => ({ type: 'ReplacePrefixMatch' as const, prefix, value });
  assert.equal(modifyPath(pre('/prefix/one', '/one'), '/prefix/one/two'), '/one/two');
  assert.equal(modifyPath(pre('/prefix/one', '/one'), '/prefix/one'), '/one');
  assert.equal(modifyPath(pre('/strip-prefix', '/'), '/strip-prefix/three'), '/three');
  assert.equal(modifyPath(pre('/strip-prefix', '/'), '/strip-prefix'), '/');
  assert.equal(modifyPath(pre('/old/', '/new'), '/old/page'), '/new/page');
  assert.equal(modifyPath(pre('/', '/base'), '/x/y'), '/base/x/y');
  assert.equal(modifyPath({ type: 'ReplaceFullPath', value: '/one' }, '/full/one/two'), '/one');
});

test('allowedRoutes selector: matchLabels and matchExpressions; unknown operators admit nothing', () => {
  const labels = { team: 'a', env: 'prod' };
  assert.equal(selectorMatches({ matchLabels: { team: 'a' } }, labels), true);
  assert.equal(selectorMatches({ matchLabels: { team: 'b' } }, labels), false);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'stage'] }] }, labels), true);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, labels), false);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] }, labels), true);
  assert.equal(selectorMatches({ matchExpressions: [{ key: 'team', operator: 'Like' }] }, labels), false);
});

test('header and query matches: header names case-insensitive, values and query names exact, regex whole-value', () => {
  const m = new CompiledMatch({
    path: { type: 'PathPrefix', value: '/' }, method: 'GET',
    headers: [{ type: 'Exact', name: 'x-env', value: 'canary' }],
    queryParams: [{ type: 'RegularExpression', name: 'id', value: '[0-9]+' }],
  });
  assert.equal(m.testRequest('GET', { 'x-env': 'canary' }, '/p?id=42'), true);
  assert.equal(m.testRequest('GET', { 'x-env': 'canary' }, '/p?id=42x'), false);
  assert.equal(m.testRequest('GET', { 'x-env': 'Canary' }, '/p?id=42'), false);
  assert.equal(m.testRequest('GET', { 'x-env': 'canary' }, '/p?ID=42'), false);
  assert.equal(m.testRequest('POST', { 'x-env': 'canary' }, '/p?id=42'), false);
  assert.equal(m.testRequest('GET', { 'x-env': 'canary' }, '/p?id=1&id=x'), true); // first value counts
});
