// Order of rules within one host of one listener (gateway-api apis/v1/httproute_types.go
// HTTPRouteRule.Matches): across all routes, precedence to the match having
//   1. an Exact path match, 2. the PathPrefix with the most characters, 3. a method match,
//   4. the most header matches, 5. the most query param matches;
// then the oldest route, then "{namespace}/{name}" alphabetically, then rule and match order.
// RegularExpression precedence is implementation-specific: Portico puts regex matches after Exact
// and before every PathPrefix (longer pattern first), so that a regex is not shadowed by a
// PathPrefix '/' catch-all — the order Envoy Gateway uses too (README "Gateway API").
import type { RequestMatch } from '../../model/request-match.ts';

export interface Ranked {
  readonly match: RequestMatch;
  /** creationTimestamp (RFC 3339, '' when absent: files) of the route. */
  readonly created: string;
  readonly routeKey: string;
  readonly rule: number;
  readonly index: number;
  /** GRPCRoute matches only: characters of the matched service and method. */
  readonly grpc?: { readonly service: number; readonly method: number };
}

const TYPE_RANK = { Exact: 0, RegularExpression: 1, PathPrefix: 2 } as const;

function prefixLength(v: string): number {
  return v.length > 1 && v.endsWith('/') ? v.length - 1 : v.length;
}

/** Negative when `a` takes precedence. */
export function compareRules(a: Ranked, b: Ranked): number {
  if (a.grpc !== undefined && b.grpc !== undefined) return compareGrpc(a, b, a.grpc, b.grpc);
  const pa = a.match.path;
  const pb = b.match.path;
  if (pa.type !== pb.type) return TYPE_RANK[pa.type] - TYPE_RANK[pb.type];
  if (pa.type !== 'Exact') {
    const d = (pa.type === 'PathPrefix' ? prefixLength(pb.value) - prefixLength(pa.value) : pb.value.length - pa.value.length);
    if (d !== 0) return d;
  }
  if ((a.match.method === null) !== (b.match.method === null)) return a.match.method !== null ? -1 : 1;
  if (a.match.headers.length !== b.match.headers.length) return b.match.headers.length - a.match.headers.length;
  if (a.match.queryParams.length !== b.match.queryParams.length) return b.match.queryParams.length - a.match.queryParams.length;
  return compareAge(a, b);
}

/**
 * GRPCRoute (grpcroute_types.go GRPCRouteRule.Matches): the most characters of a matching
 * service, then of method, then the most header matches; then age and name as for HTTPRoute. The
 * hostname criteria are the host buckets' (an exact host before wildcards, longest first). Among
 * equal counts an Exact method match goes before a regular expression one (Portico's choice; the
 * spec leaves RegularExpression implementation-specific).
 */
function compareGrpc(a: Ranked, b: Ranked, ga: NonNullable<Ranked['grpc']>, gb: NonNullable<Ranked['grpc']>): number {
  if (ga.service !== gb.service) return gb.service - ga.service;
  if (ga.method !== gb.method) return gb.method - ga.method;
  const ra = a.match.path.type === 'RegularExpression' ? 1 : 0;
  const rb = b.match.path.type === 'RegularExpression' ? 1 : 0;
  if (ra !== rb) return ra - rb;
  if (a.match.headers.length !== b.match.headers.length) return b.match.headers.length - a.match.headers.length;
  return compareAge(a, b);
}

function compareAge(a: Ranked, b: Ranked): number {
  if (a.created !== b.created) {
    if (a.created === '') return -1; // files carry no timestamp: the epoch, as for Ingresses
    if (b.created === '') return 1;
    return a.created < b.created ? -1 : 1;
  }
  if (a.routeKey !== b.routeKey) return a.routeKey < b.routeKey ? -1 : 1;
  return a.rule - b.rule || a.index - b.index;
}
