// Path match as the Snapshot carries it. ImplementationSpecific is normalised to Prefix by
// translate (SPEC §1.3 [choice]); an empty path becomes '/'.

/**
 * 'Regex' (use-regex / rewrite-target, ingress-nginx `location ~* "^<path>"`): `path` is an RE2
 * pattern matched case-insensitively from the start of the path, evaluated by the dataplane.
 */
export type PathMatchType = 'Exact' | 'Prefix' | 'Regex';

export interface PathMatch {
  readonly type: PathMatchType;
  /** The rule path exactly as written (after the ImplementationSpecific normalisation). */
  readonly path: string;
}

/**
 * Reference semantics of SPEC §1.3, used by tests and by `explain`; the dataplane compiles
 * the same semantics into its radix router.
 */
export function pathMatches(m: PathMatch, requestPath: string): boolean {
  if (m.type === 'Exact') return requestPath === m.path;
  // Regexes need the dataplane's engine; the router never asks this function about them.
  if (m.type === 'Regex') return false;
  if (m.path === '/') return true;
  const q = m.path.endsWith('/') ? m.path.slice(0, -1) : m.path;
  return requestPath === q || requestPath.startsWith(q + '/');
}

/**
 * Precedence among candidates of one host (SPEC §1.5): longer rule path first; at equal length
 * Exact before Prefix. Negative when `a` wins.
 */
export function comparePathPrecedence(a: PathMatch, b: PathMatch): number {
  if (a.path.length !== b.path.length) return b.path.length - a.path.length;
  if (a.type !== b.type) return TYPE_ORDER[a.type] - TYPE_ORDER[b.type];
  return 0;
}

/** At equal length: Exact, then Prefix, then Regex (a literal rule is the more specific one). */
const TYPE_ORDER: Record<PathMatchType, number> = { Exact: 0, Prefix: 1, Regex: 2 };
