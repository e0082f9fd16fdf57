// HTTPRoute filters as the Snapshot carries them (gateway-api apis/v1/httproute_types.go
// HTTPRouteFilter): header modifiers, redirects and rewrites, typed and already validated, so the
// dataplane only applies them. Nothing here is a template: values are copied as bytes.

/** HTTPHeaderFilter: names lower-case; applied in the order remove, set, add is irrelevant — they
 * name distinct headers (translate rejects a name listed twice). */
export interface HeaderModifier {
  readonly set: readonly (readonly [string, string])[];
  readonly add: readonly (readonly [string, string])[];
  readonly remove: readonly string[];
}

/** HTTPPathModifier. ReplacePrefixMatch replaces the matched PathPrefix (element-wise). */
export type PathModifier =
  | { readonly type: 'ReplaceFullPath'; readonly value: string }
  | { readonly type: 'ReplacePrefixMatch'; readonly value: string; readonly prefix: string };

export type RedirectStatus = 301 | 302 | 303 | 307 | 308;

/** HTTPRequestRedirectFilter: null fields keep the request's value. */
export interface RequestRedirect {
  readonly scheme: 'http' | 'https' | null;
  readonly hostname: string | null;
  readonly port: number | null;
  readonly path: PathModifier | null;
  readonly statusCode: RedirectStatus;
}

/** HTTPURLRewriteFilter. */
export interface UrlRewrite {
  readonly hostname: string | null;
  readonly path: PathModifier | null;
}

export interface RouteFilters {
  readonly requestHeaders: HeaderModifier | null;
  readonly responseHeaders: HeaderModifier | null;
  readonly redirect: RequestRedirect | null;
  readonly rewrite: UrlRewrite | null;
}

/** The path a PathModifier makes of `path` (no query). Reference semantics for the dataplane. */
export function modifyPath(m: PathModifier, path: string): string {
  if (m.type === 'ReplaceFullPath') return m.value;
  // ReplacePrefixMatch: the prefix matched element-wise (without its trailing '/'), the rest kept.
  // gateway-api conformance httproute-rewrite-path / httproute-redirect-path: prefix '/prefix/one'
  // with '/one' makes '/prefix/one/two' → '/one/two'; with '/' makes '/strip-prefix/three' → '/three'.
  const p = m.prefix.length > 1 && m.prefix.endsWith('/') ? m.prefix.slice(0, -1) : m.prefix;
  const rest = p === '/' ? path : path.slice(p.length);
  const base = m.value.length > 1 && m.value.endsWith('/') ? m.value.slice(0, -1) : m.value;
  if (rest === '' || rest === '/') return rest === '/' && base !== '/' ? base + '/' : base;
  return base === '/' ? rest : base + rest;
}
