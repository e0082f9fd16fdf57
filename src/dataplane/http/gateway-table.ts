// Gateway API routes compiled at apply time (model/gateway.ts). Per scheme: listeners by hostname
// (exact Map, then suffix wildcards longest first, then the listener without hostname: listener
// isolation, gateway-api conformance gateway-http-listener-isolation); within the chosen listener,
// the request's host bucket the same way; within it, the first rule in precedence order whose
// match holds (httproute_types.go HTTPRouteRule.Matches). No fall-through between buckets.
import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayHost, GatewayListenerModel, GatewayRule, GatewaySnapshot } from '../../model/gateway.ts';
import type { Route } from '../../model/route.ts';
import type { RequestRedirect, UrlRewrite } from '../../model/filters.ts';
import { CompiledMatch } from './gateway-match.ts';
import { CompiledMirror } from './gateway-mirror.ts';
import { CompiledCors } from './gateway-cors.ts';
import { CompiledHeaderModifier } from './header-modifier.ts';
import type { CompiledRoute } from './compiled-route.ts';
import type { UpstreamPolicy } from '../../model/upstream.ts';

/** Suffix-wildcard lookup: exact Map, wildcards longest first, then the catch-all. */
class HostIndex<T> {
  private readonly exact = new Map<string, T>();
  private readonly wildcards: { suffix: string; value: T }[] = [];
  private any: T | null = null;

  add(hostname: string, value: T): void {
    if (hostname === '') this.any = value;
    else if (hostname.startsWith('*.')) this.wildcards.push({ suffix: hostname.slice(1), value });
    else this.exact.set(hostname, value);
  }

  seal(): void {
    this.wildcards.sort((a, b) => b.suffix.length - a.suffix.length);
  }

  get(host: string | null): T | null {
    if (host !== null) {
      const e = this.exact.get(host);
      if (e !== undefined) return e;
      for (const w of this.wildcards) if (host.length > w.suffix.length && host.endsWith(w.suffix)) return w.value;
    }
    return this.any;
  }
}

/** One weighted backend: its compiled route (cluster + metrics), `unresolved` ⇒ 500. */
export interface GatewayBackend {
  readonly route: CompiledRoute;
  readonly unresolved: boolean;
  readonly weight: number;
}

export class CompiledGatewayRule {
  readonly rule: GatewayRule;
  readonly match: CompiledMatch;
  readonly listener: CompiledListener;
  readonly redirect: RequestRedirect | null;
  readonly rewrite: UrlRewrite | null;
  readonly requestHeaders: CompiledHeaderModifier | null;
  readonly responseHeaders: CompiledHeaderModifier | null;
  readonly backends: readonly GatewayBackend[];
  /** For metrics and the 500 answer of a rule without usable backends. */
  readonly fallbackRoute: CompiledRoute;
  /** RequestMirror filters with their clusters (gateway-mirror.ts); empty for most rules. */
  readonly mirrors: readonly CompiledMirror[];
  /** HTTPRoute CORS filter (gateway-cors.ts), or null. */
  readonly cors: CompiledCors | null;
  readonly mirrorRoutes: readonly CompiledRoute[];
  /** HTTPRoute timeouts: the smaller of request and backendRequest, in ms; undefined when none. */
  readonly deadlineMs: number | undefined;
  private readonly totalWeight: number;
  /** Smooth weighted round-robin state (nginx's algorithm): deterministic, no random numbers. */
  private readonly current: number[];

  constructor(rule: GatewayRule, listener: CompiledListener, compile: (r: Route) => CompiledRoute) {
    this.rule = rule;
    this.match = new CompiledMatch(rule.match);
    this.listener = listener;
    this.redirect = rule.filters.redirect;
    this.rewrite = rule.filters.rewrite;
    this.requestHeaders = rule.filters.requestHeaders === null ? null : new CompiledHeaderModifier(rule.filters.requestHeaders);
    this.responseHeaders = rule.filters.responseHeaders === null ? null : new CompiledHeaderModifier(rule.filters.responseHeaders);
    this.backends = rule.backends.map((b, i) => ({
      route: compile(modelRoute(`${rule.id}@${i}`, rule.route, b.clusterId, b.reason, b.service, b.upstream ?? fallbackUpstream(rule))),
      unresolved: b.clusterId === null,
      weight: b.weight,
    }));
    this.fallbackRoute = compile(modelRoute(rule.id, rule.route, null, rule.filters.redirect !== null ? 'Redirect' : 'NoBackend', '', fallbackUpstream(rule)));
    this.totalWeight = this.backends.reduce((s, b) => s + b.weight, 0);
    this.mirrorRoutes = (rule.mirrors ?? []).map((m, i) => compile(modelRoute(`${rule.id}~mirror${i}`, rule.route, m.clusterId, m.clusterId === null ? 'BackendNotFound' : null, m.service, undefined)));
    this.mirrors = (rule.mirrors ?? []).map((m, i) => new CompiledMirror(m, this.mirrorRoutes[i].cluster));
    this.cors = rule.cors === undefined ? null : new CompiledCors(rule.cors);
    const t = rule.timeouts;
    const limits = t === undefined ? [] : [t.requestMs, t.backendRequestMs].filter((x): x is number => x !== null);
    this.deadlineMs = limits.length === 0 ? undefined : Math.min(...limits);
    this.current = this.backends.map(() => 0);
  }

  /** The backend for the next request, or null when the rule has none. */
  pick(): GatewayBackend | null {
    const bs = this.backends;
    if (bs.length <= 1) return bs.length === 0 ? null : bs[0];
    let best = 0;
    const cur = this.current;
    for (let i = 0; i < bs.length; i++) {
      cur[i] += bs[i].weight;
      if (cur[i] > cur[best]) best = i;
    }
    cur[best] -= this.totalWeight;
    return bs[best];
  }
}

export class CompiledListener {
  readonly model: GatewayListenerModel;
  readonly hosts = new HostIndex<readonly CompiledGatewayRule[]>();
  /** The same index giving the bucket's hostname, for explain. */
  readonly hostnames = new HostIndex<string>();
  readonly rules: CompiledGatewayRule[] = [];

  constructor(model: GatewayListenerModel, compile: (r: Route) => CompiledRoute) {
    this.model = model;
    for (const h of model.hosts) {
      const rules = compileHost(h, this, compile);
      this.rules.push(...rules);
      this.hosts.add(h.hostname, rules);
      this.hostnames.add(h.hostname, h.hostname);
    }
    this.hosts.seal();
    this.hostnames.seal();
  }
}

function compileHost(h: GatewayHost, l: CompiledListener, compile: (r: Route) => CompiledRoute): CompiledGatewayRule[] {
  return h.rules.map((r) => new CompiledGatewayRule(r, l, compile));
}

export class GatewayTable {
  private readonly http = new HostIndex<CompiledListener>();
  private readonly https = new HostIndex<CompiledListener>();
  readonly hasHttps: boolean;
  /** Every compiled rule, for `routes()`. */
  private readonly rules: CompiledGatewayRule[] = [];

  constructor(g: GatewaySnapshot, compile: (r: Route) => CompiledRoute) {
    let hasHttps = false;
    for (const m of g.listeners) {
      const l = new CompiledListener(m, compile);
      this.rules.push(...l.rules);
      if (m.scheme === 'https') hasHttps = true;
      (m.scheme === 'http' ? this.http : this.https).add(m.hostname, l);
    }
    this.http.seal();
    this.https.seal();
    this.hasHttps = hasHttps;
  }

  /** The compiled routes of every backend (the dataplane keeps their route balancers). */
  *routes(): Iterable<CompiledRoute> {
    for (const r of this.rules) {
      yield r.fallbackRoute;
      for (const b of r.backends) yield b.route;
      yield* r.mirrorRoutes;
    }
  }

  listenerFor(scheme: 'http' | 'https', host: string | null): CompiledListener | null {
    return (scheme === 'http' ? this.http : this.https).get(host);
  }

  /** The winning rule, or null: then the Ingress rules are consulted (README "Gateway API"). */
  resolve(scheme: 'http' | 'https', host: string | null, path: string, method: string, headers: () => IncomingHttpHeaders, forward: string): CompiledGatewayRule | null {
    const l = this.listenerFor(scheme, host);
    if (l === null) return null;
    const rules = l.hosts.get(host);
    if (rules === null) return null;
    let hs: IncomingHttpHeaders | null = null;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i];
      if (!r.match.testPath(path)) continue;
      if (r.match.needsRequest && !r.match.testRequest(method, (hs ??= headers()), forward)) continue;
      return r;
    }
    return null;
  }
}

/** A model Route for one backend, so the compiled route (cluster runtime, metrics) is the same class. */
function modelRoute(id: string, routeKey: string, clusterId: string | null, reason: string | null, service: string, upstream: UpstreamPolicy | undefined): Route {
  return {
    ...(upstream === undefined ? {} : { upstream }),
    id,
    origin: { ingress: routeKey, rule: -1, path: -1 },
    match: { type: 'Prefix', path: '/' },
    backend: clusterId === null ? { kind: 'unavailable', reason: reason ?? 'BackendNotFound' } : { kind: 'cluster', clusterId },
    service,
    sslRedirect: false,
  };
}

/**
 * A GRPCRoute rule's errors are gRPC statuses even for a call that is not recognisably gRPC
 * (grpcroute_types.go GRPCRouteRule.BackendRefs: UNAVAILABLE for an invalid backend's share).
 */
const GRPC_ERRORS: UpstreamPolicy = {
  protocol: 'GRPC', protocolSource: 'default', tls: null, connectTimeoutMs: null, readTimeoutMs: null, sendTimeoutMs: null, retry: null, maxBodyBytes: null,
};

function fallbackUpstream(rule: GatewayRule): UpstreamPolicy | undefined {
  return rule.kind === 'GRPCRoute' ? GRPC_ERRORS : undefined;
}
