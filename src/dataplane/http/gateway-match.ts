// One HTTPRouteMatch compiled for the request path (gateway-api apis/v1/httproute_types.go
// HTTPPathMatch, HTTPHeaderMatch, HTTPQueryParamMatch, HTTPMethod). Regexes run on re2js
// (linear time, never backtracking) and must match the whole value; the path is the normalised
// path every route matches on; headers are read from req.headers only when a match has some.
import { RE2JS } from 're2js';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestMatch } from '../../model/request-match.ts';

const P_EXACT = 0;
const P_PREFIX = 1;
const P_ALL = 2;
const P_REGEX = 3;

interface ValueTest {
  readonly name: string;
  readonly exact: string | null;
  readonly re: RE2JS | null;
}

function valueTest(m: { type: string; name: string; value: string }): ValueTest {
  return m.type === 'RegularExpression'
    ? { name: m.name, exact: null, re: RE2JS.compile(m.value) }
    : { name: m.name, exact: m.value, re: null };
}

function passes(t: ValueTest, v: string | undefined): boolean {
  if (v === undefined) return false;
  return t.exact !== null ? v === t.exact : t.re!.matches(v);
}

export class CompiledMatch {
  private readonly kind: number;
  /** Exact: the path; PathPrefix: the prefix without a trailing '/'. */
  private readonly base: string;
  private readonly re: RE2JS | null;
  private readonly method: string | null;
  private readonly headers: readonly ValueTest[];
  private readonly query: readonly ValueTest[];
  /** Whether anything beyond the path must be looked at. */
  readonly needsRequest: boolean;

  constructor(m: RequestMatch) {
    const p = m.path;
    this.kind = p.type === 'Exact' ? P_EXACT : p.type === 'RegularExpression' ? P_REGEX : p.value === '/' ? P_ALL : P_PREFIX;
    this.base = p.type === 'PathPrefix' && p.value.length > 1 && p.value.endsWith('/') ? p.value.slice(0, -1) : p.value;
    this.re = p.type === 'RegularExpression' ? RE2JS.compile(p.value) : null;
    this.method = m.method;
    this.headers = m.headers.map(valueTest);
    this.query = m.queryParams.map(valueTest);
    this.needsRequest = m.method !== null || this.headers.length > 0 || this.query.length > 0;
  }

  testPath(path: string): boolean {
    switch (this.kind) {
      case P_EXACT: return path === this.base;
      case P_ALL: return true;
      case P_PREFIX: return path === this.base || (path.startsWith(this.base) && path.charCodeAt(this.base.length) === 47);
      default: return this.re!.matches(path);
    }
  }

  /** Method, headers, query; `forward` is the origin-form target (path + '?' + query). */
  testRequest(method: string, headers: IncomingHttpHeaders, forward: string): boolean {
    if (this.method !== null && method !== this.method) return false;
    for (const h of this.headers) {
      const v = headers[h.name];
      if (!passes(h, Array.isArray(v) ? v.join(', ') : v)) return false;
    }
    if (this.query.length > 0) {
      const q = forward.indexOf('?');
      const params = parseQuery(q === -1 ? '' : forward.slice(q + 1));
      for (const q of this.query) if (!passes(q, params.get(q.name))) return false;
    }
    return true;
  }
}

/** First value of each name, percent-decoded ('+' is a space, WHATWG urlencoded parsing). */
export function parseQuery(q: string): Map<string, string> {
  const out = new Map<string, string>();
  if (q === '') return out;
  for (const [k, v] of new URLSearchParams(q)) if (!out.has(k)) out.set(k, v);
  return out;
}
