import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { plainEqual } from '../../src/util/plain-equal.ts';

// plainEqual must give isDeepStrictEqual's answer: the route table keeps a compiled host only
// when its model is unchanged, so a false "equal" would serve a stale route.
const route = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'ns/ing#0.0', origin: { ingress: 'ns/ing', rule: 0, path: 0 }, match: { type: 'Prefix', path: '/a' },
  backend: { kind: 'cluster', clusterId: 'ns/svc:80' }, service: 'ns/svc', sslRedirect: false, ...over,
});

const pairs: [string, unknown, unknown][] = [
  ['same plain route', route(), route()],
  ['nested value differs', route(), route({ origin: { ingress: 'ns/ing', rule: 0, path: 1 } })],
  ['extra optional field', route(), route({ access: { cors: null } })],
  ['key present with undefined vs absent', route({ upstream: undefined }), route()],
  ['same keys, other order', { a: 1, b: 2 }, { b: 2, a: 1 }],
  ['arrays equal', [route(), route()], [route(), route()]],
  ['arrays differ in length', [1, 2], [1, 2, 3]],
  ['arrays differ in order', [1, 2], [2, 1]],
  ['array vs array-like object', [1], { 0: 1 }],
  ['object vs array-like object', { 0: 1, length: 1 }, [1]],
  ['sparse array vs undefined hole', [, 1], [undefined, 1]], // eslint-disable-line no-sparse-arrays
  ['array with an extra property', Object.assign([1], { x: 1 }), [1]],
  ['NaN', { n: NaN }, { n: NaN }],
  ['+0 and -0', { n: 0 }, { n: -0 }],
  ['null vs object', { a: null }, { a: {} }],
  ['number vs string', { a: 1 }, { a: '1' }],
  ['RegExp equal', { r: /a+/i }, { r: /a+/i }],
  ['RegExp differs', { r: /a+/i }, { r: /a+/g }],
  ['Map values differ', { m: new Map([['k', 1]]) }, { m: new Map([['k', 2]]) }],
  ['null prototype', Object.assign(Object.create(null) as object, { a: 1 }), Object.assign(Object.create(null) as object, { a: 1 })],
  ['null vs Object prototype', Object.assign(Object.create(null) as object, { a: 1 }), { a: 1 }],
  ['class instance vs plain', new (class P { a = 1; })(), { a: 1 }],
  ['symbol key', { [Symbol.for('s')]: 1, a: 1 }, { a: 1 }],
  ['frozen vs not', Object.freeze({ a: [1] }), { a: [1] }],
];

for (const [name, a, b] of pairs) {
  test(`plainEqual agrees with isDeepStrictEqual: ${name}`, () => {
    assert.equal(plainEqual(a, b), isDeepStrictEqual(a, b));
    assert.equal(plainEqual(b, a), isDeepStrictEqual(b, a));
  });
}

test('plainEqual tells a changed deep field of a virtual host', () => {
  const vh = (path: string) => ({ hostname: 'a.test', kind: 'exact', routes: [route(), route({ match: { type: 'Exact', path } })], fallback: null, certificateId: null });
  assert.equal(plainEqual(vh('/x'), vh('/x')), true);
  assert.equal(plainEqual(vh('/x'), vh('/y')), false);
});
