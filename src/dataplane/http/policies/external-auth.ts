// External authentication (ingress-nginx authreq = nginx auth_request,
// https://nginx.org/en/docs/http/ngx_http_auth_request_module.html, and the auth location of
// ingress-nginx's nginx.tmpl): before proxying, a subrequest without body to the auth URL with the
// client's headers, the original method (or auth-method), X-Original-URL, X-Original-Method,
// X-Auth-Request-Redirect and X-Forwarded-*. 2xx ⇒ allowed, and each auth-response-headers
// header of the auth response replaces the client's (an absent one removes it: nginx's
// proxy_set_header with an empty value); 401 ⇒ 401 with the auth server's WWW-Authenticate, or a
// 302 to auth-signin with the original URL in `rd`; 403 ⇒ 403; any other status, a timeout or an
// unreachable auth server ⇒ 500 (fail closed). Connections are pooled by one undici Agent; a
// Service URL goes to that Service's endpoints from the store.

import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { ExternalAuthPolicy } from '../../../model/access.ts';
import type { ClusterRuntime } from '../../upstream/cluster-runtime.ts';
import type { Lru } from './lru.ts';
import { denial, type AsyncVerdict, type Denial, type PolicyRequest } from './policy.ts';
import { expand, hostOnly } from './template-expand.ts';

export interface CachedAuth {
  readonly verdict: AsyncVerdict;
  readonly expires: number;
}

export interface ExternalAuthDeps {
  readonly dispatcher: Dispatcher;
  readonly cache: Lru<CachedAuth>;
  readonly timeoutMs: number;
  readonly cluster: (id: string) => ClusterRuntime | undefined;
}

/** Request headers never copied into the subrequest: hop-by-hop (RFC 9110 §7.6.1), body framing, ours. */
const SKIP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'trailer',
  'content-length', 'expect', 'host', 'x-original-url', 'x-original-method', 'x-auth-request-redirect',
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip', 'x-sent-from']);

const FAILED = denial(500, 'AUTH_FAILED', 'authentication service failed\n');

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export class ExternalAuthCheck {
  readonly step = 'external-auth' as const;
  private readonly p: ExternalAuthPolicy;
  private readonly deps: ExternalAuthDeps;
  private readonly cacheable: ReadonlySet<number>;

  constructor(p: ExternalAuthPolicy, deps: ExternalAuthDeps) {
    this.p = p;
    this.deps = deps;
    this.cacheable = new Set(p.cacheRules.flatMap((r) => r.statuses));
  }

  check(r: PolicyRequest): Promise<AsyncVerdict> | Denial | null {
    let key: string | null = null;
    if (this.p.cacheKey !== null) {
      key = createHash('sha256').update(this.p.url).update('\0').update(expand(this.p.cacheKey, r, 'text')).digest('base64');
      const hit = this.deps.cache.get(key);
      if (hit !== undefined) {
        if (hit.expires > Date.now()) return 'denial' in hit.verdict ? hit.verdict.denial : hit.verdict.set.length === 0 ? null : Promise.resolve(hit.verdict);
        this.deps.cache.delete(key);
      }
    }
    return this.subrequest(r, key);
  }

  private origin(): string | null {
    const t = this.p.target;
    if (t.kind === 'url') return t.origin;
    const c = this.deps.cluster(t.clusterId);
    const ep = c?.pick('', null, Date.now()) ?? null;
    return ep === null ? null : `${t.scheme}://${ep.id}`;
  }

  private async subrequest(r: PolicyRequest, key: string | null): Promise<AsyncVerdict> {
    const origin = this.origin();
    if (origin === null) return { denial: FAILED };
    const p = this.p;
    const headers: string[] = [];
    for (let i = 0; i < r.raw.length; i += 2) {
      const n = r.raw[i];
      if (n.charCodeAt(0) === 58 || SKIP.has(n.toLowerCase())) continue;
      headers.push(n, r.raw[i + 1]);
    }
    const host = r.host ?? '';
    const originalUrl = `${r.scheme}://${host}${r.uri}`;
    headers.push('host', p.authority,
      'x-original-url', originalUrl,
      'x-original-method', r.method,
      'x-auth-request-redirect', p.requestRedirect === null ? r.uri : expand(p.requestRedirect, r, 'text'),
      'x-sent-from', 'portico',
      'x-real-ip', r.clientIp,
      'x-forwarded-for', r.clientIp,
      'x-forwarded-proto', r.scheme,
      'x-forwarded-host', host);
    for (const h of p.proxySetHeaders) {
      const v = expand(h.value, r, 'text');
      for (let i = 0; i < headers.length; i += 2) if (headers[i].toLowerCase() === h.name) headers[i + 1] = '';
      if (v !== '') headers.push(h.name, v);
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await this.deps.dispatcher.request({
        origin,
        path: expand(p.path, r, 'url'),
        method: (p.method ?? r.method),
        headers: headers.filter((_, i) => i % 2 === 1 || headers[i + 1] !== ''),
        headersTimeout: this.deps.timeoutMs,
        bodyTimeout: this.deps.timeoutMs,
      });
    } catch {
      return { denial: FAILED };
    }
    res.body.dump().catch(() => {});
    const verdict = this.verdict(res.statusCode, res.headers, r);
    if (key !== null && this.cacheable.has(res.statusCode)) {
      const rule = p.cacheRules.find((c) => c.statuses.includes(res.statusCode));
      if (rule !== undefined && rule.seconds > 0) this.deps.cache.set(key, { verdict, expires: Date.now() + rule.seconds * 1000 });
    }
    return verdict;
  }

  private verdict(status: number, h: Record<string, string | string[] | undefined>, r: PolicyRequest): AsyncVerdict {
    const p = this.p;
    const cookies = list(h['set-cookie']);
    const withCookies = (extra: Record<string, string | readonly string[]>): Record<string, string | readonly string[]> =>
      p.alwaysSetCookie && cookies.length > 0 ? { ...extra, 'set-cookie': cookies } : extra;
    if (status >= 200 && status < 300) {
      const set: (readonly [string, string])[] = p.responseHeaders.map((n) => [n, first(h[n]) ?? ''] as const);
      // Set-Cookie of an allowing answer goes to the client (ingress-nginx add_header Set-Cookie).
      return cookies.length > 0 ? { set, cookies } : { set };
    }
    if (status === 401) {
      if (p.signin !== null) {
        let url = expand(p.signin, r, 'url');
        const param = p.signinRedirectParam;
        // ingress-nginx buildAuthSignURL: add `rd=<scheme>://<host><escaped request uri>` unless present.
        if (!new URL(url, 'http://portico.invalid').searchParams.has(param)) {
          url += `${url.includes('?') ? '&' : '?'}${param}=${encodeURIComponent(`${r.scheme}://${r.host ?? hostOnly(null)}${r.uri}`)}`;
        }
        return { denial: denial(302, 'AUTH_SIGNIN', 'authentication required\n', withCookies({ location: url })) };
      }
      const www = first(h['www-authenticate']);
      return { denial: denial(401, 'AUTH_REQUIRED', 'authentication required\n', withCookies(www === undefined ? {} : { 'www-authenticate': www })) };
    }
    if (status === 403) return { denial: denial(403, 'AUTH_DENIED', 'forbidden\n', withCookies({})) };
    return { denial: p.alwaysSetCookie && cookies.length > 0 ? denial(500, 'AUTH_FAILED', FAILED.body, { 'set-cookie': cookies }) : FAILED };
  }
}
