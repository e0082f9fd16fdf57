// Balancing, affinity and health-check annotations: typed parsers, one group (ARCHITECTURE.md
// "the one annotation registry"). Every key is read under both prefixes, `nginx.ingress.kubernetes.io/`
// with ingress-nginx v1.15 grammar (internal/ingress/annotations/{loadbalancing,upstreamhashby,
// sessionaffinity}) and `portico.io/` (which wins when both are set). Values become typed data;
// nothing is pasted into anything parsed again.

import type { BalancerPolicy, CookieAffinity, HashBy, HashPart, HealthCheck, RouteBalancing } from '../../model/balancing.ts';
import { parseDuration } from '../../config/duration.ts';

export const NGINX_PREFIX = 'nginx.ingress.kubernetes.io/';
export const PORTICO_PREFIX = 'portico.io/';

/** A problem with one key: reported on the object, the key's default used instead. */
export interface AnnotationProblem {
  readonly key: string;
  readonly message: string;
}

/** Keys of this group read on an Ingress (suffixes, under both prefixes). */
export const INGRESS_KEYS = [
  'load-balance', 'upstream-hash-by', 'upstream-hash-by-subset', 'upstream-hash-by-subset-size',
  'affinity', 'affinity-mode', 'session-cookie-name', 'session-cookie-path', 'session-cookie-domain',
  'session-cookie-max-age', 'session-cookie-expires', 'session-cookie-samesite',
  'session-cookie-conditional-samesite-none', 'session-cookie-secure', 'session-cookie-change-on-failure',
  'health-check-path', 'health-check-interval', 'health-check-timeout', 'health-check-healthy-threshold',
  'health-check-unhealthy-threshold', 'health-check-expected-statuses',
] as const;

/** Keys read on a Service (`portico.io/` only: ingress-nginx reads none of these there). */
export const SERVICE_KEYS = [
  'l4-balance', 'health-check-path', 'health-check-interval', 'health-check-timeout',
  'health-check-healthy-threshold', 'health-check-unhealthy-threshold', 'health-check-expected-statuses',
] as const;

/** Keys that exist only under `portico.io/` (ingress-nginx has no such annotation). */
const PORTICO_ONLY = new Set(['l4-balance', 'health-check-path', 'health-check-interval', 'health-check-timeout',
  'health-check-healthy-threshold', 'health-check-unhealthy-threshold', 'health-check-expected-statuses']);

/** Whether `name` (full annotation name) is a key of this group for `kind`. */
export function isBalancingAnnotation(name: string, kind: 'Ingress' | 'Service'): boolean {
  const keys: readonly string[] = kind === 'Ingress' ? INGRESS_KEYS : SERVICE_KEYS;
  if (name.startsWith(PORTICO_PREFIX)) return keys.includes(name.slice(PORTICO_PREFIX.length));
  if (kind === 'Ingress' && name.startsWith(NGINX_PREFIX)) {
    const k = name.slice(NGINX_PREFIX.length);
    return keys.includes(k) && !PORTICO_ONLY.has(k);
  }
  return false;
}

type Annotations = Readonly<Record<string, unknown>>;

/** What a value parser answers for a malformed value. */
interface Bad {
  readonly error: string;
}
const bad = (error: string): Bad => ({ error });
function isBad(v: unknown): v is Bad {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Bad).error === 'string';
}

class Reader {
  readonly problems: AnnotationProblem[] = [];
  private readonly a: Annotations;
  private readonly nginx: boolean;

  constructor(a: Annotations, nginx: boolean) {
    this.a = a;
    this.nginx = nginx;
  }

  /** [full key, raw value] of `suffix`, portico.io first; undefined when absent. */
  raw(suffix: string): [string, string] | undefined {
    for (const prefix of this.nginx && !PORTICO_ONLY.has(suffix) ? [PORTICO_PREFIX, NGINX_PREFIX] : [PORTICO_PREFIX]) {
      const key = prefix + suffix;
      const v = this.a[key];
      if (v === undefined) continue;
      if (typeof v !== 'string') {
        this.problems.push({ key, message: 'annotation value must be a string' });
        return undefined;
      }
      return [key, v.trim()];
    }
    return undefined;
  }

  /** The parsed value of `suffix`; the fallback when absent or malformed (then reported). */
  parse<T>(suffix: string, fn: (v: string, key: string) => T | Bad, fallback: T): T {
    const r = this.raw(suffix);
    if (r === undefined) return fallback;
    const out = fn(r[1], r[0]);
    if (isBad(out)) {
      this.problems.push({ key: r[0], message: out.error });
      return fallback;
    }
    return out;
  }

  problem(key: string, message: string): void {
    this.problems.push({ key, message });
  }
}

const bool = (v: string): boolean | Bad =>
  v.toLowerCase() === 'true' ? true : v.toLowerCase() === 'false' ? false : bad(`expected "true" or "false", got ${JSON.stringify(v)}`);

function int(min: number, max: number): (v: string) => number | Bad {
  return (v) => /^-?\d{1,10}$/.test(v) && Number(v) >= min && Number(v) <= max
    ? Number(v) : bad(`expected an integer ${min}-${max}, got ${JSON.stringify(v)}`);
}

/** ingress-nginx `load-balance` values, then Portico's own names (on `portico.io/` only). */
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

export function parseL4Balance(raw: string): { value: BalancerPolicy } | { error: string } {
  const p = L4_POLICIES[raw.trim()];
  return p !== undefined && Object.hasOwn(L4_POLICIES, raw.trim())
    ? { value: p }
    : { error: `expected one of ${Object.keys(L4_POLICIES).join(', ')}, got ${JSON.stringify(raw)}` };
}

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
 * `upstream-hash-by`: a sequence of `$var` / `${var}` and literal text of safe characters
 * (ingress-nginx passes the text to nginx as `hash <text> consistent`; Portico evaluates only the
 * variables listed in SIMPLE_VARS, `$http_*`, `$cookie_*` and `$arg_*`).
 */
export function parseHashBy(text: string): HashPart[] | string {
  const parts: HashPart[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '$') {
      let name: string;
      if (text[i + 1] === '{') {
        const close = text.indexOf('}', i + 2);
        if (close < 0) return `unclosed \${ in ${JSON.stringify(text)}`;
        name = text.slice(i + 2, close);
        i = close + 1;
      } else {
        const m = /^[A-Za-z0-9_]+/.exec(text.slice(i + 1));
        if (m === null) return `"$" without a variable name in ${JSON.stringify(text)}`;
        name = m[0];
        i += 1 + name.length;
      }
      name = name.toLowerCase();
      const part = Object.hasOwn(SIMPLE_VARS, name) ? SIMPLE_VARS[name] : variablePart(name);
      if (part === null) return `variable $${name} is not supported (use $remote_addr, $request_uri, $uri, $host, $http_<name>, $cookie_<name>, $arg_<name>)`;
      parts.push(part);
    } else {
      const m = /^[A-Za-z0-9._:,/|=-]+/.exec(text.slice(i));
      if (m === null) return `unexpected character ${JSON.stringify(text[i])} in ${JSON.stringify(text)}`;
      const last = parts[parts.length - 1];
      if (last !== undefined && last.kind === 'literal') parts[parts.length - 1] = { kind: 'literal', text: last.text + m[0] };
      else parts.push({ kind: 'literal', text: m[0] });
      i += m[0].length;
    }
  }
  if (!parts.some((p) => p.kind !== 'literal')) return `${JSON.stringify(text)} names no variable: every request would hash alike`;
  return parts;
}

function variablePart(name: string): HashPart | null {
  for (const [prefix, kind] of [['http_', 'header'], ['cookie_', 'cookie'], ['arg_', 'arg']] as const) {
    if (name.startsWith(prefix) && NAME_RE.test(name.slice(prefix.length))) {
      const rest = name.slice(prefix.length);
      // nginx maps $http_x_foo to the header X-Foo; cookie and argument names are used as written.
      return { kind, name: kind === 'header' ? rest.replaceAll('_', '-') : rest } as HashPart;
    }
  }
  return null;
}

/** RFC 6265 §4.1.1 cookie-name = token (RFC 9110 §5.6.2 tchar). */
const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
/** RFC 6265 §4.1.1 path-value: any CHAR except CTLs or ";", and Portico wants it absolute. */
const PATH_RE = /^\/[\x21-\x3a\x3c-\x7e]{0,1023}$/;
const DOMAIN_RE = /^\.?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
/** ingress-nginx affinityCookieExpiresRegex `(^0|-?[1-9]\d*$)`, bounded. */
const SECONDS_RE = /^(0|-?[1-9]\d{0,9})$/;

function cookieAffinity(r: Reader): CookieAffinity | null {
  const type = r.raw('affinity');
  if (type === undefined) return null;
  if (type[1] !== 'cookie') {
    r.problem(type[0], `only "cookie" is supported, got ${JSON.stringify(type[1])}; no affinity`);
    return null;
  }
  const mode = r.parse('affinity-mode', (v, key): 'balanced' | 'persistent' => {
    if (v === 'balanced' || v === 'persistent') return v;
    r.problem(key, v === 'persistent-drainable'
      ? 'persistent-drainable is not supported (sessions are not kept on terminating endpoints); using persistent'
      : `expected balanced or persistent, got ${JSON.stringify(v)}; using balanced`);
    return v === 'persistent-drainable' ? 'persistent' : 'balanced';
  }, 'balanced');
  const str = (suffix: string, re: RegExp, what: string): string | null => r.parse<string | null>(suffix, (v, key) => {
    if (re.test(v)) return v;
    r.problem(key, `${JSON.stringify(v)} is not a valid ${what}; ignored`);
    return null;
  }, null);
  const seconds = (suffix: string): number | null => r.parse<number | null>(suffix, (v, key) => {
    if (SECONDS_RE.test(v)) return Number(v);
    r.problem(key, `expected a number of seconds, got ${JSON.stringify(v)}; ignored`);
    return null;
  }, null);
  const sameSite = r.parse<CookieAffinity['sameSite']>('session-cookie-samesite', (v, key) => {
    const c = ({ none: 'None', lax: 'Lax', strict: 'Strict' } as const)[v.toLowerCase() as 'none'];
    if (c !== undefined) return c;
    r.problem(key, `expected None, Lax or Strict, got ${JSON.stringify(v)}; ignored`);
    return null;
  }, null);
  return {
    mode,
    name: str('session-cookie-name', TOKEN_RE, 'cookie name (RFC 6265 token)') ?? 'INGRESSCOOKIE',
    path: str('session-cookie-path', PATH_RE, 'cookie path'),
    domain: r.parse<string | null>('session-cookie-domain', (v, key) => {
      if (DOMAIN_RE.test(v.toLowerCase())) return v.toLowerCase();
      r.problem(key, `${JSON.stringify(v)} is not a valid cookie domain; ignored`);
      return null;
    }, null),
    maxAgeSeconds: seconds('session-cookie-max-age'),
    expiresSeconds: seconds('session-cookie-expires'),
    sameSite,
    conditionalSameSiteNone: r.parse('session-cookie-conditional-samesite-none', bool, false),
    secure: r.parse('session-cookie-secure', bool, false),
    changeOnFailure: r.parse('session-cookie-change-on-failure', bool, false),
  };
}

/** The balancing of an Ingress's paths; null when it asks for nothing. */
export function parseRouteBalancing(annotations: Annotations): { value: RouteBalancing | null; problems: AnnotationProblem[] } {
  const r = new Reader(annotations, true);
  const policy = r.parse<BalancerPolicy | null>('load-balance', (v, key) => {
    const table = key.startsWith(PORTICO_PREFIX) ? PORTICO_POLICIES : NGINX_POLICIES;
    if (Object.hasOwn(table, v)) return table[v];
    r.problem(key, `expected one of ${Object.keys(table).join(', ')}, got ${JSON.stringify(v)}; using the Service's policy`);
    return null;
  }, null);
  let hashBy: HashBy | null = null;
  const hb = r.raw('upstream-hash-by');
  if (hb !== undefined) {
    const parts = parseHashBy(hb[1]);
    if (typeof parts === 'string') r.problem(hb[0], `${parts}; not hashing`);
    else {
      const subset = r.parse('upstream-hash-by-subset', bool, false);
      // ingress-nginx upstreamhashby: subset size defaults to 3.
      const size = r.parse('upstream-hash-by-subset-size', int(1, 1000), 3);
      hashBy = { parts, subsetSize: subset ? size : 0 };
    }
  }
  const cookie = cookieAffinity(r);
  const value = policy === null && hashBy === null && cookie === null ? null : { policy, hashBy, cookie };
  return { value, problems: r.problems };
}

/** ingress-nginx-style status list: `200`, `200-399`, `200,204,300-399`. */
export function parseStatuses(v: string): (readonly [number, number])[] | Bad {
  const out: [number, number][] = [];
  for (const item of v.split(',')) {
    const m = /^\s*([1-5]\d\d)(?:\s*-\s*([1-5]\d\d))?\s*$/.exec(item);
    if (m === null) return bad(`expected statuses like 200,300-399, got ${JSON.stringify(v)}`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return bad(`range ${item.trim()} is empty`);
    out.push([lo, hi]);
  }
  return out;
}

export const HEALTH_DEFAULTS = { intervalMs: 10_000, timeoutMs: 2_000, healthyThreshold: 2, unhealthyThreshold: 3 } as const;

/** `portico.io/health-check-*`; null when no key of them is set. */
export function parseHealthCheck(annotations: Annotations): { value: HealthCheck | null; problems: AnnotationProblem[] } {
  const r = new Reader(annotations, false);
  const any = ['health-check-path', 'health-check-interval', 'health-check-timeout', 'health-check-healthy-threshold',
    'health-check-unhealthy-threshold', 'health-check-expected-statuses'].some((k) => annotations[PORTICO_PREFIX + k] !== undefined);
  if (!any) return { value: null, problems: [] };
  const duration = (min: number, max: number) => (v: string): number | Bad => {
    try {
      const ms = parseDuration(v);
      return ms >= min && ms <= max ? ms : bad(`expected a duration ${min} ms-${max / 1000} s, got ${JSON.stringify(v)}`);
    } catch (e) {
      return bad((e as Error).message);
    }
  };
  const path = r.parse<string | null>('health-check-path', (v, key) => {
    if (PATH_RE.test(v) && !/[\s#]/.test(v)) return v;
    r.problem(key, `${JSON.stringify(v)} is not an absolute path; using a TCP connect check`);
    return null;
  }, null);
  const intervalMs = r.parse('health-check-interval', duration(100, 3_600_000), HEALTH_DEFAULTS.intervalMs);
  let timeoutMs = r.parse('health-check-timeout', duration(10, 60_000), HEALTH_DEFAULTS.timeoutMs);
  if (timeoutMs >= intervalMs) {
    r.problem(PORTICO_PREFIX + 'health-check-timeout', `timeout ${timeoutMs} ms must be shorter than the interval ${intervalMs} ms; using ${Math.floor(intervalMs / 2)} ms`);
    timeoutMs = Math.floor(intervalMs / 2);
  }
  return {
    value: {
      path,
      intervalMs,
      timeoutMs,
      healthyThreshold: r.parse('health-check-healthy-threshold', int(1, 100), HEALTH_DEFAULTS.healthyThreshold),
      unhealthyThreshold: r.parse('health-check-unhealthy-threshold', int(1, 100), HEALTH_DEFAULTS.unhealthyThreshold),
      expectedStatuses: r.parse<readonly (readonly [number, number])[]>('health-check-expected-statuses', parseStatuses, [[200, 399]]),
    },
    problems: r.problems,
  };
}
