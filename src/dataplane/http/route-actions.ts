// RouteActions (model/route-actions.ts) compiled at apply time (ARCHITECTURE.md hot-path rule 2):
// redirects, rewrite, upstream Host and X-Forwarded-Prefix, canary and default-backend choice.
// A route without actions has `actions === null` and pays nothing.

import type { RouteActions, TemplatePart } from '../../model/route-actions.ts';
import type { PathMatch } from '../../model/match.ts';
import type { ClusterRuntime } from '../upstream/cluster-runtime.ts';
import { PathRegex } from './path-regex.ts';
import type { CanaryAffinity } from './canary-affinity.ts';
import type { HashInput } from '../balancer/hash-key.ts';

/** What a template can read from the request. */
export interface ExpandContext {
  scheme: 'http' | 'https';
  /** Normalised host ('' when none). */
  host: string;
  /** Host header as received. */
  httpHost: string;
  /** Path as received (no query). */
  path: string;
  /** Path and query as received. */
  requestUri: string;
}

function queryOf(c: ExpandContext): string {
  return c.requestUri.length > c.path.length ? c.requestUri.slice(c.path.length + 1) : '';
}

/** nginx variable semantics (ngx_http_core_module "Embedded Variables"), on the raw request. */
export function expand(parts: readonly TemplatePart[], c: ExpandContext, groups: readonly string[] | null): string {
  let out = '';
  for (const p of parts) {
    if (p.kind === 'text') out += p.text;
    else if (p.kind === 'group') out += groups === null ? '' : groups[p.index] ?? '';
    else {
      switch (p.name) {
        case 'scheme': out += c.scheme; break;
        case 'host': out += c.host; break;
        case 'http_host': out += c.httpHost; break;
        case 'request_uri': out += c.requestUri; break;
        case 'uri': out += c.path; break;
        case 'args': case 'query_string': out += queryOf(c); break;
        case 'is_args': out += queryOf(c) === '' ? '' : '?'; break;
      }
    }
  }
  return out;
}

const usesGroups = (parts: readonly TemplatePart[] | null) => parts !== null && parts.some((p) => p.kind === 'group');

/** First value of a header among flat rawHeaders (`lower` is lower-case), or null. */
export function rawHeader(raw: readonly string[], lower: string): string | null {
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i];
    if (n.length === lower.length && n.toLowerCase() === lower) return raw[i + 1];
  }
  return null;
}

/** Value of cookie `name` in the request's Cookie headers (RFC 6265 §5.4), or null. */
export function cookieValue(raw: readonly string[], name: string): string | null {
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length !== 6 || raw[i].toLowerCase() !== 'cookie') continue;
    for (const pair of raw[i + 1].split(';')) {
      const eq = pair.indexOf('=');
      if (eq !== -1 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
    }
  }
  return null;
}

/** A request answered by the route itself instead of the upstream. */
export interface Answer {
  status: number;
  location: string;
}

export class CompiledActions {
  readonly model: RouteActions;
  /** Path regex of the route, for $1..$9 (null when not a Regex route). */
  private readonly regex: PathRegex | null;
  private readonly needsGroups: boolean;
  readonly canary: ClusterRuntime | null;
  private readonly canaryPattern: PathRegex | null;
  readonly defaultBackend: ClusterRuntime | null;
  readonly upstreamHost: string | null;
  /** Set by CompiledRoute when the route balances by cookie or key and has a canary (canary-affinity.ts). */
  affinity: CanaryAffinity | null = null;

  constructor(model: RouteActions, match: PathMatch, runtimeOf: (clusterId: string) => ClusterRuntime | null) {
    this.model = model;
    this.regex = match.type === 'Regex' ? new PathRegex(match.path) : null;
    this.needsGroups = usesGroups(model.rewrite) || usesGroups(model.redirect?.url ?? null);
    const cb = model.canary?.backend;
    this.canary = cb !== undefined && cb.kind === 'cluster' ? runtimeOf(cb.clusterId) : null;
    const pattern = model.canary?.headerPattern ?? null;
    // ngx.re.match searches anywhere, case-sensitively; PathRegex anchors with `^`, hence `.*`.
    this.canaryPattern = pattern === null ? null : new PathRegex(`.*(?:${pattern})`, false);
    const db = model.defaultBackend?.backend;
    this.defaultBackend = db !== undefined && db.kind === 'cluster' ? runtimeOf(db.clusterId) : null;
    this.upstreamHost = model.upstreamHost;
  }

  /** Every runtime this compiled action holds is still the live one (route-table reuse check). */
  live(runtimeOf: (clusterId: string) => ClusterRuntime | undefined): boolean {
    const cb = this.model.canary?.backend;
    if (cb !== undefined && cb.kind === 'cluster' && runtimeOf(cb.clusterId) !== (this.canary ?? undefined)) return false;
    const db = this.model.defaultBackend?.backend;
    return !(db !== undefined && db.kind === 'cluster' && runtimeOf(db.clusterId) !== (this.defaultBackend ?? undefined));
  }

  /** $0..$9 of the path regex; [] when the route does not use them; null when over the cost bound (→ 414). */
  groups(path: string): string[] | null {
    if (!this.needsGroups || this.regex === null) return [];
    return this.regex.captures(path);
  }

  /**
   * The redirect this request gets, or null, in nginx's phase order: app-root (server rewrite
   * phase, `if ($uri = /) return 302`), then from-to-www (its own server block, 308), then
   * permanent-/temporal-redirect (location `return`, before the https redirect that runs in
   * rewrite_by_lua).
   */
  answer(c: ExpandContext, groups: readonly string[] | null): Answer | null {
    const m = this.model;
    if (m.appRoot !== null && c.path === '/') {
      // ingress-nginx template: return 302 $scheme://$http_host<app-root>.
      return { status: 302, location: `${c.scheme}://${c.httpHost}${expand(m.appRoot, c, null)}` };
    }
    if (m.hostRedirect !== null) {
      // ingress-nginx template (from-to-www server): return 308 $scheme://<to>$request_uri; the
      // port of the request's Host is kept.
      const colon = c.httpHost.lastIndexOf(':');
      const port = colon !== -1 && !c.httpHost.endsWith(']') ? c.httpHost.slice(colon) : '';
      return { status: 308, location: `${c.scheme}://${m.hostRedirect}${port}${c.requestUri}` };
    }
    if (m.redirect !== null) return { status: m.redirect.code, location: expand(m.redirect.url, c, groups) };
    return null;
  }

  /**
   * rewrite-target (ingress-nginx `rewrite "(?i)<path>" <target> break;`): the whole path is
   * replaced; nginx appends the original arguments, after '&' when the target has its own, and
   * drops them when the target ends with '?' (ngx_http_rewrite_module "rewrite").
   */
  upstreamPath(c: ExpandContext, groups: readonly string[] | null): string {
    const rw = this.model.rewrite;
    if (rw === null) return c.requestUri;
    let target = expand(rw, c, groups);
    if (target.charCodeAt(0) !== 47) target = '/' + target;
    const args = queryOf(c);
    if (target.endsWith('?')) return target.slice(0, -1);
    if (args === '') return target;
    return target.includes('?') ? `${target}&${args}` : `${target}?${args}`;
  }

  forwardedPrefix(c: ExpandContext): string | null {
    const p = this.model.forwardedPrefix;
    return p === null ? null : expand(p, c, null);
  }

  /**
   * Canary choice (ingress-nginx balancer.lua route_to_alternative_balancer): by-header (value,
   * pattern, or always/never), then by-cookie (always/never), then weight; then the
   * default-backend annotation when the chosen cluster has no ready endpoint. Before all of them,
   * an affinity cookie keeps the side that issued it (canary-affinity.ts); `input` (hashing
   * routes with a canary) lets the weight rule place the key by its hash.
   */
  pickCluster(raw: readonly string[], main: ClusterRuntime | null, input: HashInput | null = null): ClusterRuntime | null {
    let c = main;
    const k = this.model.canary;
    if (k !== null && this.canary !== null && hasReady(this.canary)) {
      const side = this.affinity === null ? null : this.affinity.side(raw);
      if (side !== null ? side : this.toCanary(raw, k, input)) c = this.canary;
    }
    if (this.defaultBackend !== null && (c === null || !hasReady(c))) c = this.defaultBackend;
    return c;
  }

  private toCanary(raw: readonly string[], k: NonNullable<RouteActions['canary']>, input: HashInput | null): boolean {
    if (k.header !== null) {
      const v = rawHeader(raw, k.header.toLowerCase());
      if (v !== null) {
        if (k.headerValue !== null) {
          if (v === k.headerValue) return true;
        } else if (this.canaryPattern !== null) {
          if (this.canaryPattern.test(v)) return true;
        } else if (v === 'always') return true;
        else if (v === 'never') return false;
      }
    }
    if (k.cookie !== null) {
      const v = cookieValue(raw, k.cookie);
      if (v === 'always') return true;
      if (v === 'never') return false;
    }
    const byKey = this.affinity !== null && input !== null ? this.affinity.byKey(input) : null;
    if (byKey !== null) return byKey;
    // math.random(total) <= weight: integers 1..total.
    return k.weight > 0 && Math.floor(Math.random() * k.weightTotal) + 1 <= k.weight;
  }
}

function hasReady(c: ClusterRuntime): boolean {
  const e = c.endpoints;
  for (let i = 0; i < e.length; i++) if (e[i].ready) return true;
  return false;
}
