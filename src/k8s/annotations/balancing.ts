// Balancing keys: session affinity, consistent hashing, balancing policy, active health checks.
// ingress-nginx v1.15 grammar and semantics (internal/ingress/annotations/sessionaffinity,
// loadbalancing, upstreamhashby; docs/user-guide/nginx-configuration/annotations.md "Session
// Affinity", "Custom NGINX upstream hashing", "Custom NGINX load balancing"); the health-check
// keys exist only under portico.io/. Per-key parsers here; routeBalancingFrom/healthCheckFrom
// assemble the typed model data (model/balancing.ts) the dataplane compiles.

import type { BalancerPolicy, CookieAffinity, HashBy, HashPart, HealthCheck, RouteBalancing } from '../../model/balancing.ts';
import { parseDuration } from '../../config/duration.ts';
import { defineAnnotation, type AnnotationEntry, type Parsed, type Prefix } from './registry.ts';
import { parseBool, parseInt } from './grammar.ts';
import type { AnnotationValues } from './read.ts';

const q = (raw: string) => JSON.stringify(raw);
const bool = (raw: string, prefix: Prefix) => parseBool(raw, prefix);

function entry<T>(key: string, help: string, grammar: string, defaultText: string, parse: (raw: string, prefix: Prefix) => Parsed<T>,
  more: { difference?: string; scope?: 'ingress' | 'path'; kinds?: readonly ('Ingress' | 'Service')[]; prefixes?: 'both' | 'portico' } = {}): AnnotationEntry<T> {
  return defineAnnotation<T>({
    key, group: 'balancing', kinds: more.kinds ?? ['Ingress'], scope: more.scope ?? 'path', prefixes: more.prefixes ?? 'both',
    status: 'honoured', grammar, defaultText, parse, help, difference: more.difference ?? '',
  });
}

// ---------------------------------------------------------------- policies

/** ingress-nginx `load-balance` values; under portico.io/ also Portico's own names. */
const NGINX_POLICIES: Readonly<Record<string, BalancerPolicy>> = { round_robin: 'round-robin', ewma: 'ewma' };
const PORTICO_POLICIES: Readonly<Record<string, BalancerPolicy>> = {
  ...NGINX_POLICIES, 'round-robin': 'round-robin', 'least-request': 'least-request', random: 'random',
  'ring-hash': 'ring-hash', maglev: 'maglev',
};

/** `portico.io/l4-balance`: Portico's names and the ipvs scheduler names (ipvsadm(8) `-s`). */
export const L4_POLICIES: Readonly<Record<string, BalancerPolicy>> = {
  'round-robin': 'round-robin', rr: 'round-robin',
  'least-connections': 'least-connections', lc: 'least-connections',
  'source-hash': 'source-hash', sh: 'source-hash',
  'weighted-round-robin': 'weighted-round-robin', wrr: 'weighted-round-robin',
  'weighted-least-connections': 'weighted-least-connections', wlc: 'weighted-least-connections',
  'destination-hash': 'destination-hash', dh: 'destination-hash',
  'shortest-expected-delay': 'shortest-expected-delay', sed: 'shortest-expected-delay',
  'never-queue': 'never-queue', nq: 'never-queue',
  'least-request': 'least-request', random: 'random', 'ring-hash': 'ring-hash', maglev: 'maglev',
};

export function parseL4Balance(raw: string): Parsed<BalancerPolicy> {
  const v = raw.trim();
  return Object.hasOwn(L4_POLICIES, v) ? { value: L4_POLICIES[v] } : { error: `expected one of ${Object.keys(L4_POLICIES).join(', ')}, got ${q(raw)}` };
}

export const loadBalance = entry<BalancerPolicy>('load-balance', 'balancing policy of these paths',
  'round_robin | ewma (portico.io/ also round-robin, least-request, random, ring-hash, maglev)', "the Service's policy",
  (raw, prefix) => {
    const table = prefix === 'portico' ? PORTICO_POLICIES : NGINX_POLICIES;
    const v = raw.trim();
    return Object.hasOwn(table, v) ? { value: table[v] } : { error: `expected one of ${Object.keys(table).join(', ')}, got ${q(raw)}` };
  });

// ---------------------------------------------------------------- upstream-hash-by

/** nginx variables `upstream-hash-by` may combine (a closed set; anything else is refused). */
const SIMPLE_VARS: Readonly<Record<string, HashPart>> = {
  remote_addr: { kind: 'client-address' },
  binary_remote_addr: { kind: 'client-address' },
  request_uri: { kind: 'request-uri' },
  uri: { kind: 'uri' },
  host: { kind: 'host' },
};
const NAME_RE = /^[a-z0-9_]{1,64}$/;

/**
 * `upstream-hash-by`: `$var` / `${var}` and literal text of safe characters (ingress-nginx hands
 * the text to nginx's `hash … consistent`; Portico evaluates only the variables in SIMPLE_VARS,
 * `$http_*`, `$cookie_*` and `$arg_*`, and nothing is pasted anywhere).
 */
export function parseHashBy(text: string): Parsed<HashPart[]> {
  const parts: HashPart[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '$') {
      let name: string;
      if (text[i + 1] === '{') {
        const close = text.indexOf('}', i + 2);
        if (close < 0) return { error: `unclosed \${ in ${q(text)}` };
        name = text.slice(i + 2, close);
        i = close + 1;
      } else {
        const m = /^[A-Za-z0-9_]+/.exec(text.slice(i + 1));
        if (m === null) return { error: `"$" without a variable name in ${q(text)}` };
        name = m[0];
        i += 1 + name.length;
      }
      name = name.toLowerCase();
      const part = Object.hasOwn(SIMPLE_VARS, name) ? SIMPLE_VARS[name] : variablePart(name);
      if (part === null) return { error: `variable $${name} is not supported (use $remote_addr, $request_uri, $uri, $host, $http_<name>, $cookie_<name>, $arg_<name>)` };
      parts.push(part);
    } else {
      const m = /^[A-Za-z0-9._:,/|=-]+/.exec(text.slice(i));
      if (m === null) return { error: `unexpected character ${q(text[i])} in ${q(text)}` };
      const last = parts[parts.length - 1];
      if (last !== undefined && last.kind === 'literal') parts[parts.length - 1] = { kind: 'literal', text: last.text + m[0] };
      else parts.push({ kind: 'literal', text: m[0] });
      i += m[0].length;
    }
  }
  if (!parts.some((p) => p.kind !== 'literal')) return { error: `${q(text)} names no variable: every request would hash alike` };
  return { value: parts };
}

function variablePart(name: string): HashPart | null {
  for (const [prefix, kind] of [['http_', 'header'], ['cookie_', 'cookie'], ['arg_', 'arg']] as const) {
    if (name.startsWith(prefix) && NAME_RE.test(name.slice(prefix.length))) {
      const rest = name.slice(prefix.length);
      // nginx maps $http_x_foo to the header X-Foo; cookie and argument names are used as written.
      return { kind, name: kind === 'header' ? rest.replaceAll('_', '-') : rest };
    }
  }
  return null;
}

export const upstreamHashBy = entry<HashPart[]>('upstream-hash-by', 'consistent hashing key (ring hash with bounded load)',
  '$remote_addr, $request_uri, $uri, $host, $http_<name>, $cookie_<name>, $arg_<name> and literal text', 'no hashing', parseHashBy,
  { difference: 'a closed set of nginx variables; others are reported and not hashed' });
export const upstreamHashBySubset = entry<boolean>('upstream-hash-by-subset', 'hash to a subset of endpoints, random within it', 'bool', 'false', bool);
export const upstreamHashBySubsetSize = entry<number>('upstream-hash-by-subset-size', 'endpoints per subset', 'int 1-1000', '3',
  (raw) => parseInt(raw.trim(), 1, 1000));

// ---------------------------------------------------------------- cookie affinity

/** RFC 6265 §4.1.1 cookie-name = token (RFC 9110 §5.6.2 tchar). */
const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
/** RFC 6265 §4.1.1 path-value: CHARs except CTLs and ";"; Portico wants it absolute. */
const PATH_RE = /^\/[\x21-\x3a\x3c-\x7e]{0,1023}$/;
const DOMAIN_RE = /^\.?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
/** ingress-nginx affinityCookieExpiresRegex `(^0|-?[1-9]\d*$)`, bounded. */
const SECONDS_RE = /^(0|-?[1-9]\d{0,9})$/;

const matching = (re: RegExp, what: string) => (raw: string): Parsed<string> =>
  re.test(raw.trim()) ? { value: raw.trim() } : { error: `${q(raw)} is not a valid ${what}` };
const seconds = (raw: string): Parsed<number> =>
  SECONDS_RE.test(raw.trim()) ? { value: Number(raw.trim()) } : { error: `expected a number of seconds, got ${q(raw)}` };

export const affinity = entry<'cookie'>('affinity', 'session affinity type', 'cookie', 'none',
  (raw) => raw.trim() === 'cookie' ? { value: 'cookie' } : { error: `only "cookie" is supported, got ${q(raw)}` });
export const affinityMode = entry<'balanced' | 'persistent'>('affinity-mode', 'stickiness of sessions', 'balanced | persistent', 'balanced',
  (raw) => {
    const v = raw.trim();
    if (v === 'balanced' || v === 'persistent') return { value: v };
    if (v === 'persistent-drainable') return { error: 'persistent-drainable is not supported (sessions are not kept on terminating endpoints); use persistent' };
    return { error: `expected balanced or persistent, got ${q(raw)}` };
  });
export const sessionCookieName = entry<string>('session-cookie-name', 'affinity cookie name', 'RFC 6265 token', 'INGRESSCOOKIE', matching(TOKEN_RE, 'cookie name'));
export const sessionCookiePath = entry<string>('session-cookie-path', 'affinity cookie Path (required with use-regex)', 'absolute path', 'the matched path', matching(PATH_RE, 'cookie path'));
export const sessionCookieDomain = entry<string>('session-cookie-domain', 'affinity cookie Domain', 'domain', 'none',
  (raw) => DOMAIN_RE.test(raw.trim().toLowerCase()) ? { value: raw.trim().toLowerCase() } : { error: `${q(raw)} is not a valid cookie domain` });
export const sessionCookieMaxAge = entry<number>('session-cookie-max-age', 'affinity cookie Max-Age', 'int seconds', 'none', seconds);
export const sessionCookieExpires = entry<number>('session-cookie-expires', 'affinity cookie Expires, seconds from now', 'int seconds', 'none', seconds);
export const sessionCookieSameSite = entry<'None' | 'Lax' | 'Strict'>('session-cookie-samesite', 'affinity cookie SameSite', 'None | Lax | Strict', 'none',
  (raw) => {
    const c = ({ none: 'None', lax: 'Lax', strict: 'Strict' } as const)[raw.trim().toLowerCase() as 'none'];
    return c !== undefined ? { value: c } : { error: `expected None, Lax or Strict, got ${q(raw)}` };
  });
export const sessionCookieConditionalSameSiteNone = entry<boolean>('session-cookie-conditional-samesite-none', 'omit SameSite=None for browsers that reject it', 'bool', 'false', bool);
export const sessionCookieSecure = entry<boolean>('session-cookie-secure', 'affinity cookie Secure (always set over HTTPS)', 'bool', 'false', bool);
export const sessionCookieChangeOnFailure = entry<boolean>('session-cookie-change-on-failure', 'a new cookie when the endpoint failed', 'bool', 'false', bool,
  { difference: 'false: the retry still goes to another endpoint, only the cookie is kept' });

// ---------------------------------------------------------------- active health checks

export const HEALTH_DEFAULTS = { intervalMs: 10_000, timeoutMs: 2_000, healthyThreshold: 2, unhealthyThreshold: 3 } as const;
const hc = <T>(key: string, help: string, grammar: string, defaultText: string, parse: (raw: string) => Parsed<T>) =>
  entry<T>(key, help, grammar, defaultText, parse, { kinds: ['Ingress', 'Service'], prefixes: 'portico', scope: 'ingress' });
const duration = (min: number, max: number) => (raw: string): Parsed<number> => {
  try {
    const ms = parseDuration(raw);
    return ms >= min && ms <= max ? { value: ms } : { error: `expected a duration ${min} ms-${max / 1000} s, got ${q(raw)}` };
  } catch (e) {
    return { error: (e as Error).message };
  }
};

/** ingress-nginx-style status list: `200`, `200-399`, `200,204,300-399`. */
export function parseStatuses(v: string): Parsed<(readonly [number, number])[]> {
  const out: [number, number][] = [];
  for (const item of v.split(',')) {
    const m = /^\s*([1-5]\d\d)(?:\s*-\s*([1-5]\d\d))?\s*$/.exec(item);
    if (m === null) return { error: `expected statuses like 200,300-399, got ${q(v)}` };
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return { error: `range ${item.trim()} is empty` };
    out.push([lo, hi]);
  }
  return { value: out };
}

export const healthCheckPath = hc<string>('health-check-path', 'HTTP path probed on every endpoint (without it: TCP connect checks)', 'absolute path', 'TCP connect',
  (raw) => PATH_RE.test(raw.trim()) && !/[\s#]/.test(raw.trim()) ? { value: raw.trim() } : { error: `${q(raw)} is not an absolute path` });
export const healthCheckScheme = hc<'http' | 'https'>('health-check-scheme', 'probe over plain HTTP or over TLS (certificate not verified)', 'http | https', 'http',
  (raw) => raw.trim() === 'http' || raw.trim() === 'https' ? { value: raw.trim() as 'http' | 'https' } : { error: `expected http or https, got ${q(raw)}` });
export const healthCheckInterval = hc<number>('health-check-interval', 'time between probes of one endpoint', 'duration', '10s', duration(100, 3_600_000));
export const healthCheckTimeout = hc<number>('health-check-timeout', 'probe timeout (shorter than the interval)', 'duration', '2s', duration(10, 60_000));
export const healthCheckHealthyThreshold = hc<number>('health-check-healthy-threshold', 'passed probes in a row to be healthy again', 'int 1-100', '2', (raw) => parseInt(raw.trim(), 1, 100));
export const healthCheckUnhealthyThreshold = hc<number>('health-check-unhealthy-threshold', 'failed probes in a row to be unhealthy', 'int 1-100', '3', (raw) => parseInt(raw.trim(), 1, 100));
export const healthCheckExpectedStatuses = hc<(readonly [number, number])[]>('health-check-expected-statuses', 'statuses counted as healthy', 'list of codes and ranges', '200-399', parseStatuses);

// ---------------------------------------------------------------- passive health

export const outlierEject5xx = entry<boolean>('outlier-eject-5xx', '5xx answers count towards ejecting an endpoint (connect failures and timeouts always do)',
  'bool', 'false', bool, { kinds: ['Service'], prefixes: 'portico', scope: 'ingress' });

// Entries of different value types in one list (as in registry.ts).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const BALANCING: readonly AnnotationEntry<any>[] = [
  outlierEject5xx,
  affinity, affinityMode,
  sessionCookieName, sessionCookiePath, sessionCookieDomain, sessionCookieSameSite, sessionCookieConditionalSameSiteNone,
  sessionCookieSecure, sessionCookieMaxAge, sessionCookieExpires, sessionCookieChangeOnFailure,
  upstreamHashBy, upstreamHashBySubset, upstreamHashBySubsetSize, loadBalance,
  healthCheckPath, healthCheckScheme, healthCheckInterval, healthCheckTimeout, healthCheckHealthyThreshold, healthCheckUnhealthyThreshold, healthCheckExpectedStatuses,
];

// ---------------------------------------------------------------- assembly

/**
 * The balancing of an Ingress's paths from its typed values; null when it asks for nothing.
 * `problems`: combinations the per-key parsers cannot see (reported as InvalidAnnotation).
 */
export function routeBalancingFrom(v: AnnotationValues, useRegex: boolean): { value: RouteBalancing | null; problems: string[] } {
  const problems: string[] = [];
  const policy = v.get(loadBalance) ?? null;
  const parts = v.get(upstreamHashBy);
  const hashBy: HashBy | null = parts === undefined ? null
    : { parts, subsetSize: v.valueOr(upstreamHashBySubset, false) ? v.valueOr(upstreamHashBySubsetSize, 3) : 0 };
  let cookie: CookieAffinity | null = null;
  if (v.get(affinity) === 'cookie') {
    let path = v.get(sessionCookiePath) ?? null;
    if (path === null && useRegex) {
      // ingress-nginx warns that session-cookie-path must be set with use-regex: a regex is no
      // cookie path. Portico uses "/" so the cookie is at least sent back.
      problems.push('affinity: cookie with use-regex needs session-cookie-path (a regex is not a cookie path); using Path=/');
      path = '/';
    }
    cookie = {
      mode: v.valueOr(affinityMode, 'balanced'),
      name: v.valueOr(sessionCookieName, 'INGRESSCOOKIE'),
      path,
      domain: v.get(sessionCookieDomain) ?? null,
      maxAgeSeconds: v.get(sessionCookieMaxAge) ?? null,
      expiresSeconds: v.get(sessionCookieExpires) ?? null,
      sameSite: v.get(sessionCookieSameSite) ?? null,
      conditionalSameSiteNone: v.valueOr(sessionCookieConditionalSameSiteNone, false),
      secure: v.valueOr(sessionCookieSecure, false),
      changeOnFailure: v.valueOr(sessionCookieChangeOnFailure, false),
    };
  }
  const value = policy === null && hashBy === null && cookie === null ? null : { policy, hashBy, cookie };
  return { value, problems };
}

/** `portico.io/health-check-*` as one HealthCheck; null when no key of them is set. */
export function healthCheckFrom(v: AnnotationValues): HealthCheck | null {
  const keys = [healthCheckPath, healthCheckScheme, healthCheckInterval, healthCheckTimeout, healthCheckHealthyThreshold, healthCheckUnhealthyThreshold, healthCheckExpectedStatuses];
  if (!v.findings.some((f) => keys.some((k) => k.key === f.key) && f.name.startsWith('portico.io/'))) return null;
  return {
    path: v.get(healthCheckPath) ?? null,
    scheme: v.valueOr(healthCheckScheme, 'http'),
    intervalMs: v.valueOr(healthCheckInterval, HEALTH_DEFAULTS.intervalMs),
    timeoutMs: v.valueOr(healthCheckTimeout, HEALTH_DEFAULTS.timeoutMs),
    healthyThreshold: v.valueOr(healthCheckHealthyThreshold, HEALTH_DEFAULTS.healthyThreshold),
    unhealthyThreshold: v.valueOr(healthCheckUnhealthyThreshold, HEALTH_DEFAULTS.unhealthyThreshold),
    expectedStatuses: v.valueOr<readonly (readonly [number, number])[]>(healthCheckExpectedStatuses, [[200, 399]]),
  };
}

export function healthTimeoutProblem(h: HealthCheck): string {
  return `portico.io/health-check-timeout ${h.timeoutMs} ms must be shorter than the interval ${h.intervalMs} ms; using ${Math.floor(h.intervalMs / 2)} ms`;
}

export function clampHealthTimeout(h: HealthCheck): HealthCheck {
  return h.timeoutMs < h.intervalMs ? h : { ...h, timeoutMs: Math.floor(h.intervalMs / 2) };
}
