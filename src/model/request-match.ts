// Request matching beyond host and path prefix, as Gateway API HTTPRoute matches need it
// (gateway-api apis/v1/httproute_types.go HTTPRouteMatch, HTTPPathMatch, HTTPHeaderMatch,
// HTTPQueryParamMatch). Plain data; the dataplane compiles it (src/dataplane/http/gateway-match.ts).

/**
 * Exact: the path equals `value`. PathPrefix: element-wise prefix, a trailing '/' in `value`
 * ignored ('/abc' matches '/abc', '/abc/' and '/abc/def', never '/abcd'). RegularExpression: an
 * RE2 pattern that must match the whole path (re2js, linear time).
 */
export type RequestPathType = 'Exact' | 'PathPrefix' | 'RegularExpression';

export interface RequestPathMatch {
  readonly type: RequestPathType;
  readonly value: string;
}

/** Header names are lower-case (matched case-insensitively, RFC 9110 §5.1); values are exact. */
export interface HeaderMatch {
  readonly type: 'Exact' | 'RegularExpression';
  readonly name: string;
  readonly value: string;
}

/** Query parameter names are case-sensitive (HTTPQueryParamMatch). */
export interface QueryParamMatch {
  readonly type: 'Exact' | 'RegularExpression';
  readonly name: string;
  readonly value: string;
}

/** One HTTPRouteMatch: every condition must hold. */
export interface RequestMatch {
  readonly path: RequestPathMatch;
  /** Upper-case method, or null for any. */
  readonly method: string | null;
  /** Sorted by name; one entry per name (the first one written wins, HTTPHeaderMatch). */
  readonly headers: readonly HeaderMatch[];
  readonly queryParams: readonly QueryParamMatch[];
}

/** Element-wise prefix test (HTTPPathMatch PathPrefix), also used by `explain` and tests. */
export function pathPrefixMatches(prefix: string, path: string): boolean {
  const p = prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (p === '/') return path.startsWith('/');
  return path === p || (path.startsWith(p) && path.charCodeAt(p.length) === 47);
}
