// HTTPRoute rules → typed matches and filters, with the CRD's defaults and validations applied
// here because file mode has no API server (gateway-api apis/v1/httproute_types.go): an empty
// `matches` is one PathPrefix '/' match; a path without type is PathPrefix; header and query
// matches default to Exact; RequestRedirect statusCode defaults to 302. A rule Portico cannot
// serve exactly is dropped with a diagnostic (UnsupportedValue / IncompatibleFilters) — never
// served with a filter silently missing.
import { RE2JS } from 're2js';
import type { HTTPHeaderFilter, HTTPPathModifier, HTTPRouteFilter, HTTPRouteMatch, HTTPRouteRule } from '../../k8s/gateway-types.ts';
import type { HeaderMatch, QueryParamMatch, RequestMatch, RequestPathMatch } from '../../model/request-match.ts';
import type { HeaderModifier, PathModifier, RedirectStatus, RouteFilters } from '../../model/filters.ts';
import type { NextUpstreamCondition, RetryPolicy } from '../../model/upstream.ts';
import type { GatewayCors } from '../../model/gateway.ts';
import { parseCors } from './cors.ts';
import { checkHostname } from './hostnames.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: 'UnsupportedValue' | 'IncompatibleFilters'; message: string };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/; // RFC 9110 §5.6.2 field-name
const FIELD_VALUE = /^[^\0\r\n]*$/; // RFC 9110 §5.5: no CR, LF or NUL
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

const bad = (message: string): Parsed<never> => ({ ok: false, reason: 'UnsupportedValue', message });

export interface ParsedRule {
  readonly matches: readonly RequestMatch[];
  readonly filters: RouteFilters;
  readonly timeouts: { readonly requestMs: number | null; readonly backendRequestMs: number | null } | null;
  /** HTTPRouteRetry as the forwarder's retry policy (model/upstream.ts RetryPolicy), or null. */
  readonly retry: RetryPolicy | null;
  readonly cors: GatewayCors | null;
}

/** Status codes the forwarder can retry on (model/upstream.ts NextUpstreamCondition). */
const RETRY_CODES: ReadonlyMap<number, NextUpstreamCondition> = new Map([
  [500, 'http_500'], [502, 'http_502'], [503, 'http_503'], [504, 'http_504'], [403, 'http_403'], [404, 'http_404'], [429, 'http_429'],
]);

/**
 * HTTPRouteRetry (httproute_types.go): `codes` are retried on another endpoint, as are connection
 * errors and timeouts (the spec leaves those to implementations); `attempts` retries at most
 * (default 1, implementation-specific); a request whose body was sent is retried only when it is
 * idempotent (RFC 9110 §9.2.2). `backoff` is the wait before each further attempt (the spec's
 * "minimum duration to wait between retries"; Portico waits exactly that, without jitter or growth,
 * README "Gateway API"), counted inside the rule's timeouts. A rule listing a code the forwarder
 * cannot retry is not served.
 */
function parseRetry(r: HTTPRouteRule['retry']): Parsed<RetryPolicy | null> {
  if (r === undefined || r === null) return { ok: true, value: null };
  const on: NextUpstreamCondition[] = ['error', 'timeout'];
  for (const c of Array.isArray(r.codes) ? r.codes : []) {
    const cond = RETRY_CODES.get(c);
    if (cond === undefined) return bad(`retry.codes ${JSON.stringify(c)} is not one Portico retries (${[...RETRY_CODES.keys()].join(', ')})`);
    if (!on.includes(cond)) on.push(cond);
  }
  const attempts = r.attempts ?? 1;
  if (!Number.isInteger(attempts) || attempts < 0) return bad('retry.attempts must be a non-negative integer');
  let backoffMs = 0;
  if (r.backoff !== undefined && r.backoff !== null) {
    const ms = typeof r.backoff === 'string' ? durationMs(r.backoff) : null;
    if (ms === null) return bad(`retry.backoff ${JSON.stringify(r.backoff)} is not a duration`);
    backoffMs = ms;
  }
  return { ok: true, value: attempts === 0 ? { on: [], tries: 1, timeoutMs: 0 } : { on, tries: attempts + 1, timeoutMs: 0, ...(backoffMs > 0 ? { backoffMs } : {}) } };
}

export function parseRule(rule: HTTPRouteRule, hasBackends: boolean): Parsed<ParsedRule> {
  const rawMatches = Array.isArray(rule.matches) && rule.matches.length > 0 ? rule.matches : [{}];
  const matches: RequestMatch[] = [];
  for (const [i, m] of rawMatches.entries()) {
    const r = parseMatch(m ?? {});
    if (!r.ok) return { ...r, message: `matches[${i}]: ${r.message}` };
    matches.push(r.value);
  }
  const filters = parseFilters(Array.isArray(rule.filters) ? rule.filters : [], matches, hasBackends);
  if (!filters.ok) return filters;
  const timeouts = parseTimeouts(rule.timeouts);
  if (!timeouts.ok) return timeouts;
  // SessionPersistence (experimental) is not implemented: a rule asking for it is not served
  // rather than served without (never fail open).
  if ((rule as Record<string, unknown>).sessionPersistence !== undefined) return bad('sessionPersistence is not supported');
  const retry = parseRetry(rule.retry);
  if (!retry.ok) return retry;
  const cors = parseCors(Array.isArray(rule.filters) ? rule.filters : []);
  if (!cors.ok) return cors;
  return { ok: true, value: { matches, filters: filters.value, timeouts: timeouts.value, retry: retry.value, cors: cors.value } };
}

// GEP-2257 Duration: 1 to 4 number+unit pairs, units h, m, s, ms (shared_types.go Duration).
const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** A GEP-2257 duration in ms, or null when it is not one. */
export function durationMs(v: string): number | null {
  if (!DURATION.test(v)) return null;
  let ms = 0;
  for (const [, n, unit] of v.matchAll(/([0-9]+)(ms|h|m|s)/g)) ms += Number(n) * UNIT_MS[unit];
  return ms;
}

/**
 * HTTPRouteTimeouts (httproute_types.go): request bounds the whole exchange, backendRequest one
 * request to a backend; '0s' (or absent) means none; CEL: backendRequest must not exceed request.
 */
function parseTimeouts(t: HTTPRouteRule['timeouts']): Parsed<ParsedRule['timeouts']> {
  if (t === undefined || t === null) return { ok: true, value: null };
  const read = (v: unknown, what: string): Parsed<number | null> => {
    if (v === undefined || v === null) return { ok: true, value: null };
    const ms = typeof v === 'string' ? durationMs(v) : null;
    if (ms === null) return bad(`timeouts.${what} ${JSON.stringify(v)} is not a duration (GEP-2257: e.g. 10s, 1m30s, 500ms)`);
    return { ok: true, value: ms === 0 ? null : ms };
  };
  const request = read(t.request, 'request');
  if (!request.ok) return request;
  const backend = read(t.backendRequest, 'backendRequest');
  if (!backend.ok) return backend;
  if (request.value !== null && backend.value !== null && backend.value > request.value) return bad('timeouts.backendRequest must not be longer than timeouts.request');
  if (request.value === null && backend.value === null) return { ok: true, value: null };
  return { ok: true, value: { requestMs: request.value, backendRequestMs: backend.value } };
}

function parseMatch(m: HTTPRouteMatch): Parsed<RequestMatch> {
  const path = parsePath(m.path);
  if (!path.ok) return path;
  let method: string | null = null;
  if (m.method !== undefined) {
    if (typeof m.method !== 'string' || !METHODS.has(m.method)) return bad(`method ${JSON.stringify(m.method)} is not one of ${[...METHODS].join(', ')}`);
    method = m.method;
  }
  const headers = parseNamed(m.headers, 'header', true);
  if (!headers.ok) return headers;
  const queryParams = parseNamed(m.queryParams, 'query parameter', false);
  if (!queryParams.ok) return queryParams;
  return { ok: true, value: { path: path.value, method, headers: headers.value, queryParams: queryParams.value } };
}

function parsePath(p: HTTPRouteMatch['path']): Parsed<RequestPathMatch> {
  const type = p?.type ?? 'PathPrefix';
  const value = p?.value ?? '/';
  if (typeof value !== 'string') return bad('path.value must be a string');
  if (type === 'RegularExpression') {
    const re = compileRegex(value);
    return re === null ? { ok: true, value: { type, value } } : bad(`path ${re}`);
  }
  if (type !== 'Exact' && type !== 'PathPrefix') return bad(`path.type ${JSON.stringify(type)} is not Exact, PathPrefix or RegularExpression`);
  // HTTPPathMatch CEL validations: absolute, no '//', no dot segments, no '%2f', no '#'.
  if (!value.startsWith('/')) return bad(`path ${JSON.stringify(value)} must start with '/'`);
  if (value.includes('//') || /\/\.\.?(\/|$)/.test(value) || /%2f/i.test(value) || value.includes('#')) {
    return bad(`path ${JSON.stringify(value)} must not contain '//', '/./', '/../', '%2f' or '#'`);
  }
  return { ok: true, value: { type, value } };
}

/** Null when the RE2 pattern compiles, else the reason. */
export function compileRegex(pattern: string): string | null {
  try {
    RE2JS.compile(pattern);
    return null;
  } catch (e) {
    return `${JSON.stringify(pattern)} is not an RE2 regex: ${(e as Error).message}`;
  }
}

export function parseNamed(list: unknown, what: string, lowerName: boolean): Parsed<HeaderMatch[] & QueryParamMatch[]> {
  if (list === undefined) return { ok: true, value: [] };
  if (!Array.isArray(list)) return bad(`${what} matches must be a list`);
  const out: HeaderMatch[] = [];
  const seen = new Set<string>();
  for (const item of list as unknown[]) {
    const h = (item ?? {}) as { readonly type?: unknown; readonly name?: unknown; readonly value?: unknown };
    const type = h.type ?? 'Exact';
    if (typeof h.name !== 'string' || (lowerName && !TOKEN.test(h.name)) || h.name === '') return bad(`${what} name ${JSON.stringify(h.name)} is not valid`);
    if (typeof h.value !== 'string') return bad(`${what} ${h.name}: value must be a string`);
    if (type === 'RegularExpression') {
      const re = compileRegex(h.value);
      if (re !== null) return bad(`${what} ${h.name}: ${re}`);
    } else if (type !== 'Exact') {
      return bad(`${what} ${h.name}: type ${JSON.stringify(type)} is not Exact or RegularExpression`);
    }
    const name = lowerName ? h.name.toLowerCase() : h.name;
    // HTTPHeaderMatch / HTTPQueryParamMatch: with several entries of one name, the first counts.
    if (seen.has(name)) continue;
    seen.add(name);
    out.push({ type, name, value: h.value });
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ok: true, value: out };
}

function parseFilters(list: readonly HTTPRouteFilter[], matches: readonly RequestMatch[], hasBackends: boolean): Parsed<RouteFilters> {
  let requestHeaders: HeaderModifier | null = null;
  let responseHeaders: HeaderModifier | null = null;
  let redirect: RouteFilters['redirect'] = null;
  let rewrite: RouteFilters['rewrite'] = null;
  const once = new Set<string>();
  for (const f of list) {
    const type = f?.type;
    if (typeof type !== 'string') return bad('filter without type');
    // RequestMirror may be repeated (HTTPRouteFilter.RequestMirror); mirror.ts reads it.
    if (type === 'RequestMirror' || type === 'CORS') continue; // mirror.ts, cors.ts
    if (once.has(type)) return bad(`filter ${type} cannot be repeated`);
    once.add(type);
    switch (type) {
      case 'RequestHeaderModifier':
      case 'ResponseHeaderModifier': {
        const m = parseHeaderFilter(type === 'RequestHeaderModifier' ? f.requestHeaderModifier : f.responseHeaderModifier, type);
        if (!m.ok) return m;
        if (type === 'RequestHeaderModifier') requestHeaders = m.value;
        else responseHeaders = m.value;
        break;
      }
      case 'RequestRedirect': {
        const r = f.requestRedirect ?? {};
        const scheme = r.scheme ?? null;
        if (scheme !== null && scheme !== 'http' && scheme !== 'https') return bad(`RequestRedirect scheme ${JSON.stringify(scheme)} is not http or https`);
        const statusCode = r.statusCode ?? 302;
        if (!REDIRECT_CODES.has(statusCode)) return bad(`RequestRedirect statusCode ${JSON.stringify(statusCode)} is not 301, 302, 303, 307 or 308`);
        const port = r.port ?? null;
        if (port !== null && (!Number.isInteger(port) || port < 1 || port > 65535)) return bad(`RequestRedirect port ${JSON.stringify(port)} is not 1..65535`);
        const host = parseRewriteHost(r.hostname, 'RequestRedirect');
        if (!host.ok) return host;
        const path = parsePathModifier(r.path, matches, 'RequestRedirect');
        if (!path.ok) return path;
        redirect = { scheme, hostname: host.value, port, path: path.value, statusCode: statusCode as RedirectStatus };
        break;
      }
      case 'URLRewrite': {
        const host = parseRewriteHost(f.urlRewrite?.hostname, 'URLRewrite');
        if (!host.ok) return host;
        const path = parsePathModifier(f.urlRewrite?.path, matches, 'URLRewrite');
        if (!path.ok) return path;
        rewrite = { hostname: host.value, path: path.value };
        break;
      }
      default:
        // CORS, ExternalAuth, ExtensionRef… are not implemented: the rule is not
        // served rather than served without them.
        return bad(`filter type ${JSON.stringify(type)} is not supported`);
    }
  }
  if (redirect !== null && rewrite !== null) return { ok: false, reason: 'IncompatibleFilters', message: 'RequestRedirect and URLRewrite cannot be combined' };
  if (redirect !== null && hasBackends) return { ok: false, reason: 'IncompatibleFilters', message: 'RequestRedirect cannot be used together with backendRefs' };
  return { ok: true, value: { requestHeaders, responseHeaders, redirect, rewrite } };
}

function parseRewriteHost(raw: unknown, what: string): Parsed<string | null> {
  if (raw === undefined || raw === null) return { ok: true, value: null };
  const h = checkHostname(raw);
  if (!h.ok || h.hostname.startsWith('*.')) return bad(`${what} hostname ${JSON.stringify(raw)} is not a DNS name`);
  return { ok: true, value: h.hostname };
}

function parsePathModifier(p: HTTPPathModifier | undefined, matches: readonly RequestMatch[], what: string): Parsed<PathModifier | null> {
  if (p === undefined || p === null) return { ok: true, value: null };
  if (p.type === 'ReplaceFullPath') {
    if (typeof p.replaceFullPath !== 'string' || !p.replaceFullPath.startsWith('/')) return bad(`${what} replaceFullPath must be an absolute path`);
    return { ok: true, value: { type: 'ReplaceFullPath', value: p.replaceFullPath } };
  }
  if (p.type === 'ReplacePrefixMatch') {
    if (typeof p.replacePrefixMatch !== 'string' || !p.replacePrefixMatch.startsWith('/')) return bad(`${what} replacePrefixMatch must be an absolute path`);
    // httproute_types.go HTTPRouteRule CEL: exactly one match, of type PathPrefix.
    if (matches.length !== 1 || matches[0].path.type !== 'PathPrefix') return bad(`${what} ReplacePrefixMatch needs exactly one PathPrefix match`);
    return { ok: true, value: { type: 'ReplacePrefixMatch', value: p.replacePrefixMatch, prefix: matches[0].path.value } };
  }
  return bad(`${what} path.type ${JSON.stringify(p.type)} is not ReplaceFullPath or ReplacePrefixMatch`);
}

export function parseHeaderFilter(h: HTTPHeaderFilter | undefined, what: string): Parsed<HeaderModifier> {
  const set: [string, string][] = [];
  const add: [string, string][] = [];
  const remove: string[] = [];
  const names = new Set<string>();
  const take = (name: unknown): string | null => {
    if (typeof name !== 'string' || !TOKEN.test(name)) return null;
    const n = name.toLowerCase();
    if (names.has(n)) return null;
    names.add(n);
    return n;
  };
  for (const [list, out] of [[h?.set, set], [h?.add, add]] as const) {
    for (const e of Array.isArray(list) ? list : []) {
      const n = take(e?.name);
      if (n === null || typeof e.value !== 'string' || !FIELD_VALUE.test(e.value)) return bad(`${what}: header ${JSON.stringify(e?.name)} is invalid or listed twice`);
      out.push([n, e.value]);
    }
  }
  for (const r of Array.isArray(h?.remove) ? h.remove : []) {
    const n = take(r);
    if (n === null) return bad(`${what}: remove ${JSON.stringify(r)} is invalid or listed twice`);
    remove.push(n);
  }
  return { ok: true, value: { set, add, remove } };
}
