// The honoured access-control annotations (ingress-nginx v1.15 internal/ingress/annotations/
// {ipallowlist,ipdenylist,auth,authreq}) read together into typed data, under both prefixes
// (portico.io wins, as in the registry). Their statuses are in access.ts (the registry group); a key
// that is present and malformed is an error here and the caller refuses the Ingress rather than
// serving it open (PROTOCOL "never fail open").

import type { AuthCacheRule, CorsPolicy, RateLimitPolicy, Template } from '../../model/access.ts';
import type { KubeObject } from '../types.ts';
import { parseCidrList } from './cidr.ts';
import { parseTemplate } from './template.ts';

const PREFIXES = ['portico.io/', 'nginx.ingress.kubernetes.io/'] as const;

export interface BasicAuthAnnotations {
  /** `ns/name`, resolved against the Ingress namespace when written as `name`. */
  readonly secret: string;
  readonly secretType: 'auth-file' | 'auth-map';
  readonly realm: string;
}

export interface ExternalAuthAnnotations {
  readonly url: URL;
  readonly path: Template;
  readonly method: string | null;
  readonly signin: Template | null;
  readonly signinRedirectParam: string;
  readonly responseHeaders: string[];
  readonly requestRedirect: Template | null;
  readonly cacheKey: Template | null;
  readonly cacheRules: AuthCacheRule[];
  readonly alwaysSetCookie: boolean;
  /** `ns/name` of the ConfigMap, or null. */
  readonly proxySetHeaders: string | null;
}

export interface AccessAnnotations {
  readonly cors: CorsPolicy | null;
  readonly rateLimit: RateLimitPolicy | null;
  readonly allow: string[] | null;
  readonly deny: string[] | null;
  readonly basic: BasicAuthAnnotations | null;
  readonly external: ExternalAuthAnnotations | null;
}

/** The value under `portico.io/` or else `nginx.ingress.kubernetes.io/`, as [fullKey, value]. */
export function lookup(ann: Record<string, unknown>, key: string): [string, unknown] | undefined {
  for (const p of PREFIXES) if (Object.hasOwn(ann, p + key)) return [p + key, ann[p + key]];
  return undefined;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE'];
/** authreq headerRegexp. */
const HEADER = /^[a-zA-Z\d\-_]+$/;
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Parse this group's keys of `obj`; errors name the key, never the value of a credential. */
export function readAccessAnnotations(obj: KubeObject, namespace: string): { value: AccessAnnotations } | { errors: string[] } {
  const raw = obj.metadata?.annotations;
  const ann: Record<string, unknown> = raw && typeof raw === 'object' ? raw : {};
  // Most Ingresses carry no key of either prefix: their answer is the one for no annotations,
  // computed once below by this same parser, instead of ~40 prefixed lookups per Ingress
  // (docs/benchmarks/http.md, apply path).
  if (!hasPrefixedKey(ann)) return NO_ACCESS_ANNOTATIONS;
  return parseAccess(ann, namespace);
}

function hasPrefixedKey(ann: Record<string, unknown>): boolean {
  for (const k in ann) {
    if (!Object.hasOwn(ann, k)) continue;
    for (const p of PREFIXES) if (k.startsWith(p)) return true;
  }
  return false;
}

function parseAccess(ann: Record<string, unknown>, namespace: string): { value: AccessAnnotations } | { errors: string[] } {
  const errors: string[] = [];
  const str = (key: string): string | undefined => {
    const hit = lookup(ann, key);
    if (hit === undefined) return undefined;
    if (typeof hit[1] !== 'string') {
      errors.push(`annotation ${hit[0]}: value must be a string`);
      return undefined;
    }
    return hit[1];
  };
  const fail = (key: string, message: string): void => {
    errors.push(`annotation ${lookup(ann, key)?.[0] ?? key}: ${message}`);
  };

  // ipallowlist: whitelist-source-range is the older alias of allowlist-source-range.
  let allow: string[] | null = null;
  const allowRaw = str('allowlist-source-range') ?? str('whitelist-source-range');
  if (allowRaw !== undefined) {
    const r = parseCidrList(allowRaw);
    if ('error' in r) fail(lookup(ann, 'allowlist-source-range') ? 'allowlist-source-range' : 'whitelist-source-range', r.error);
    else allow = r.value;
  }
  let deny: string[] | null = null;
  const denyRaw = str('denylist-source-range');
  if (denyRaw !== undefined) {
    const r = parseCidrList(denyRaw);
    if ('error' in r) fail('denylist-source-range', r.error);
    else deny = r.value;
  }

  const satisfy = str('satisfy');
  if (satisfy !== undefined && satisfy.trim() !== 'all') {
    // nginx `satisfy any` would let a request through on either the address or the credentials;
    // Portico always requires all checks, which is stricter than asked: refused, not guessed.
    fail('satisfy', `only "all" is supported, got ${JSON.stringify(satisfy)}`);
  }

  // auth (basic): auth-type selects; auth-secret is required with it.
  let basic: BasicAuthAnnotations | null = null;
  const type = str('auth-type');
  const secret = str('auth-secret');
  const secretType = str('auth-secret-type');
  const realm = str('auth-realm');
  if (type !== undefined) {
    const t = type.trim();
    if (t === 'digest') fail('auth-type', 'digest authentication is not supported');
    else if (t !== 'basic') fail('auth-type', `expected "basic", got ${JSON.stringify(type)}`);
    else if (secret === undefined || secret.trim() === '') fail('auth-secret', 'required with auth-type basic');
    else {
      const ref = secretRef(secret.trim(), namespace);
      const st = (secretType ?? 'auth-file').trim();
      if (ref === null) fail('auth-secret', `expected name or namespace/name, got ${JSON.stringify(secret)}`);
      else if (st !== 'auth-file' && st !== 'auth-map') fail('auth-secret-type', `expected auth-file or auth-map, got ${JSON.stringify(secretType)}`);
      // The realm goes into a quoted-string (RFC 9110 §11.6.1): no quote, backslash or control.
      // eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
      else if (realm !== undefined && /["\\\x00-\x1f\x7f]/.test(realm)) fail('auth-realm', 'must not contain quotes, backslashes or control characters');
      else basic = { secret: ref, secretType: st, realm: realm ?? 'Authentication Required' };
    }
  } else if (secret !== undefined && lookup(ann, 'auth-url') === undefined) {
    // ingress-nginx ignores auth-secret without auth-type; a lone secret signals intent to protect.
    fail('auth-secret', 'set without auth-type: basic');
  }

  const external = readExternal(str, fail, namespace);
  const rateLimit = readRateLimit(str, fail);
  const cors = readCors(str, fail);
  if (errors.length > 0) return { errors };
  return { value: { cors, rateLimit, allow, deny, basic, external } };
}

function readExternal(str: (k: string) => string | undefined, fail: (k: string, m: string) => void, namespace: string): ExternalAuthAnnotations | null {
  const urlRaw = str('auth-url');
  if (urlRaw === undefined) {
    for (const k of ['auth-signin', 'auth-response-headers', 'auth-method', 'auth-cache-key', 'auth-proxy-set-headers']) {
      if (str(k) !== undefined) fail(k, 'set without auth-url');
    }
    return null;
  }
  const before = { n: 0 };
  const f = (k: string, m: string) => { before.n++; fail(k, m); };
  let url: URL | null = null;
  let path: Template = [];
  const trimmed = urlRaw.trim();
  const m = /^(https?):\/\/([^/?#]*)([^#]*)$/i.exec(trimmed);
  if (m === null) f('auth-url', 'expected an http:// or https:// URL');
  else if (m[2].includes('$')) f('auth-url', 'variables are supported in the path and query only, not in the host');
  else if (m[2].includes('@')) f('auth-url', 'credentials in the URL are not supported');
  else {
    try {
      url = new URL(`${m[1].toLowerCase()}://${m[2]}/`);
      const t = parseTemplate(m[3] === '' ? '/' : m[3]);
      if ('error' in t) f('auth-url', t.error);
      else path = t.value;
    } catch {
      f('auth-url', 'not a valid URL');
    }
  }
  const template = (k: string): Template | null => {
    const v = str(k);
    if (v === undefined || v.trim() === '') return null;
    const t = parseTemplate(v.trim());
    if ('error' in t) {
      f(k, t.error);
      return null;
    }
    return t.value;
  };
  const methodRaw = str('auth-method');
  const method = methodRaw === undefined || methodRaw === '' ? null : methodRaw.trim();
  if (method !== null && !METHODS.includes(method)) f('auth-method', `invalid HTTP method ${JSON.stringify(methodRaw)}`);
  const signin = template('auth-signin');
  if (signin !== null && !/^(https?:\/\/|\/)/i.test(signin[0]?.kind === 'text' ? signin[0].text : '') && !(signin[0]?.kind === 'scheme')) {
    f('auth-signin', 'expected an absolute http(s) URL or a path');
  }
  const param = (str('auth-signin-redirect-param') ?? 'rd').trim();
  if (!/^[A-Za-z0-9_.-]+$/.test(param)) f('auth-signin-redirect-param', 'expected a query parameter name');
  const responseHeaders: string[] = [];
  for (const h of (str('auth-response-headers') ?? '').split(',')) {
    const name = h.trim();
    if (name === '') continue;
    if (!HEADER.test(name)) f('auth-response-headers', `invalid header name ${JSON.stringify(name)}`);
    else responseHeaders.push(name.toLowerCase());
  }
  const requestRedirect = template('auth-request-redirect');
  const cacheKey = template('auth-cache-key');
  const cacheRules = parseCacheDurations(str('auth-cache-duration') ?? '');
  if ('error' in cacheRules) f('auth-cache-duration', cacheRules.error);
  const cookie = str('auth-always-set-cookie');
  if (cookie !== undefined && cookie !== 'true' && cookie !== 'false') f('auth-always-set-cookie', 'expected "true" or "false"');
  const psh = str('auth-proxy-set-headers');
  let proxySetHeaders: string | null = null;
  if (psh !== undefined && psh.trim() !== '') {
    proxySetHeaders = secretRef(psh.trim(), namespace);
    if (proxySetHeaders === null) f('auth-proxy-set-headers', 'expected a ConfigMap name or namespace/name');
  }
  if (before.n > 0 || url === null) return null;
  return {
    url, path, method, signin, signinRedirectParam: param, responseHeaders: [...new Set(responseHeaders)],
    requestRedirect, cacheKey, cacheRules: 'error' in cacheRules ? [] : cacheRules.value,
    alwaysSetCookie: cookie === 'true', proxySetHeaders,
  };
}

/**
 * ingress-nginx ratelimit: limit-rps, limit-rpm, limit-connections (integers; 0 or absent = no
 * limit), limit-burst-multiplier (default 5), limit-allowlist / limit-whitelist (CIDRs).
 */
function readRateLimit(str: (k: string) => string | undefined, fail: (k: string, m: string) => void): RateLimitPolicy | null {
  const int = (k: string, dflt: number | null): number | null => {
    const v = str(k);
    if (v === undefined) return dflt;
    if (!/^\d{1,9}$/.test(v.trim())) {
      fail(k, `expected a non-negative integer, got ${JSON.stringify(v)}`);
      return dflt;
    }
    const n = Number(v.trim());
    return n === 0 ? dflt : n;
  };
  const rps = int('limit-rps', null);
  const rpm = int('limit-rpm', null);
  const connections = int('limit-connections', null);
  const burstMultiplier = int('limit-burst-multiplier', 5) ?? 5;
  const exemptRaw = str('limit-allowlist') ?? str('limit-whitelist');
  let exempt: string[] = [];
  if (exemptRaw !== undefined && exemptRaw.trim() !== '') {
    const r = parseCidrList(exemptRaw);
    if ('error' in r) fail(str('limit-allowlist') !== undefined ? 'limit-allowlist' : 'limit-whitelist', r.error);
    else exempt = r.value;
  }
  if (rps === null && rpm === null && connections === null) return null;
  return { rps, rpm, burstMultiplier, connections, exempt };
}

const ORIGIN = /^https?:\/\/(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?$/;

/**
 * ingress-nginx cors (internal/ingress/annotations/cors/main.go): enable-cors turns it on; defaults
 * allow-origin `*`, methods `GET, PUT, POST, DELETE, PATCH, OPTIONS`, the nginx default header list,
 * credentials true, max-age 1728000.
 */
function readCors(str: (k: string) => string | undefined, fail: (k: string, m: string) => void): CorsPolicy | null {
  const enable = str('enable-cors');
  if (enable === undefined || enable.trim() === 'false') return null;
  if (enable.trim() !== 'true') {
    fail('enable-cors', 'expected "true" or "false"');
    return null;
  }
  const list = (k: string, dflt: string, ok: RegExp): string => {
    const v = str(k);
    if (v === undefined || v.trim() === '') return dflt;
    const items = v.split(',').map((x) => x.trim()).filter(Boolean);
    const bad = items.filter((x) => !ok.test(x));
    if (bad.length > 0) fail(k, `invalid entries ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
    return items.join(', ');
  };
  const originsRaw = (str('cors-allow-origin') ?? '*').split(',').map((x) => x.trim()).filter(Boolean);
  const badOrigins = originsRaw.filter((o) => o !== '*' && !ORIGIN.test(o));
  if (badOrigins.length > 0) fail('cors-allow-origin', `invalid origins ${badOrigins.map((b) => JSON.stringify(b)).join(', ')}`);
  const cred = (str('cors-allow-credentials') ?? 'true').trim();
  if (cred !== 'true' && cred !== 'false') fail('cors-allow-credentials', 'expected "true" or "false"');
  const ageRaw = (str('cors-max-age') ?? '1728000').trim();
  if (!/^\d{1,10}$/.test(ageRaw)) fail('cors-max-age', 'expected a number of seconds');
  return {
    origins: originsRaw.length === 0 ? ['*'] : originsRaw.map((o) => o.toLowerCase()),
    methods: list('cors-allow-methods', 'GET, PUT, POST, DELETE, PATCH, OPTIONS', /^[A-Za-z]+$/),
    headers: list('cors-allow-headers', 'DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization', /^(\*|[A-Za-z0-9_-]+)$/),
    expose: list('cors-expose-headers', '', /^(\*|[A-Za-z0-9_-]+)$/),
    credentials: cred !== 'false',
    maxAge: Number(ageRaw) || 0,
  };
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, M: 2592000, y: 31536000 };

/**
 * authreq ParseStringToCacheDurations: comma-separated `[code …] time …` (nginx proxy_cache_valid
 * syntax, several times add up); default `200 202 401 5m`. A rule without codes means 200 301 302
 * (nginx proxy_cache_valid).
 */
export function parseCacheDurations(raw: string): { value: AuthCacheRule[] } | { error: string } {
  const rules: AuthCacheRule[] = [];
  const text = raw.trim() === '' ? '200 202 401 5m' : raw;
  for (const item of text.split(',')) {
    const words = item.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) continue;
    const statuses: number[] = [];
    let seconds = 0;
    let seen = false;
    for (const w of words) {
      if (/^\d{3}$/.test(w) && !seen) statuses.push(Number(w));
      else {
        const d = /^(\d+)(ms|s|m|h|d|w|M|y)$/.exec(w);
        if (d === null) return { error: `invalid cache duration ${JSON.stringify(item.trim())}` };
        seen = true;
        seconds += Number(d[1]) * UNIT_SECONDS[d[2]];
      }
    }
    if (!seen) return { error: `invalid cache duration ${JSON.stringify(item.trim())}` };
    rules.push({ statuses: statuses.length > 0 ? statuses : [200, 301, 302], seconds });
  }
  return { value: rules };
}

/** `name` or `ns/name` (client-go SplitMetaNamespaceKey), with the Ingress namespace by default. */
export function secretRef(text: string, namespace: string): string | null {
  const parts = text.split('/');
  if (parts.length === 1 && NAME.test(parts[0])) return `${namespace}/${parts[0]}`;
  if (parts.length === 2 && NAME.test(parts[0]) && NAME.test(parts[1])) return `${parts[0]}/${parts[1]}`;
  return null;
}


/**
 * `ns/name` of the Secrets an Ingress's access annotations name (auth-secret, auth-tls-secret),
 * whatever the rest of the annotations say: the cluster source watches exactly these (least privilege).
 */
export function accessSecretRefs(obj: KubeObject): string[] {
  const raw = obj.metadata?.annotations;
  const ann: Record<string, unknown> = raw && typeof raw === 'object' ? raw : {};
  const ns = typeof obj.metadata?.namespace === 'string' ? obj.metadata.namespace : '';
  if (ns === '') return [];
  const refs: string[] = [];
  for (const key of ['auth-secret', 'auth-tls-secret']) {
    const hit = lookup(ann, key);
    if (hit === undefined || typeof hit[1] !== 'string') continue;
    const ref = secretRef(hit[1].trim(), ns);
    if (ref !== null && !refs.includes(ref)) refs.push(ref);
  }
  return refs;
}

/** The parse of no annotations at all, shared (frozen) by every Ingress without access keys. */
const NO_ACCESS_ANNOTATIONS = deepFreeze(parseAccess({}, ''));

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
