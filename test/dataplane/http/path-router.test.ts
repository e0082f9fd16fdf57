import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PathRouter, type PathEntry } from '../../../src/dataplane/http/path-router.ts';
import { comparePathPrecedence, pathMatches, type PathMatch } from '../../../src/model/match.ts';

function brute<T>(entries: readonly PathEntry<T>[], path: string): PathEntry<T> | null {
  let best: PathEntry<T> | null = null;
  for (const e of entries) {
    if (!pathMatches(e.match, path)) continue;
    if (best === null || comparePathPrecedence(e.match, best.match) < 0) best = e;
  }
  return best;
}

// Small deterministic PRNG so a failure reproduces.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SEGMENTS = ['a', 'aa', 'aaa', 'b', 'A', '', '%61', '%2F', 'x:y', ':id', '*', 'é', 'a%20b', '.', 'a.b', '~'];

function randomPath(r: () => number): string {
  const n = Math.floor(r() * 4);
  let p = '';
  for (let i = 0; i < n; i++) p += '/' + SEGMENTS[Math.floor(r() * SEGMENTS.length)];
  if (p === '' || r() < 0.25) p += '/';
  return p;
}

test('compiled router chooses exactly what brute force over pathMatches + precedence chooses', () => {
  const r = rng(42);
  let checked = 0;
  for (let round = 0; round < 400; round++) {
    const n = 1 + Math.floor(r() * 8);
    const entries: PathEntry<number>[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const match: PathMatch = { type: r() < 0.5 ? 'Exact' : 'Prefix', path: randomPath(r) };
      const k = match.type + match.path;
      if (seen.has(k)) continue; // translate keeps one rule per (path, type) (SPEC §1.8)
      seen.add(k);
      entries.push({ match, value: i });
    }
    // Both shapes must agree with the brute-force search: the tree, and the small-host scan.
    const router = new PathRouter(entries, round % 2 === 0 ? { linearMax: 0 } : {});
    const requests = new Set<string>(entries.map((e) => e.match.path));
    for (const e of entries) {
      requests.add(e.match.path + '/');
      requests.add(e.match.path + 'x');
      requests.add(e.match.path + '/z');
      requests.add(e.match.path.replace(/\/$/, ''));
      requests.add(e.match.path.toUpperCase());
      requests.add('/' + e.match.path);
    }
    for (let i = 0; i < 30; i++) requests.add(randomPath(r));
    for (const p of requests) {
      if (p === '') continue;
      const want = brute(entries, p);
      const got = router.find(p);
      assert.equal(got?.match.type + ' ' + got?.match.path, want?.match.type + ' ' + want?.match.path,
        `rules ${JSON.stringify(entries.map((e) => e.match))} request ${JSON.stringify(p)}`);
      checked++;
    }
  }
  assert.ok(checked > 5000);
});

test('raw path semantics: no percent-decoding, no slash merging, case-sensitive (SPEC §1.3)', () => {
  const router = new PathRouter([
    { match: { type: 'Exact', path: '/aaa' }, value: 'aaa' },
    { match: { type: 'Prefix', path: '/p%20q' }, value: 'pct' },
    { match: { type: 'Prefix', path: '/x:y' }, value: 'colon' },
    { match: { type: 'Prefix', path: '/st*r' }, value: 'star' },
    { match: { type: 'Prefix', path: '/foo' }, value: 'foo' },
  ], { linearMax: 0 });
  const v = (p: string) => router.find(p)?.value ?? null;
  assert.equal(v('/aaa'), 'aaa');
  assert.equal(v('/%61aa'), null);
  assert.equal(v('/AAA'), null);
  assert.equal(v('/p%20q'), 'pct');
  assert.equal(v('/p%20q/r'), 'pct');
  assert.equal(v('/p q'), null);
  assert.equal(v('/x:y/1'), 'colon');
  assert.equal(v('/st*r'), 'star');
  assert.equal(v('/stxr'), null);
  assert.equal(v('//foo'), null);
  assert.equal(v('/foo//bar'), 'foo');
  assert.equal(v('/foo/'), 'foo');
  assert.equal(v('/foobar'), null);
  assert.equal(v('/%zz'), null);
  assert.equal(v('/foo/%zz'), 'foo');
});

test('most specific key wins: static before wildcard, longer first', () => {
  const router = new PathRouter([
    { match: { type: 'Prefix', path: '/' }, value: 'root' },
    { match: { type: 'Prefix', path: '/a' }, value: 'a' },
    { match: { type: 'Prefix', path: '/a/b' }, value: 'ab' },
    { match: { type: 'Exact', path: '/a/b/c' }, value: 'abc' },
  ], { linearMax: 0 });
  const v = (p: string) => router.find(p)?.value ?? null;
  assert.equal(v('/a/b/c'), 'abc');
  assert.equal(v('/a/b/c/'), 'ab');
  assert.equal(v('/a/b/'), 'ab');
  assert.equal(v('/a/x'), 'a');
  assert.equal(v('/ab'), 'root');
  assert.equal(v('/'), 'root');
});
