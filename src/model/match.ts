// Path match as the Snapshot carries it. ImplementationSpecific is normalised to Prefix by
// translate (SPEC §1.3 [choice]); an empty path becomes '/'.

export type PathMatchType = 'Exact' | 'Prefix';

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
  if (a.type !== b.type) return a.type === 'Exact' ? -1 : 1;
  return 0;
}
