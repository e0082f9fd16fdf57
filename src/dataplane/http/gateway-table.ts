// Gateway API routes compiled at apply time (model/gateway.ts). Per scheme and port: listeners by hostname
// (exact Map, then suffix wildcards longest first, then the listener without hostname: listener
// isolation, gateway-api conformance gateway-http-listener-isolation); within the chosen listener,
// the request's host bucket the same way; within it, the first rule in precedence order whose
// match holds (httproute_types.go HTTPRouteRule.Matches). No fall-through between buckets.
import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayHost, GatewayListenerModel, GatewayRule, GatewaySnapshot } from '../../model/gateway.ts';
import type { Route } from '../../model/route.ts';
import type { HeaderModifier, RequestRedirect, UrlRewrite } from '../../model/filters.ts';
import { CompiledMatch } from './gateway-match.ts';
import { CompiledMirror } from './gateway-mirror.ts';
import { CompiledCors } from './gateway-cors.ts';
import { CompiledHeaderModifier } from './header-modifier.ts';
import type { CompiledRoute } from './compiled-route.ts';
import type { UpstreamPolicy } from '../../model/upstream.ts';
import type { ClusterRuntime } from '../upstream/cluster-runtime.ts';
import { plainEqual } from '../../util/plain-equal.ts';
import { liveRuntime } from './route-table.ts';

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
  /** The backendRef's RequestHeaderModifier (after the rule's), or null. */
  readonly requestHeaders: CompiledHeaderModifier | null;
  /** The rule's ResponseHeaderModifier with the backendRef's on top, when the backendRef has one; else null (the rule's applies). */
  readonly responseHeaders: { readonly model: HeaderModifier; readonly compiled: CompiledHeaderModifier } | null;
}

export class CompiledGatewayRule {
  readonly rule: GatewayRule;
  readonly match: CompiledMatch;
  /** Re-pointed when a new table keeps this rule (CompiledListener: same id, scheme and ports). */
  listener: CompiledListener;
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
    this.backends = rule.backends.map((b, i) => {
      const response = b.responseHeaders === undefined ? null : overlayModifiers(rule.filters.responseHeaders, b.responseHeaders);
      return {
        route: compile(modelRoute(`${rule.id}@${i}`, rule.route, b.clusterId, b.reason, b.service, b.upstream ?? fallbackUpstream(rule))),
        unresolved: b.clusterId === null,
        weight: b.weight,
        requestHeaders: b.requestHeaders === undefined ? null : new CompiledHeaderModifier(b.requestHeaders),
        responseHeaders: response === null ? null : { model: response, compiled: new CompiledHeaderModifier(response) },
      };
    });
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

  /** Whether every compiled route of the rule still holds its cluster's live runtime (route-table.ts liveRuntime). */
  live(runtimeOf: (clusterId: string) => ClusterRuntime | undefined): boolean {
    return liveRuntime(this.fallbackRoute, runtimeOf) && this.backends.every((b) => liveRuntime(b.route, runtimeOf)) &&
      this.mirrorRoutes.every((m) => liveRuntime(m, runtimeOf));
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
  /** The port this listener is bound on (its declared port plus --gateway-port-offset). */
  readonly bindPort: number;

  /** The compiled rules of each host bucket with the model they were compiled from (reuse below). */
  private readonly compiledHosts = new Map<string, { readonly host: GatewayHost; readonly rules: readonly CompiledGatewayRule[] }>();

  /**
   * `previous`: this listener in the table being replaced, or null. A host whose rules are equal to
   * the ones it had there, on the same listener ports, keeps its compiled rules (their weighted
   * round-robin state included) while their clusters' runtimes are the live ones, as RouteTable
   * keeps unchanged hosts: one route change compiles only that route's hosts.
   */
  constructor(model: GatewayListenerModel, compile: (r: Route) => CompiledRoute, previous: CompiledListener | null = null,
    runtimeOf: (clusterId: string) => ClusterRuntime | undefined = () => undefined) {
    this.model = model;
    this.bindPort = model.bindPort ?? model.port;
    const old = previous !== null && samePlace(previous, this) ? previous : null;
    for (const h of model.hosts) {
      const was = old?.compiledHosts.get(h.hostname);
      let rules: readonly CompiledGatewayRule[];
      if (was !== undefined && plainEqual(was.host, h) && was.rules.every((r) => r.live(runtimeOf))) {
        for (const r of was.rules) r.listener = this;
        rules = was.rules;
      } else rules = h.rules.map((r) => new CompiledGatewayRule(r, this, compile));
      this.compiledHosts.set(h.hostname, { host: h, rules });
      this.rules.push(...rules);
      this.hosts.add(h.hostname, rules);
      this.hostnames.add(h.hostname, h.hostname);
    }
    this.hosts.seal();
    this.hostnames.seal();
  }
}

/** Same listener on the same ports: its rules' redirects and 421 checks read these. */
function samePlace(a: CompiledListener, b: CompiledListener): boolean {
  const x = a.model;
  const y = b.model;
  return x.id === y.id && x.scheme === y.scheme && x.port === y.port && a.bindPort === b.bindPort && x.hostname === y.hostname;
}

export class GatewayTable {
  /**
   * Listeners by `scheme:port bound` (GatewayListenerModel.bindPort): a request is routed only by
   * the listeners of the port it arrived on (gateway_types.go Listener.Port; conformance
   * httproute-listener-port-matching: a route attached to the listener on one port is not
   * reachable on another).
   */
  private readonly byPort = new Map<string, HostIndex<CompiledListener>>();
  readonly hasHttps: boolean;
  /** Every compiled rule, for `routes()`. */
  private readonly rules: CompiledGatewayRule[] = [];

  /** Listeners by id, for the next table to reuse (CompiledListener `previous`). */
  private readonly byId = new Map<string, CompiledListener>();

  constructor(g: GatewaySnapshot, compile: (r: Route) => CompiledRoute, previous: GatewayTable | null = null,
    runtimeOf: (clusterId: string) => ClusterRuntime | undefined = () => undefined) {
    let hasHttps = false;
    for (const m of g.listeners) {
      const l = new CompiledListener(m, compile, previous?.byId.get(m.id) ?? null, runtimeOf);
      this.byId.set(m.id, l);
      this.rules.push(...l.rules);
      if (m.scheme === 'https') hasHttps = true;
      const key = `${m.scheme}:${l.bindPort}`;
      let index = this.byPort.get(key);
      if (index === undefined) this.byPort.set(key, (index = new HostIndex<CompiledListener>()));
      index.add(m.hostname, l);
    }
    for (const index of this.byPort.values()) index.seal();
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

  /**
   * The listener of `port` (the one the connection arrived on) for `host`. `port` null (explain,
   * which has no connection): the first port of the scheme with a listener for the host.
   */
  listenerFor(scheme: 'http' | 'https', port: number | null, host: string | null): CompiledListener | null {
    if (port !== null) return this.byPort.get(`${scheme}:${port}`)?.get(host) ?? null;
    for (const [key, index] of this.byPort) {
      if (!key.startsWith(`${scheme}:`)) continue;
      const l = index.get(host);
      if (l !== null) return l;
    }
    return null;
  }

  /** The listener for `host` among those declaring `port` (explain: the port clients connect to). */
  listenerOnDeclaredPort(scheme: 'http' | 'https', port: number, host: string | null): CompiledListener | null {
    for (const [key, index] of this.byPort) {
      if (!key.startsWith(`${scheme}:`)) continue;
      const l = index.get(host);
      if (l !== null && l.model.port === port) return l;
    }
    return null;
  }


  /** The winning rule, or null: then the Ingress rules are consulted (README "Gateway API"). */
  resolve(scheme: 'http' | 'https', port: number, host: string | null, path: string, method: string, headers: () => IncomingHttpHeaders, forward: string): CompiledGatewayRule | null {
    const l = this.listenerFor(scheme, port, host);
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

/**
 * `top` applied over `base` as one modifier: `top`'s set and remove win for their names, adds of
 * both are kept (the backendRef's ResponseHeaderModifier over the rule's; CORS over both).
 */
export function overlayModifiers(base: HeaderModifier | null, top: HeaderModifier): HeaderModifier {
  if (base === null) return top;
  const names = new Set([...top.set.map(([n]) => n), ...top.remove]);
  return { set: [...base.set.filter(([n]) => !names.has(n)), ...top.set], add: [...base.add, ...top.add], remove: [...base.remove.filter((n) => !names.has(n)), ...top.remove] };
}
