// The HTTP dataplane (README "Routing rules"): Snapshot → compiled RouteTable (one reference
// swap per apply), request → host bucket → route → cluster → endpoint → forward.
// ARCHITECTURE.md hot path: synchronous from 'request' to the forward call (no await); routes are
// compiled at apply time; in-flight requests keep the route object they resolved.

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { Route } from '../../model/route.ts';
import type { Endpoint, EndpointSet } from '../../model/endpoint.ts';
import { APPLIED, type ApplyResult, type Dataplane } from '../../model/dataplane.ts';
import { emptySnapshot, type Snapshot } from '../../model/snapshot.ts';
import { PorticoError } from '../../util/errors.ts';
import type { RouteStats } from '../../util/route-metrics.ts';
import { EndpointRegistry } from '../upstream/endpoint-state.ts';
import { ClusterRuntimes, type ClusterRuntime } from '../upstream/cluster-runtime.ts';
import { HealthCheckers, httpCheckHooks } from '../health/health-checkers.ts';
import { CompiledRoute } from './compiled-route.ts';
import { publishUpstreamInfo } from './upstream-info.ts';
import { RouteTable } from './route-table.ts';
import { normalizeHost, parseTarget, type EscapedSlashes } from './request-target.ts';
import { screenRequest, type ScreenOptions } from './request-screen.ts';
import { armBodyTimeout } from './client-timeouts.ts';
import { bufferBody, bufferableLength, responseGone } from './request-buffer.ts';
import { TrustedProxies, clientAddress, findHost, upstreamHeaderList, upstreamRequestHeaders, type ForwardInfo } from './forwarded-headers.ts';
import { Forwarder, type ForwardTarget } from './forwarder.ts';
import { sendError, sendText, setVerboseErrors, type AnyResponse } from './error-response.ts';
import { RequestContext } from './request-context.ts';
import { AccessLog, writeRawError } from './access-log.ts';
import { RequestDecorator } from './request-decorator.ts';
import { explainRequest, type Explanation } from './explain.ts';
import { GatewayTable, type CompiledGatewayRule } from './gateway-table.ts';
import { serveGatewayRule, upgradeTarget, type GatewayServeHost } from './gateway-serve.ts';
import { Mirrorer, mirrorThenForward } from './gateway-mirror.ts';
import { explainGateway } from './gateway-explain.ts';
import { applyInOrder, type CompiledHeaderModifier } from './header-modifier.ts';
import { rawHeader, type ExpandContext } from './route-actions.ts';
import { CompiledUpstream } from '../upstream/compiled-upstream.ts';
import { UpstreamProfiles } from '../upstream/upstream-profile.ts';
import { declaredLength } from './request-body.ts';
import { isGrpcRequest, sendGrpcError } from './grpc-error.ts';
import { Agent } from 'undici';
import { resolveClientAddress } from './client-address.ts';
import { compilePolicies, type PolicyDeps } from './policies/chain.ts';
import { Lru } from './policies/lru.ts';
import type { PolicyRequest } from './policies/policy.ts';
import { peerSocket } from './policies/peer-socket.ts';
import { applySet, applySetObject, sendDenial, writeRawDenial } from './policies/respond.ts';
import { dataplaneHandOffReason, leanViewOf, type LeanView, type LeanViewSource } from '../http1/lean-view.ts';
import { explainEngine } from '../http1/explain-engine.ts';

export type { Explanation } from './explain.ts';

export type { HttpDataplaneOptions } from './http-dataplane-options.ts';
import type { HttpDataplaneOptions } from './http-dataplane-options.ts';

type AnyRequest = IncomingMessage | Http2ServerRequest;

/** Bounds of the shared verification caches (src/dataplane/http/policies/). */
const VERIFIED_CACHE_SIZE = 10_000;
const AUTH_CACHE_SIZE = 10_000;

const kCtx = Symbol('portico.requestContext');

export class HttpDataplane implements Dataplane {
  readonly name = 'http';
  private readonly opts: HttpDataplaneOptions;
  /** Port in 308 redirect URLs; settable because an ephemeral HTTPS port is known only after listen. */
  private redirectPort: number | null;
  private readonly trusted: TrustedProxies;
  private readonly runtimes: ClusterRuntimes;
  /** Active health checks of the clusters that ask for them (dataplane/health). */
  private readonly health: HealthCheckers;
  private readonly forwarder: Forwarder;
  /** Upstream connection profiles (TLS, HTTP/2, own connect timeout), shared across snapshots. */
  private readonly profiles: UpstreamProfiles;
  private readonly maxBodyBytes: number;
  private table: RouteTable;
  private passthrough: ReadonlyMap<string, { clusterId: string | null; ingress: string }> | null = null;
  /** Gateway API routes (gateway-table.ts), null when the snapshot has none: Ingress-only costs one check. */
  private gateway: GatewayTable | null = null;
  /** `scheme:port` of every port a Gateway listener had of its own: never Ingress, even while a removed one drains. */
  private readonly gatewayPorts = new Set<string>();
  private readonly gatewayHost: GatewayServeHost;
  /** RequestMirror copies (gateway-mirror.ts). */
  private readonly mirrorer = new Mirrorer();
  private readonly screen: ScreenOptions;
  private readonly escapedSlashes: EscapedSlashes;
  private readonly accessLog: AccessLog;
  /** Request ids, tracing, request kept for the log; null when all are off (one check per request). */
  private readonly decorator: RequestDecorator | null;
  /** Shared 'close' listener of every response (this = the response). */
  private readonly onResponseClose: (this: AnyResponse) => void;
  /** Shared by the routes' policy chains; survives reloads. */
  private readonly policyDeps: PolicyDeps;
  private readonly authAgent: Agent;

  constructor(opts: HttpDataplaneOptions) {
    this.opts = opts;
    this.runtimes = new ClusterRuntimes(new EndpointRegistry(), {
      onEject: (cluster, endpoint, reason, ms) => {
        opts.metrics.upstreamEjections.labels(cluster, reason).inc();
        opts.logger.warn({ cluster, endpoint, reason, ejectedMs: ms }, 'endpoint ejected by passive health');
      },
      onPanic: (cluster) => opts.metrics.upstreamPanics.labels(cluster).inc(),
    });
    this.health = new HealthCheckers('http', httpCheckHooks(opts.metrics, opts.logger), opts.healthChecks);
    const dp = this;
    this.onResponseClose = function onResponseClose(this: AnyResponse): void {
      const ctx = (this as unknown as Record<symbol, RequestContext>)[kCtx];
      if (ctx.upstream !== null) ctx.upstream.clientClosed();
      dp.finish(ctx, this);
    };
    this.accessLog = new AccessLog(opts.logger, opts.accessLog?.format, opts.accessLog?.fields);
    this.decorator = RequestDecorator.create({ requestIds: opts.requestIds ?? false, keepRequest: this.accessLog.needsRequest, tracer: opts.tracer ?? null });
    this.redirectPort = opts.httpsPort;
    this.screen = { allowTrace: opts.allowTrace ?? false, maxHeaderCount: opts.maxHeaderCount ?? 100 };
    if (opts.verboseErrors !== undefined) setVerboseErrors(opts.verboseErrors);
    this.escapedSlashes = opts.escapedSlashes ?? 'keep';
    this.trusted = new TrustedProxies(opts.trustProxy);
    this.forwarder = new Forwarder({ connectTimeoutMs: opts.connectTimeoutMs, upstreamTimeoutMs: opts.upstreamTimeoutMs, metrics: opts.metrics,
      clientSendTimeoutMs: opts.clientSendTimeoutMs ?? 0, maxConnectionsPerEndpoint: opts.upstreamMaxConnections ?? 0, logger: opts.logger });
    this.profiles = new UpstreamProfiles(opts.upstreamTimeoutMs, opts.upstreamMaxConnections ?? 0);
    this.maxBodyBytes = opts.maxBodyBytes ?? 0;
    this.noRouteStats = opts.metrics.http.for('', '');
    const authTimeoutMs = opts.authTimeoutMs ?? 5_000;
    this.authAgent = new Agent({ connect: { timeout: authTimeoutMs }, keepAliveTimeout: 30_000, connections: 128 });
    this.policyDeps = {
      verified: new Lru<true>(VERIFIED_CACHE_SIZE),
      externalAuth: { dispatcher: this.authAgent, cache: new Lru(AUTH_CACHE_SIZE), timeoutMs: authTimeoutMs, cluster: (id) => this.runtimes.get(id) },
      rateLimit: { reqStatus: opts.limitReqStatusCode ?? 503, connStatus: opts.limitConnStatusCode ?? 503, maxClients: Math.max(1, opts.limitClients ?? 16_384) },
    };
    this.gatewayHost = {
      reject: (req, res, ctx, err) => this.reject(req, res, ctx, err),
      forward: (req, res, ctx, rule, scheme, hostHeader, path, responseHeaders, backendHeaders) => this.forwardGateway(req, res, ctx, rule, scheme, hostHeader, path, responseHeaders, backendHeaders),
    };
    this.table = new RouteTable(emptySnapshot(), () => {
      throw new Error('empty snapshot has no routes');
    });
  }

  /** The lean HTTP/1.1 engine's view of this dataplane (src/dataplane/http1/lean-view.ts). */
  leanView(): LeanView {
    return leanViewOf(this.leanSource());
  }

  private leanSource(): LeanViewSource {
    const dp = this;
    return { opts: this.opts, escapedSlashes: this.escapedSlashes, trusted: this.trusted, maxBodyBytes: this.maxBodyBytes,
      needsRequest: this.accessLog.needsRequest, decorator: this.decorator, table: () => dp.table, gatewayOn: () => dp.gateway !== null,
      record: (ctx) => dp.record(ctx), logInfo: () => dp.logInfo };
  }

  /** Whether access-log lines are written (bytes are counted only then). */
  private get logInfo(): boolean { return this.opts.logger.isLevelEnabled('info'); }

  get snapshotVersion(): number {
    return this.table.version;
  }

  /** Compile, then one reference swap. Cluster runtimes with the same id survive (balancer kept). */
  apply(snapshot: Snapshot, endpoints: EndpointSet): ApplyResult {
    this.runtimes.reconcile(snapshot.clusters, endpoints);
    const compiled = new Map<string, CompiledRoute>();
    const compile = (r: Route): CompiledRoute => {
      let c = compiled.get(r.id);
      if (c === undefined || c.route !== r) {
        const rt = r.backend.kind === 'cluster' ? this.runtimes.get(r.backend.clusterId) ?? null : null;
        c = new CompiledRoute(r, rt, this.opts.metrics, this.compileUpstream(r, rt), (id) => this.runtimes.get(id) ?? null,
          compilePolicies(r.access, this.policyDeps));
        compiled.set(r.id, c);
      }
      return c;
    };
    const table = new RouteTable(snapshot, compile, this.table, (id) => this.runtimes.get(id));
    const gateway = snapshot.gateway === undefined ? null : new GatewayTable(snapshot.gateway, compile, this.gateway, (id) => this.runtimes.get(id));
    for (const p of snapshot.gateway?.ports ?? []) this.gatewayPorts.add(`${p.scheme}:${p.port}`);
    this.table = table;
    this.gateway = gateway;
    // TLS passthrough hosts (README "TLS passthrough"), for explain only: the TLS front relays them.
    this.passthrough = snapshot.passthrough === undefined ? null : new Map(snapshot.passthrough.map((h) => [h.hostname, { clusterId: h.clusterId, ingress: h.ingress }]));
    const routes = (): Iterable<CompiledRoute> => gateway === null ? table.routes() : [...table.routes(), ...gateway.routes()];
    this.runtimes.endApply(routes);
    // Upstream profiles no route uses any more are freed (upstream-profile.ts prune).
    this.profiles.prune(routes(), () => this.runtimes.registry.values());
    this.health.sync(this.runtimes.values());
    this.opts.metrics.upstreamInfoSource = (g) => publishUpstreamInfo(g, snapshot);
    return APPLIED;
  }

  /** Null for a route with neither a policy nor a global body limit: the default path, no checks. */
  private compileUpstream(r: Route, rt: ClusterRuntime | null): CompiledUpstream | null {
    if (r.upstream === undefined && this.maxBodyBytes === 0) return null;
    const svcDns = rt === null ? '' : rt.cluster.kind === 'external-name' ? (rt.cluster.externalName ?? '') : `${rt.cluster.service}.${rt.cluster.namespace}.svc`;
    return new CompiledUpstream(r.upstream ?? null, svcDns, this.profiles, { connectTimeoutMs: this.opts.connectTimeoutMs, maxBodyBytes: this.maxBodyBytes });
  }

  /** EndpointSlice fast path: no rebuild, the cluster's balancer is updated in place. */
  updateEndpoints(clusterId: string, endpoints: readonly Endpoint[]): void {
    this.runtimes.get(clusterId)?.updateEndpoints(endpoints);
  }

  /** Verdicts of the active checks run by another process (worker processes, health-checkers.ts 'remote'). */
  setUnhealthy(clusterId: string, endpointIds: readonly string[]): void {
    this.health.setUnhealthy(clusterId, endpointIds);
  }

  handleRequest(req: AnyRequest, res: ServerResponse | Http2ServerResponse, scheme: 'http' | 'https', port = 0): void {
    const start = performance.now();
    const target = parseTarget(req.url ?? '/', this.escapedSlashes);
    // HTTP/1: Host from rawHeaders, so Node never builds req.headers for us (docs/benchmarks/http.md).
    // HTTP/2 is the stream object, not the version claimed: Node's HTTP/1 parser reports 2 for
    // 'GET / HTTP/2.0' (request-screen.ts answers that one with 505).
    const h2 = req.httpVersionMajor === 2 && (req as Http2ServerRequest).stream !== undefined;
    const rawHost = target.authority ?? (h2
      ? (req.headers[':authority'] as string | undefined) ?? req.headers.host
      : findHost(req.rawHeaders));
    const host = normalizeHost(rawHost);
    const peer = clientAddress(req.socket?.remoteAddress);
    const ctx = new RequestContext(start, req.method ?? 'GET', host, target.path, resolveClientAddress(peer, req.rawHeaders, this.trusted), peer);
    // One shared 'close' listener (no closure per request): access log, metrics, upstream abort.
    (res as unknown as Record<symbol, RequestContext>)[kCtx] = ctx;
    res.on('close', this.onResponseClose);

    if (screenRequest(req, res, ctx, h2, this.screen)) return;
    if (target.error !== null) {
      this.reject(req, res, ctx, new PorticoError('PORTICO_ERR_BAD_REQUEST', target.error));
      return;
    }
    // Gateway API rules first; a request none of them matches goes to the Ingress rules.
    const gw = this.gateway;
    if (gw !== null) {
      const rule = gw.resolve(scheme, port, host, target.path, ctx.method, () => req.headers, target.forward);
      if (rule !== null) {
        serveGatewayRule(this.gatewayHost, gw, rule, req, res, ctx, scheme, rawHost, host, target);
        return;
      }
    }
    const route = this.gatewayPorts.size === 0 || !this.gatewayPorts.has(`${scheme}:${port}`) ? this.table.resolve(host, target.path) : null;
    ctx.route = route;
    if (route === null) {
      this.reject(req, res, ctx, new PorticoError('PORTICO_ERR_ROUTE_NOT_FOUND',
        `no rule matched host ${JSON.stringify(host ?? '')} path ${JSON.stringify(target.path)}`));
      return;
    }
    // Routing annotations (route-actions.ts): redirects answered here, rewrite, backend choice.
    const act = route.actions;
    let forward = target.forward;
    let cluster = route.cluster;
    let prefix: string | null = null;
    if (act !== null) {
      const ec: ExpandContext = { scheme, host: host ?? '', httpHost: rawHost ?? '', path: target.path, requestUri: target.forward };
      const groups = act.groups(target.path);
      if (groups === null) {
        this.reject(req, res, ctx, new PorticoError('PORTICO_ERR_URI_TOO_LONG', 'path too long for the regex rewrite of this route'));
        return;
      }
      const answer = act.answer(ec, groups);
      if (answer !== null) {
        ctx.status = answer.status;
        if (!req.readableEnded) req.resume();
        sendText(res, answer.status, 'redirecting\n', { location: answer.location });
        return;
      }
      forward = act.upstreamPath(ec, groups);
      cluster = act.pickCluster(req.rawHeaders, cluster, act.affinity === null ? null
        : { clientIp: ctx.clientIp, url: req.url ?? '/', path: target.path, host, rawHeaders: req.rawHeaders });
      prefix = act.forwardedPrefix(ec);
    }
    // force-ssl-redirect behind a TLS-terminating proxy: its X-Forwarded-Proto counts when the
    // peer is trusted (--trust-proxy), as ingress-nginx's use-forwarded-headers.
    if (scheme === 'http' && route.sslRedirect && host !== null &&
      !(this.trusted.has(ctx.peerIp) && rawHeader(req.rawHeaders, 'x-forwarded-proto')?.trim().toLowerCase() === 'https')) {
      // README "TLS" / SPEC §1.9: 308 keeps the method and body.
      ctx.status = 308;
      if (!req.readableEnded) req.resume();
      sendText(res, 308, 'redirecting to https\n', { location: this.httpsUrl(host, target.forward) });
      return;
    }
    // Access policies (src/dataplane/http/policies/chain.ts), only on routes that have them; after
    // the redirects, as nginx's access phase follows its rewrite phase.
    if (route.policies !== null) {
      const upstreamHost = act?.upstreamHost ?? null;
      route.policies.run(this.policyRequest(req, scheme, rawHost, ctx.clientIp, res), {
        deny: (d) => {
          ctx.status = d.status;
          ctx.error = d.code;
          if (!req.readableEnded) req.resume();
          sendDenial(res, d);
        },
        proceed: (set, respond) => {
          if (!res.destroyed && !res.writableEnded) this.forwardRequest(req, res, ctx, route, scheme, rawHost, { forward, cluster, prefix, upstreamHost, path: target.path, host }, set, respond);
        },
      });
      return;
    }
    this.forwardRequest(req, res, ctx, route, scheme, rawHost, { forward, cluster, prefix, upstreamHost: act?.upstreamHost ?? null, path: target.path, host }, null, null);
  }

  private policyRequest(req: AnyRequest, scheme: 'http' | 'https', rawHost: string | undefined, clientIp: string,
    closes: { once(event: 'close', fn: () => void): unknown }): PolicyRequest {
    return {
      method: req.method ?? 'GET', scheme, host: rawHost ?? null, uri: req.url ?? '/', raw: req.rawHeaders, clientIp,
      tls: scheme === 'https' ? peerSocket(req) : null,
      onClose: (fn) => void closes.once('close', fn),
    };
  }

  /** The proxying half of handleRequest, after every policy let the request through. */
  private forwardRequest(req: AnyRequest, res: ServerResponse | Http2ServerResponse, ctx: RequestContext, route: CompiledRoute, scheme: 'http' | 'https',
    rawHost: string | undefined, to: { forward: string; cluster: ClusterRuntime | null; prefix: string | null; upstreamHost: string | null; path: string; host: string | null },
    set: readonly (readonly [string, string])[] | null, respond: readonly string[] | null): void {
    const h2 = req.httpVersionMajor === 2 && (req as Http2ServerRequest).stream !== undefined;
    const { forward, cluster, prefix } = to;
    if (cluster === null) {
      this.reject(req, res, ctx, new PorticoError('PORTICO_ERR_BACKEND_UNAVAILABLE',
        route.unavailableMessage ?? 'backend unavailable'));
      return;
    }
    const info: ForwardInfo = {
      clientIp: ctx.peerIp,
      realIp: ctx.clientIp,
      scheme,
      host: rawHost ?? null,
      localPort: req.socket?.localPort,
      trusted: this.trusted.has(ctx.peerIp),
      upgrade: false,
      hasBody: false,
      upstreamHost: to.upstreamHost,
    };
    const list = upstreamHeaderList(req.rawHeaders, info);
    const headers = set === null ? list : applySet(list, set);
    if (prefix !== null) setHeader(headers, 'x-forwarded-prefix', prefix);
    // The route's balancing on its own cluster, or on its canary's (canary-affinity.ts).
    const rb = route.balancingFor(cluster);
    // HTTP/2: a body follows unless the HEADERS frame ended the stream.
    const hasBody = h2 ? !(req as Http2ServerRequest).stream.endAfterHeaders : info.hasBody === true;
    const up = route.upstream;
    let bodyLimit = 0;
    if (up !== null && up.maxBodyBytes > 0 && hasBody) {
      // proxy-body-size: a declared length over the limit is refused before anything is forwarded.
      const len = declaredLength(req.rawHeaders);
      if (len > up.maxBodyBytes) {
        if (!h2) (res as ServerResponse).setHeader('connection', 'close');
        this.reject(req, res, ctx, new PorticoError('PORTICO_ERR_BODY_TOO_LARGE',
          `request body of ${len} bytes exceeds the ${up.maxBodyBytes}-byte limit of route ${route.id}`));
        return;
      }
      if (len < 0) bodyLimit = up.maxBodyBytes;
    }
    if (hasBody) armBodyTimeout(req, h2, this.opts.clientBodyTimeoutMs ?? 0);
    if (this.decorator !== null) this.decorator.onRequest(ctx, req, headers);
    const fwd: ForwardTarget = {
      cluster,
      // Hash key / affinity cookie (route-balancing.ts); null when the route has none.
      pick: rb === null ? null : rb.request({ clientIp: ctx.clientIp, url: req.url ?? '/', path: to.path, host: to.host, rawHeaders: req.rawHeaders }, scheme === 'https'),
      path: forward,
      headers,
      ...(respond === null ? {} : { policyHeaders: respond }),
      hasBody,
      hsts: scheme === 'https' ? this.opts.hsts : null,
      countBytes: this.logInfo,
      upstream: up,
      profile: up === null ? null : up.profileFor(scheme),
      bodyLimit,
      responseHeaders: null,
      buffered: null,
    };
    // --request-buffering: a body of declared, bounded length is read whole before an upstream
    // connection is taken (request-buffer.ts); anything else streams.
    const buffer = hasBody ? bufferableLength(req, this.opts.requestBufferBytes ?? 0) : -1;
    if (buffer > 0) {
      bufferBody(req, buffer, (body) => {
        if (responseGone(res)) return;
        fwd.buffered = body;
        ctx.upstream = this.forwarder.forward(req, res, ctx, fwd);
      });
      return;
    }
    ctx.upstream = this.forwarder.forward(req, res, ctx, fwd);
  }

  /** The forwarding step of a Gateway API rule (gateway-serve.ts): rewritten path/Host, header filters. */
  private forwardGateway(req: AnyRequest, res: AnyResponse, ctx: RequestContext, rule: CompiledGatewayRule, scheme: 'http' | 'https',
    hostHeader: string | null, path: string, responseHeaders: CompiledHeaderModifier | null, backendHeaders: CompiledHeaderModifier | null): void {
    const h2 = req.httpVersionMajor === 2 && (req as Http2ServerRequest).stream !== undefined;
    const info: ForwardInfo = {
      clientIp: ctx.clientIp, scheme, host: hostHeader, localPort: req.socket?.localPort,
      trusted: this.trusted.has(ctx.clientIp), upgrade: false, hasBody: false,
    };
    const list = upstreamHeaderList(req.rawHeaders, info);
    const headers = applyInOrder(list, rule.requestHeaders, backendHeaders);
    const hasBody = h2 ? !(req as Http2ServerRequest).stream.endAfterHeaders : info.hasBody === true;
    if (hasBody) armBodyTimeout(req, h2, this.opts.clientBodyTimeoutMs ?? 0);
    const route = ctx.route!;
    const up = route.upstream;
    const target: ForwardTarget = {
      cluster: route.cluster!, path, headers, hasBody,
      hsts: scheme === 'https' ? this.opts.hsts : null,
      countBytes: this.logInfo,
      upstream: up,
      profile: up === null ? null : up.profileFor(scheme),
      bodyLimit: 0,
      // Gateway backends use their cluster's own balancer (no route hash keys or cookies).
      pick: null,
      responseHeaders,
      ...(rule.deadlineMs === undefined ? {} : { deadlineMs: rule.deadlineMs }),
    };
    if (rule.mirrors.length === 0) {
      ctx.upstream = this.forwarder.forward(req, res, ctx, target);
      return;
    }
    mirrorThenForward(this.mirrorer, rule.mirrors, req, res, { method: ctx.method, path, headers, clientIp: ctx.clientIp, hasBody },
      (body) => { ctx.upstream = this.forwarder.forward(req, res, ctx, body === null ? target : { ...target, buffered: body }); });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, scheme: 'http' | 'https', port = 0): void {
    const start = performance.now();
    socket.on('error', () => socket.destroy());
    const target = parseTarget(req.url ?? '/', this.escapedSlashes);
    const rawHost = target.authority ?? req.headers.host;
    const host = normalizeHost(rawHost);
    const peer = clientAddress(req.socket?.remoteAddress);
    const ctx = new RequestContext(start, req.method ?? 'GET', host, target.path, resolveClientAddress(peer, req.rawHeaders, this.trusted), peer);
    const route = target.error === null && !this.gatewayPorts.has(`${scheme}:${port}`) ? this.table.resolve(host, target.path) : null;
    ctx.route = route;
    const done = (err: PorticoError | null): void => {
      if (err !== null) {
        ctx.error = err.code;
        ctx.status = err.status;
        writeRawError(socket, err, ctx);
      } else if (ctx.status === 0) {
        ctx.status = 101;
      }
      this.record(ctx);
    };
    if (target.error !== null) {
      done(new PorticoError('PORTICO_ERR_BAD_REQUEST', target.error));
      return;
    }
    // Gateway API rules first, as in handleRequest (gateway-serve.ts upgradeTarget).
    const gw = this.gateway;
    const rule = gw === null ? null : gw.resolve(scheme, port, host, target.path, ctx.method, () => req.headers, target.forward);
    if (rule !== null) {
      const t = upgradeTarget(gw!, rule, req, ctx, scheme, rawHost, host, target);
      if (t.kind === 'error') done(t.error);
      else if (t.kind === 'redirect') {
        ctx.status = t.status;
        socket.end(`HTTP/1.1 ${t.status} Redirect\r\nLocation: ${t.location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
        done(null);
      } else {
        const gh = upstreamRequestHeaders(req.headers, {
          clientIp: ctx.clientIp, scheme, host: t.host, localPort: req.socket?.localPort, trusted: this.trusted.has(ctx.clientIp), upgrade: true,
        });
        for (const m of [rule.requestHeaders, t.headers]) m?.applyToRecord(gh);
        req.url = t.path;
        if (this.decorator !== null) this.decorator.onUpgrade(ctx, req, gh);
        this.forwarder.upgrade(req, socket, head, ctx, t.cluster, gh, done);
      }
      return;
    }
    if (route === null) {
      done(new PorticoError('PORTICO_ERR_ROUTE_NOT_FOUND', `no rule matched host ${JSON.stringify(host ?? '')} path ${JSON.stringify(target.path)}`));
      return;
    }
    const proceed = (set: readonly (readonly [string, string])[] | null): void => {
      const act = route.actions;
      const cluster = act === null ? route.cluster : act.pickCluster(req.rawHeaders, route.cluster, act.affinity === null ? null
        : { clientIp: ctx.clientIp, url: req.url ?? '/', path: target.path, host, rawHeaders: req.rawHeaders });
      if (cluster === null) {
        done(new PorticoError('PORTICO_ERR_BACKEND_UNAVAILABLE', route.unavailableMessage ?? 'backend unavailable'));
        return;
      }
      let headers = upstreamRequestHeaders(req.headers, {
        clientIp: ctx.peerIp, realIp: ctx.clientIp, scheme, host: rawHost ?? null, localPort: req.socket?.localPort,
        trusted: this.trusted.has(ctx.peerIp), upgrade: true,
      });
      if (set !== null) headers = applySetObject(headers, set);
      // Read before a rewrite changes req.url; the canary side has its own (canary-affinity.ts).
      const rb = route.balancingFor(cluster);
      const pick = rb === null ? null : rb.request({ clientIp: ctx.clientIp, url: req.url ?? '/', path: target.path, host, rawHeaders: req.rawHeaders }, scheme === 'https');
      if (act !== null) {
        // Upgrades get the rewrite too (http-proxy-3 forwards req.url); redirects do not apply to them.
        const ec: ExpandContext = { scheme, host: host ?? '', httpHost: rawHost ?? '', path: target.path, requestUri: target.forward };
        req.url = act.upstreamPath(ec, act.groups(target.path) ?? []);
        const prefix = act.forwardedPrefix(ec);
        if (prefix !== null) headers['x-forwarded-prefix'] = prefix;
        if (act.upstreamHost !== null) headers.host = act.upstreamHost;
      }
      if (this.decorator !== null) this.decorator.onUpgrade(ctx, req, headers);
      this.forwarder.upgrade(req, socket, head, ctx, cluster, headers, done, pick);
    };
    // Access policies apply to upgrades too: a WebSocket is never a way around them.
    if (route.policies !== null) {
      route.policies.run(this.policyRequest(req, scheme, rawHost, ctx.clientIp, socket), {
        deny: (d) => {
          ctx.status = d.status;
          ctx.error = d.code;
          writeRawDenial(socket, d);
          this.record(ctx);
        },
        proceed: (set) => {
          if (!socket.destroyed) proceed(set);
        },
      });
      return;
    }
    proceed(null);
  }

  explain(host: string | undefined, path: string, req: { scheme?: 'http' | 'https'; port?: number; method?: string; headers?: IncomingHttpHeaders } = {}): Explanation {
    const e = explainRequest(this.table, host, path, this.escapedSlashes,
      { connectTimeoutMs: this.opts.connectTimeoutMs, upstreamTimeoutMs: this.opts.upstreamTimeoutMs, maxBodyBytes: this.maxBodyBytes });
    const route = e.targetError !== null ? null : this.table.resolve(e.host, e.path);
    e.http1Engine = explainEngine(this.opts.http1Engine ?? 'node', dataplaneHandOffReason(this.leanSource()), route);
    // Gateway API rules are consulted first (handleRequest); null when no Gateway is served.
    if (this.gateway !== null) e.gateway = explainGateway(this.gateway, req.scheme ?? 'http', host, path, req.method ?? 'GET', req.headers ?? {}, this.escapedSlashes, req.port ?? null);
    const pt = e.host === null ? undefined : this.passthrough?.get(e.host);
    return pt === undefined ? e : { ...e, tlsPassthrough: pt };
  }

  /** Dashboard: a served cluster's endpoints with in-flight count and passive health; null if unused. */
  endpointHealth(clusterId: string): { id: string; ready: boolean; inflight: number; healthy: boolean }[] | null {
    const rt = this.runtimes.get(clusterId);
    if (rt === undefined) return null;
    const now = Date.now();
    return rt.endpoints.map((e) => {
      const s = rt.states.get(e.id);
      return { id: e.id, ready: e.ready, inflight: s?.inflight ?? 0, healthy: s?.healthy(now) ?? true };
    });
  }

  /**
   * Release upstream pools. The listeners in front (HTTP, HTTPS) bound the in-flight requests and
   * are closed first with the drain (app.ts shutdown order), so there is nothing left to wait for.
   */
  close(_drainMs = 0): Promise<void> {
    this.forwarder.close();
    void this.mirrorer.close();
    this.profiles.close();
    void this.authAgent.close().catch(() => {});
    this.runtimes.registry.destroyPools();
    return Promise.resolve();
  }

  /** The HTTPS port redirects point at (443 is left out of the URL). */
  setHttpsPort(port: number | null): void {
    this.redirectPort = port;
  }

  private httpsUrl(host: string, forward: string): string {
    const port = this.redirectPort;
    const h = port === null || port === 443 ? host : `${host}:${port}`;
    return `https://${h}${forward}`;
  }

  private reject(req: AnyRequest, res: AnyResponse, ctx: RequestContext, err: PorticoError): void {
    ctx.status = err.status;
    ctx.error = err.code;
    // Drain an unread body so the keep-alive connection stays usable.
    if (!req.readableEnded) req.resume();
    // A gRPC call gets a gRPC answer (grpc-error.ts), not a text body its client cannot read.
    if (ctx.route?.upstream?.grpc === true || (req.httpVersionMajor === 2 && isGrpcRequest(req))) {
      // ctx.status keeps the HTTP-equivalent (503, 502…) for the access log and metrics.
      sendGrpcError(res, err);
      return;
    }
    sendError(res, err, undefined, ctx);
  }

  private finish(ctx: RequestContext, res: AnyResponse): void {
    if (ctx.status === 0 || !res.writableFinished) {
      if (!res.writableFinished) ctx.error ??= 'CLIENT_ABORTED';
      if (ctx.status === 0) ctx.status = res.headersSent ? res.statusCode : 499;
    }
    this.record(ctx);
  }

  /** Requests no route matched: counted under ingress="", service="". */
  private readonly noRouteStats: RouteStats;

  private record(ctx: RequestContext): void {
    const seconds = (performance.now() - ctx.start) / 1000;
    if (ctx.route !== null) ctx.route.observe(ctx.status, seconds);
    else this.noRouteStats.count1(ctx.status);
    this.accessLog.write(ctx, seconds);
    if (this.decorator !== null) this.decorator.onEnd(ctx);
  }
}

/** Replace every `name` (lower-case) in a flat header list with one value. */
function setHeader(list: string[], name: string, value: string): void {
  for (let i = list.length - 2; i >= 0; i -= 2) {
    if (list[i].length === name.length && list[i].toLowerCase() === name) list.splice(i, 2);
  }
  list.push(name, value);
}
