// One path router per host bucket (ARCHITECTURE.md hot-path rule 3): a find-my-way radix tree
// whose keys are the rule paths, holding at each key the candidate rules ordered by precedence.
//
// SPEC §1.3 [choice]: match the raw path, no percent-decoding, no slash merging, case-sensitive.
// find-my-way's find() percent-decodes the request path (measured with 9.10: '/%61aa' finds the
// route '/aaa', and a literal '/p%20q' route is unreachable), so:
//   - a request path containing '%' or '#', or not starting with '/', never reaches the tree: it is
//     resolved by a linear scan over the host's rules with the reference `pathMatches` (rare);
//   - a rule path find-my-way cannot hold literally ('%', '*', '?', '#', whitespace, non-ASCII, or
//     not starting with '/') is kept in a short `extras` list scanned after the tree lookup.
// ':' is escaped as '::' (find-my-way's literal colon). Trailing slash, '//' and case are kept as
// is by the options below (ignoreTrailingSlash/ignoreDuplicateSlashes false, caseSensitive true).
//
// Keys: Exact p → p. Prefix p → q and q + '/*' where q = p without its trailing '/' ('/' → '/' and
// '/*'). The tree picks the most specific key (static before wildcard, deeper wildcard first),
// which orders candidates the same way as comparePathPrecedence (SPEC §1.5); the property test
// in test/dataplane/http/path-router.test.ts checks this against a brute-force search.

import FindMyWay from 'find-my-way';
import { comparePathPrecedence, pathMatches, type PathMatch } from '../../model/match.ts';
import { PathRegex } from './path-regex.ts';

export interface PathEntry<T> {
  readonly match: PathMatch;
  readonly value: T;
}

// Characters find-my-way stores and finds literally (':' escaped). Everything else → extras.
// Hosts with at most this many rules skip the tree and scan precompiled matchers (one class, so the
// scan stays monomorphic). Measured with `npm run bench:micro` (figures in docs/benchmarks/http.md):
// thousands of find-my-way trees, each with its own compiled handler functions, make the lookup
// megamorphic, and a tree per host costs build time and memory on every Ingress change with many
// hosts. Hosts with more rules keep the radix tree, where a scan would grow linearly.
export const LINEAR_MAX = 16;
const SAFE_RULE_PATH = /^\/[A-Za-z0-9\-._~!$&'()+,;=:@/]*$/;

function noop(): void {}

/**
 * A rule's match precompiled for the scan: Exact compares once; Prefix q (trailing '/' removed)
 * matches q itself or anything starting with q + '/' (SPEC §1.3), with q + '/' built once here
 * instead of per request as the reference `pathMatches` does.
 */
class Matcher {
  readonly exact: boolean;
  readonly all: boolean;
  readonly base: string;
  readonly baseSlash: string;
  /** Regex rules (model/match.ts 'Regex'): never in the tree, always scanned. */
  readonly regex: PathRegex | null;

  constructor(m: PathMatch) {
    this.regex = m.type === 'Regex' ? new PathRegex(m.path) : null;
    this.exact = m.type === 'Exact';
    this.all = !this.exact && m.path === '/';
    this.base = this.exact || !m.path.endsWith('/') ? m.path : m.path.slice(0, -1);
    this.baseSlash = this.base + '/';
  }

  test(path: string): boolean {
    if (this.regex !== null) return this.regex.test(path);
    if (this.exact) return path === this.base;
    return this.all || path === this.base || path.startsWith(this.baseSlash);
  }
}

interface Candidate<T> {
  readonly entry: PathEntry<T>;
  readonly matcher: Matcher;
}

export class PathRouter<T> {
  /** All entries by precedence: the linear scan order (first match wins). */
  readonly entries: readonly PathEntry<T>[];
  private readonly extras: readonly PathEntry<T>[];
  private readonly extraMatchers: readonly Matcher[];
  private readonly tree: FindMyWay.Instance<FindMyWay.HTTPVersion.V1> | null;

  constructor(entries: readonly PathEntry<T>[], opts: { linearMax?: number } = {}) {
    // Array.prototype.sort is stable: equal precedence keeps input (Ingress age) order.
    const sorted = [...entries].sort((a, b) => comparePathPrecedence(a.match, b.match));
    this.entries = sorted;
    if (sorted.length <= (opts.linearMax ?? LINEAR_MAX)) {
      // `find` scans `extras` in precedence order and returns the first match.
      this.extras = sorted;
      this.extraMatchers = sorted.map((e) => new Matcher(e.match));
      this.tree = null;
      return;
    }
    const byKey = new Map<string, Candidate<T>[]>();
    const extras: PathEntry<T>[] = [];
    for (const e of sorted) {
      if (e.match.type === 'Regex' || !SAFE_RULE_PATH.test(e.match.path)) {
        extras.push(e);
        continue;
      }
      for (const key of keysFor(e.match)) {
        let list = byKey.get(key);
        if (!list) byKey.set(key, (list = []));
        list.push({ entry: e, matcher: new Matcher(e.match) });
      }
    }
    this.extras = extras;
    this.extraMatchers = extras.map((e) => new Matcher(e.match));
    if (byKey.size === 0) {
      this.tree = null;
      return;
    }
    const tree = FindMyWay({ ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, caseSensitive: true });
    for (const [key, list] of byKey) tree.on('GET', key.replaceAll(':', '::'), noop, list);
    this.tree = tree;
  }

  /** The winning entry for a raw path (query already stripped), or null. */
  find(path: string): PathEntry<T> | null {
    if (path.charCodeAt(0) !== 47 || path.includes('%') || path.includes('#')) return this.scan(path);
    let best: PathEntry<T> | null = null;
    if (this.tree !== null) {
      const found = this.tree.find('GET', path);
      if (found !== null) {
        const list = found.store as Candidate<T>[];
        for (let i = 0; i < list.length; i++) {
          if (list[i].matcher.test(path)) {
            best = list[i].entry;
            break;
          }
        }
      }
    }
    const extras = this.extras;
    const matchers = this.extraMatchers;
    for (let i = 0; i < extras.length; i++) {
      const e = extras[i];
      if (best !== null && comparePathPrecedence(e.match, best.match) >= 0) break;
      if (matchers[i].test(path)) return e;
    }
    return best;
  }

  /** Reference search: first entry by precedence whose match accepts the path. */
  scan(path: string): PathEntry<T> | null {
    for (const e of this.entries) {
      if (e.match.type === 'Regex' ? this.regexOf(e).test(path) : pathMatches(e.match, path)) return e;
    }
    return null;
  }

  private regexCache: Map<PathEntry<T>, PathRegex> | null = null;

  private regexOf(e: PathEntry<T>): PathRegex {
    const cache = (this.regexCache ??= new Map<PathEntry<T>, PathRegex>());
    let r = cache.get(e);
    if (r === undefined) cache.set(e, (r = new PathRegex(e.match.path)));
    return r;
  }
}

function keysFor(m: PathMatch): string[] {
  if (m.type === 'Exact') return [m.path];
  if (m.path === '/') return ['/', '/*'];
  const q = m.path.endsWith('/') ? m.path.slice(0, -1) : m.path;
  return [q, q + '/*'];
}
