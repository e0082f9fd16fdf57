// GRPCRoute rules → the same typed matches and filters as HTTPRoute rules (gateway-api
// apis/v1/grpcroute_types.go). A gRPC call is an HTTP/2 POST to `/{service}/{method}` (grpc
// doc/PROTOCOL-HTTP2.md "Path"), so a GRPCMethodMatch becomes a path match:
//   Exact service + method   → Exact '/service/method'
//   Exact service only       → RE2 '/service/[^/]+'          (quoted, so '.' is literal)
//   Exact method only        → RE2 '/[^/]+/method'
//   RegularExpression        → RE2 '/(?:service)/(?:method)', an omitted part being '[^/]+'
// With the CRD's defaults applied here (file mode has no API server): method.type Exact, header
// type Exact, no matches = every call. Filters: RequestHeaderModifier and ResponseHeaderModifier
// (core and extended); RequestMirror and ExtensionRef make the rule not served (UnsupportedValue),
// never served without them.
import { RE2JS } from 're2js';
import type { GRPCMethodMatch, GRPCRouteFilter, GRPCRouteMatch, GRPCRouteRule } from '../../k8s/gateway-types.ts';
import type { RequestMatch, RequestPathMatch } from '../../model/request-match.ts';
import type { HeaderModifier, RouteFilters } from '../../model/filters.ts';
import { compileRegex, parseHeaderFilter, parseNamed, type Parsed } from './route-rules.ts';

// GRPCMethodMatch CEL validations (Exact only): service and method character sets.
const SERVICE = /^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$/i;
const METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;
const ANY_SEGMENT = '[^/]+';

const bad = (message: string): Parsed<never> => ({ ok: false, reason: 'UnsupportedValue', message });

/** Characters of the service and method matched, for precedence (GRPCRouteRule.Matches). */
export interface GrpcRank { readonly service: number; readonly method: number }

export interface ParsedGrpcRule {
  readonly matches: readonly RequestMatch[];
  readonly ranks: readonly GrpcRank[];
  readonly filters: RouteFilters;
}

export function parseGrpcRule(rule: GRPCRouteRule): Parsed<ParsedGrpcRule> {
  const raw = Array.isArray(rule.matches) && rule.matches.length > 0 ? rule.matches : [{}];
  const matches: RequestMatch[] = [];
  const ranks: GrpcRank[] = [];
  for (const [i, m] of raw.entries()) {
    const r = parseGrpcMatch(m ?? {});
    if (!r.ok) return { ...r, message: `matches[${i}]: ${r.message}` };
    matches.push(r.value.match);
    ranks.push(r.value.rank);
  }
  const filters = parseGrpcFilters(Array.isArray(rule.filters) ? rule.filters : []);
  if (!filters.ok) return filters;
  return { ok: true, value: { matches, ranks, filters: filters.value } };
}

function parseGrpcMatch(m: GRPCRouteMatch): Parsed<{ match: RequestMatch; rank: GrpcRank }> {
  const path = methodPath(m.method);
  if (!path.ok) return path;
  const headers = parseNamed(m.headers, 'header', true);
  if (!headers.ok) return headers;
  return { ok: true, value: { match: { path: path.value.path, method: null, headers: headers.value, queryParams: [] }, rank: path.value.rank } };
}

function methodPath(mm: GRPCMethodMatch | undefined): Parsed<{ path: RequestPathMatch; rank: GrpcRank }> {
  // GRPCRouteMatch.Method: "If this field is not specified, all services and methods will match."
  if (mm === undefined || mm === null) return { ok: true, value: { path: { type: 'PathPrefix', value: '/' }, rank: { service: 0, method: 0 } } };
  const type = mm.type ?? 'Exact';
  const service = optionalString(mm.service, 'service');
  if (!service.ok) return service;
  const method = optionalString(mm.method, 'method');
  if (!method.ok) return method;
  const s = service.value;
  const me = method.value;
  if (s === null && me === null) return bad("method: one or both of 'service' or 'method' must be specified");
  const rank = { service: s?.length ?? 0, method: me?.length ?? 0 };
  if (type === 'Exact') {
    if (s !== null && !SERVICE.test(s)) return bad(`method.service ${JSON.stringify(s)} is not a gRPC service name`);
    if (me !== null && !METHOD.test(me)) return bad(`method.method ${JSON.stringify(me)} is not a gRPC method name`);
    if (s !== null && me !== null) return { ok: true, value: { path: { type: 'Exact', value: `/${s}/${me}` }, rank } };
    const re = s !== null ? `/${RE2JS.quote(s)}/${ANY_SEGMENT}` : `/${ANY_SEGMENT}/${me as string}`;
    return { ok: true, value: { path: { type: 'RegularExpression', value: re }, rank } };
  }
  if (type === 'RegularExpression') {
    for (const [what, v] of [['service', s], ['method', me]] as const) {
      if (v === null) continue;
      const err = compileRegex(v);
      if (err !== null) return bad(`method.${what} ${err}`);
    }
    return { ok: true, value: { path: { type: 'RegularExpression', value: `/(?:${s ?? ANY_SEGMENT})/(?:${me ?? ANY_SEGMENT})` }, rank } };
  }
  return bad(`method.type ${JSON.stringify(type)} is not Exact or RegularExpression`);
}

/** '' and absent both mean "any" (GRPCMethodMatch.Service/Method: "If left empty or omitted"). */
function optionalString(v: unknown, what: string): Parsed<string | null> {
  if (v === undefined || v === null || v === '') return { ok: true, value: null };
  if (typeof v !== 'string' || v.length > 1024) return bad(`method.${what} must be a string of at most 1024 characters`);
  return { ok: true, value: v };
}

function parseGrpcFilters(list: readonly GRPCRouteFilter[]): Parsed<RouteFilters> {
  let requestHeaders: HeaderModifier | null = null;
  let responseHeaders: HeaderModifier | null = null;
  const once = new Set<string>();
  for (const f of list) {
    const type = f?.type;
    if (typeof type !== 'string') return bad('filter without type');
    if (once.has(type)) return bad(`filter ${type} cannot be repeated`);
    once.add(type);
    if (type === 'RequestHeaderModifier' || type === 'ResponseHeaderModifier') {
      const m = parseHeaderFilter(type === 'RequestHeaderModifier' ? f.requestHeaderModifier : f.responseHeaderModifier, type);
      if (!m.ok) return m;
      if (type === 'RequestHeaderModifier') requestHeaders = m.value;
      else responseHeaders = m.value;
      continue;
    }
    // RequestMirror (extended) and ExtensionRef: not implemented, so the rule is not served.
    return bad(`filter type ${JSON.stringify(type)} is not supported on GRPCRoute`);
  }
  return { ok: true, value: { requestHeaders, responseHeaders, redirect: null, rewrite: null } };
}
