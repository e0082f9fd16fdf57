// SPEC §1.4: the Kubernetes docs examples table (E1–E18) as data against the reference semantics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePathPrecedence, pathMatches, type PathMatch } from '../../src/model/match.ts';

const P = (path: string): PathMatch => ({ type: 'Prefix', path });
const X = (path: string): PathMatch => ({ type: 'Exact', path });

/** Rules of one example, the requests, and the winning rule (null = no match). */
const TABLE: { id: string; rules: PathMatch[]; requests: string[]; winner: PathMatch | null }[] = [
  { id: 'E1', rules: [P('/')], requests: ['/', '/foo', '/foo/bar/', '/aaa%2Fbbb'], winner: P('/') },
  { id: 'E2', rules: [X('/foo')], requests: ['/foo'], winner: X('/foo') },
  { id: 'E3', rules: [X('/foo')], requests: ['/bar'], winner: null },
  { id: 'E4', rules: [X('/foo')], requests: ['/foo/'], winner: null },
  { id: 'E5', rules: [X('/foo/')], requests: ['/foo'], winner: null },
  { id: 'E6', rules: [P('/foo')], requests: ['/foo', '/foo/'], winner: P('/foo') },
  { id: 'E7', rules: [P('/foo/')], requests: ['/foo', '/foo/'], winner: P('/foo/') },
  { id: 'E8', rules: [P('/aaa/bb')], requests: ['/aaa/bbb'], winner: null },
  { id: 'E9', rules: [P('/aaa/bbb')], requests: ['/aaa/bbb'], winner: P('/aaa/bbb') },
  { id: 'E10', rules: [P('/aaa/bbb/')], requests: ['/aaa/bbb'], winner: P('/aaa/bbb/') },
  { id: 'E11', rules: [P('/aaa/bbb')], requests: ['/aaa/bbb/'], winner: P('/aaa/bbb') },
  { id: 'E12', rules: [P('/aaa/bbb')], requests: ['/aaa/bbb/ccc'], winner: P('/aaa/bbb') },
  { id: 'E13', rules: [P('/aaa/bbb')], requests: ['/aaa/bbbxyz'], winner: null },
  { id: 'E14', rules: [P('/'), P('/aaa')], requests: ['/aaa/ccc'], winner: P('/aaa') },
  { id: 'E15', rules: [P('/'), P('/aaa'), P('/aaa/bbb')], requests: ['/aaa/bbb'], winner: P('/aaa/bbb') },
  { id: 'E16', rules: [P('/'), P('/aaa'), P('/aaa/bbb')], requests: ['/ccc'], winner: P('/') },
  { id: 'E17', rules: [P('/aaa')], requests: ['/ccc'], winner: null },
  { id: 'E18', rules: [P('/foo'), X('/foo')], requests: ['/foo'], winner: X('/foo') },
];

function pick(rules: PathMatch[], request: string): PathMatch | null {
  const candidates = rules.filter((r) => pathMatches(r, request)).sort(comparePathPrecedence);
  return candidates[0] ?? null;
}

for (const row of TABLE) {
  test(`SPEC §1.4 ${row.id}`, () => {
    for (const req of row.requests) {
      assert.deepEqual(pick(row.rules, req), row.winner, `${row.id} request ${req}`);
      // Order of the rules in YAML is irrelevant (§1.5).
      assert.deepEqual(pick([...row.rules].reverse(), req), row.winner, `${row.id} reversed, request ${req}`);
    }
  });
}

test('§1.5: /foo/ beats /foo for requests both match; Exact beats Prefix only at equal length', () => {
  assert.deepEqual(pick([P('/foo'), P('/foo/')], '/foo'), P('/foo/'));
  assert.deepEqual(pick([X('/foo'), P('/foo/')], '/foo'), P('/foo/'));
  assert.ok(comparePathPrecedence(X('/a'), P('/a')) < 0);
  assert.ok(comparePathPrecedence(P('/ab'), X('/a')) < 0);
  assert.equal(comparePathPrecedence(P('/a'), P('/b')), 0);
});

test('§1.3: matching is case-sensitive and not decoded', () => {
  assert.equal(pathMatches(X('/foo'), '/FOO'), false);
  assert.equal(pathMatches(P('/foo'), '/FOO'), false);
  assert.equal(pathMatches(P('/a b'), '/a%20b'), false);
});
