// Forwarding to an upstream endpoint, behind one small interface (README "Routing rules", docs/benchmarks/http.md).
//
// Plain HTTP goes through undici (docs/benchmarks/http.md): one keep-alive Pool per endpoint, held by the
// endpoint's reference-counted state (ARCHITECTURE.md hot-path rule 6), and `dispatch` with one
// handler object per request that writes straight into the client response: status + headers once,
// then each chunk with backpressure (controller.pause() when res.write() returns false, resume on
// 'drain'), then end. Why (docs/benchmarks/http.md "Why undici" has the figures): bare proxies
// cost less per request with undici's Pool than with http.request or http-proxy-3, and undici drops what Portico had built around http.request (a ClientRequest, a
// timer and five listeners per request). http-proxy-3's web() is not used at all: it pipes the
// client body upstream at once, so a refused connection would leave nothing to retry with
// (SPEC §1.7).
//
// Retries (SPEC §1.7: connect failures on another endpoint, ≤ 3 tries, then 502): undici touches
// the request body only once the connection is up (onRequestStart), so a connect failure leaves it
// unread. The kept-alive reuse race — a connection that had served an earlier response closed
// before any byte of this one — is retried once, on a new connection to the same endpoint, when no
// body byte was consumed and the method may be retried (reuseRace below).
// Timeouts: undici's headersTimeout (→ 504) and bodyTimeout (idle upstream body, paused while the
// client applies backpressure), set once per pool: no timer per request.
// WebSocket/Upgrade uses one http-proxy-3 instance (ws()), always with an 'error' listener (it
// throws without one — ARCHITECTURE.md "Known traps").

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Agent, Client, Pool, type Dispatcher } from 'undici';
import { createProxyServer, type ProxyServer } from 'http-proxy-3';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Endpoint } from '../../model/endpoint.ts';
import { PorticoError } from '../../util/errors.ts';
import type { Metrics } from '../../util/metrics.ts';
import type { ClusterRuntime } from '../upstream/cluster-runtime.ts';
import type { EndpointState } from '../upstream/endpoint-state.ts';
import type { PickRequest } from './route-balancing.ts';
import { clientResponseHeaderList } from './forwarded-headers.ts';
import { connectorDroppingContinue } from '../upstream/interim-filter.ts';
import { classify, retryKind, reuseRace } from './forwarder-errors.ts';
import { armSendTimeout, disarmSendTimeout } from './client-timeouts.ts';
import { noteResumed, pausedSendTimeout, yieldToWaiter } from './slow-readers.ts';
import { sendError, type AnyResponse } from './error-response.ts';
import type { RequestContext } from './request-context.ts';
import type { CompiledHeaderModifier } from './header-modifier.ts';
import type { Logger } from '../../util/logger.ts';
import type { CompiledUpstream } from '../upstream/compiled-upstream.ts';
import { MAX_RESPONSE_HEADER_BYTES, type UpstreamProfile } from '../upstream/upstream-profile.ts';
import { meteredBody } from './request-body.ts';
import { headerObject, respondTrailersOnly, sendGrpcError } from './grpc-error.ts';
import type { Http2ServerResponse } from 'node:http2';
import { armDeadline } from './grpc-deadline.ts';
import { GRPC_STATUS, encodeGrpcMessage } from './grpc-error.ts';

export interface ForwarderOptions {
  connectTimeoutMs: number;
  upstreamTimeoutMs: number;
  metrics: Metrics;
  /** SPEC §1.7: tries per request including the first. */
  maxAttempts?: number;
  /** Upstream TLS failures are logged (cluster, endpoint, reason). */
  logger?: Logger | null;
  /** client-timeouts.ts: how long a client may leave the upstream paused by not reading (0 = off). */
  clientSendTimeoutMs?: number;
  /** Connections per endpoint pool; requests beyond wait in the pool's queue (0 = unbounded). */
  maxConnectionsPerEndpoint?: number;
}

export interface ForwardTarget {
  cluster: ClusterRuntime;
  /** The route's hash key / affinity cookie picker; null = the cluster's own balancer. */
  pick: PickRequest | null;
  /** Origin-form target forwarded upstream. */
  path: string;
  /** Flat [name, value, …] list (upstreamHeaderList). */
  headers: string[];
  /** Whether the request has a body to stream upstream. */
  hasBody: boolean;
  hsts: string | null;
  /** Count body bytes to the client (access log enabled). */
  countBytes: boolean;
  /** Flat [name, value, …] the access policies add to the client response (auth Set-Cookie, CORS). */
  policyHeaders?: readonly string[];
  /** The route's compiled upstream policy, or null (process defaults). */
  upstream: CompiledUpstream | null;
  /** Pools to dispatch to (TLS, HTTP/2, own connect timeout), or null ⇒ the default plain pool. */
  profile: UpstreamProfile | null;
  /** Body bytes the route accepts when the length is not declared; 0 ⇒ unlimited. */
  bodyLimit: number;
  /** Gateway API ResponseHeaderModifier, null for every other route. */
  responseHeaders: CompiledHeaderModifier | null;
  /** The whole body, read before dispatch (request-buffer.ts), or null: stream `req`. */
  buffered?: Buffer | null;
  /** Gateway API HTTPRoute timeouts: the exchange is cut after this many ms (504 before the head). */
  deadlineMs?: number;
}

type AnyRequest = IncomingMessage | Http2ServerRequest;
type Controller = Dispatcher.DispatchController;

const kJob = Symbol('portico.forwardJob');
const CLIENT_GONE = new Error('client closed the connection');
/** Abort reason of an attempt whose response status proxy-next-upstream retries. */
const RETRY_STATUS = new Error('response status retried on another endpoint');

/** Shared 'drain' listener (this = the response): no closure per request. */
function onResponseDrain(this: AnyResponse): void {
  const job = (this as unknown as Record<symbol, ForwardJob | undefined>)[kJob];
  disarmSendTimeout(this);
  if (job?.state) noteResumed(job.state, this);
  if (job !== undefined && job.controller !== null && !job.done) job.controller.resume();
}

/** One request's forwarding and its undici handler: the attempts share the exclude set. */
class ForwardJob implements Dispatcher.DispatchHandler {
  readonly fw: Forwarder;
  readonly req: AnyRequest;
  readonly res: AnyResponse;
  readonly ctx: RequestContext;
  readonly target: ForwardTarget;
  readonly dispatchOpts: Dispatcher.DispatchOptions;
  endpoint: Endpoint | null = null;
  state: EndpointState | null = null;
  exclude: Set<string> | null = null;
  controller: Controller | null = null;
  /** Response headers written to the client. */
  started = false;
  /** This attempt's in-flight count released. */
  done = true;
  /** Client response closed (finished or aborted). */
  closed = false;
  drainHooked = false;
  /** Upstream Content-Length, or -1. */
  expectLength = -1;
  /** A whole body held for res.end(chunk). */
  pending: Buffer | null = null;
  /** Some body already written to the client. */
  wrote = false;
  lastError: PorticoError | null = null;
  /** When this attempt was dispatched (ms), for the endpoint's latency average. */
  sentAt = 0;
  /** grpc-timeout enforced by the gateway (grpc-deadline.ts); null when none. */
  deadline: NodeJS.Timeout | null = null;
  /** A gRPC Trailers-Only answer was sent whole in onResponseStart. */
  trailersOnly = false;
  /** Start of retries bounded by proxy-next-upstream-timeout. */
  readonly startedAt: number;
  /** Endpoint chosen for the next attempt when a response status was retried. */
  nextEndpoint: Endpoint | null = null;
  /** The one retry of the kept-alive reuse race was spent (it counts against no retry bound). */
  raceRetried = false;
  /** The next attempt goes on a new connection of its own (the reuse race's retry). */
  fresh = false;

  constructor(fw: Forwarder, req: AnyRequest, res: AnyResponse, ctx: RequestContext, target: ForwardTarget) {
    this.fw = fw;
    this.req = req;
    this.res = res;
    this.ctx = ctx;
    this.target = target;
    this.dispatchOpts = {
      origin: undefined,
      path: target.path,
      method: (req.method ?? 'GET'),
      headers: target.headers,
      body: !target.hasBody ? null
        : target.buffered != null ? target.buffered
        : target.upstream !== null && (target.bodyLimit > 0 || target.upstream.sendTimeoutMs > 0)
          // undici reads async iterables (lib/core/request.js); its types list streams only.
          ? meteredBody(req, target.bodyLimit, target.upstream.sendTimeoutMs, ctx.route?.id ?? '', (e) => this.abortWith(e)) as unknown as IncomingMessage
          : req,
      headersTimeout: target.upstream?.readTimeoutMs,
      bodyTimeout: target.upstream?.readTimeoutMs,
    };
    this.startedAt = target.upstream !== null && target.upstream.retryWindowMs !== 0 ? Date.now() : 0;
  }

  /** Attempts that count against the retry bounds (the reuse race's retry does not). */
  tries(): number {
    return this.raceRetried ? this.ctx.attempts - 1 : this.ctx.attempts;
  }

  /** Whether no request body byte was consumed, so the request can be sent again. */
  bodyUnread(): boolean {
    return !this.target.hasBody || this.target.buffered != null || !this.req.readableDidRead;
  }

  /** Fail the live attempt with `err` (send timeout). */
  abortWith(err: PorticoError): void {
    if (!this.done && this.controller !== null) this.controller.abort(err);
  }

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.closed) controller.abort(CLIENT_GONE);
  }

  onResponseStart(controller: Controller, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return; // 1xx: informational, the final response follows
    const u = this.target.upstream;
    if (u !== null && u.retryStatuses.size !== 0 && u.retryStatuses.has(statusCode) && this.fw.retryOnStatus(this, statusCode)) {
      controller.abort(RETRY_STATUS);
      return;
    }
    this.started = true;
    const now = Date.now();
    // Passive health and latency (upstream/cluster-runtime.ts report): a 5xx counts as a failure.
    if (this.state !== null) this.target.cluster.report(this.state, statusCode >= 500 ? '5xx' : 'ok', now, now - this.sentAt);
    if (this.closed) {
      controller.abort(CLIENT_GONE);
      return;
    }
    this.ctx.status = statusCode;
    if (u !== null && u.grpc && headers['grpc-status'] !== undefined && this.req.httpVersionMajor === 2) {
      // gRPC Trailers-Only (status in the head): forwarded as one END_STREAM HEADERS frame.
      this.trailersOnly = true;
      respondTrailersOnly(this.res as Http2ServerResponse, headerObject(clientResponseHeaderList(headers, this.target.hsts)));
      return;
    }
    // RFC 9110 §8.6: a 204 carries no Content-Length; a backend's is not relayed.
    if (statusCode === 204) headers['content-length'] = undefined;
    const cl = headers['content-length'];
    if (typeof cl === 'string') this.expectLength = Number(cl);
    const list = clientResponseHeaderList(headers, this.target.hsts);
    const extra = this.target.policyHeaders;
    if (extra !== undefined) for (let i = 0; i < extra.length; i++) list.push(extra[i]);
    const pick = this.target.pick;
    if (pick !== null && this.endpoint !== null) {
      const cookie = pick.setCookie(this.endpoint, this.exclude, now);
      if (cookie !== null) list.push('set-cookie', cookie);
    }
    const mod = this.target.responseHeaders;
    (this.res as ServerResponse).writeHead(statusCode, mod === null ? list : mod.apply(list));
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.trailersOnly) return;
    if (this.target.countBytes) this.ctx.bytesSent += chunk.length;
    // A body that arrives whole (its Content-Length in one chunk) is held for onResponseEnd, which
    // follows in the same parser pass: res.end(chunk) sends head + body in one write with no
    // cork/nextTick round (docs/benchmarks/http.md). Anything else streams as it comes.
    if (this.pending === null && !this.wrote && chunk.length === this.expectLength) {
      this.pending = chunk;
      return;
    }
    if (this.pending !== null) {
      (this.res as ServerResponse).write(this.pending);
      this.pending = null;
    }
    this.wrote = true;
    if (!(this.res as ServerResponse).write(chunk)) {
      controller.pause();
      armSendTimeout(this.res, pausedSendTimeout(this.state, this.res, this.fw.clientSendTimeoutMs, this.fw.maxConnectionsPerEndpoint));
      if (!this.drainHooked) {
        this.drainHooked = true;
        (this.res as unknown as Record<symbol, ForwardJob>)[kJob] = this;
        this.res.on('drain', onResponseDrain);
      }
    }
  }

  onResponseEnd(_controller: Controller, trailers?: Record<string, string | string[] | undefined>): void {
    this.release();
    this.clearDeadline();
    if (this.trailersOnly) return;
    // gRPC status travels in HTTP/2 trailers (RFC 9113 §8.1); HTTP/1.1 clients get none.
    if (trailers !== undefined && this.req.httpVersionMajor === 2) {
      let any = false;
      for (const _k in trailers) { any = true; break; }
      if (any) (this.res as unknown as { addTrailers(t: object): void }).addTrailers(trailers);
    }
    const p = this.pending;
    if (p !== null) {
      this.pending = null;
      (this.res as ServerResponse).end(p);
    } else {
      this.res.end();
    }
  }

  onResponseError(_controller: Controller, err: Error): void {
    this.release();
    if (this.started) {
      this.clearDeadline();
      if (err === this.deadlineError && this.req.httpVersionMajor === 2 && !this.res.writableEnded) {
        // The response is under way: end it with DEADLINE_EXCEEDED in its trailers.
        (this.res as unknown as { addTrailers(t: object): void }).addTrailers({ 'grpc-status': String(GRPC_STATUS.DEADLINE_EXCEEDED), 'grpc-message': encodeGrpcMessage(err.message) });
        this.res.end();
        return;
      }
      this.res.destroy();
      return;
    }
    this.fw.onAttemptError(this, err);
  }

  deadlineError: PorticoError | null = null;

  clearDeadline(): void {
    if (this.deadline !== null) {
      clearTimeout(this.deadline);
      this.deadline = null;
    }
  }

  /** The call's grpc-timeout elapsed: cut the upstream exchange (or answer, if none is live). */
  onDeadline(ms: number, source = 'grpc-timeout'): void {
    this.deadline = null;
    if (this.closed || this.res.writableEnded) return;
    const err = new PorticoError('PORTICO_ERR_UPSTREAM_TIMEOUT', `deadline exceeded after ${ms} ms (${source})`);
    this.deadlineError = err;
    if (!this.done && this.controller !== null) {
      this.controller.abort(err);
      return;
    }
    // Still connecting: answer now; a connection that comes up later is aborted (closed).
    this.closed = true;
    this.fw.failNow(this, err);
  }

  release(): void {
    if (this.done) return;
    this.done = true;
    if (this.state !== null) this.target.cluster.end(noteResumed(this.state, this.res));
  }

  /** Client response closed: a live upstream exchange is cut (its connection is not reused). */
  clientClosed(): void {
    this.closed = true;
    this.clearDeadline();
    // Not `res.writableFinished`: a client that closes in the middle of its request body leaves a
    // response Node reports as finished, and the upstream kept waiting for the rest of the body
    // (slowhttptest -B: every aborted upload held its upstream connection). `done` is the truth:
    // the upstream exchange ended (response end or error) or it did not.
    if (!this.done && this.controller !== null) this.controller.abort(CLIENT_GONE);
  }
}

export class Forwarder {
  private readonly opts: Required<ForwarderOptions>;
  private readonly poolOpts: Pool.Options;
  /** The pool's settings for a client of one connection (the reuse race's retry). */
  private readonly oneOpts: Client.Options;
  /** For an endpoint without state (its cluster left the snapshot while a request was on it). */
  private readonly fallback: Agent;
  private readonly proxy: ProxyServer;
  readonly upstreamTimeoutMs: number;
  readonly clientSendTimeoutMs: number;
  readonly maxConnectionsPerEndpoint: number;

  constructor(opts: ForwarderOptions) {
    this.opts = { maxAttempts: 3, clientSendTimeoutMs: 0, maxConnectionsPerEndpoint: 0, logger: null, ...opts };
    this.upstreamTimeoutMs = opts.upstreamTimeoutMs;
    this.clientSendTimeoutMs = this.opts.clientSendTimeoutMs;
    this.maxConnectionsPerEndpoint = this.opts.maxConnectionsPerEndpoint;
    // Keep-alive always (ARCHITECTURE.md hot-path rule 5). Idle connections expire before the
    // usual 5 s upstream keep-alive timeout (undici also honours the server's Keep-Alive hint),
    // which makes the reuse race rare; the race itself is retried. pipelining 1: no
    // head-of-line blocking between clients.
    // connections: bounded per endpoint so that no client (an HTTP/2 connection opens up to
    // --http2-max-concurrent-streams requests at once) can make Portico open unbounded upstream
    // connections; requests beyond the bound wait in the pool's queue for a free connection.
    this.poolOpts = {
      connections: this.opts.maxConnectionsPerEndpoint > 0 ? this.opts.maxConnectionsPerEndpoint : null,
      pipelining: 1,
      keepAliveTimeout: 4000,
      headersTimeout: opts.upstreamTimeoutMs,
      bodyTimeout: opts.upstreamTimeoutMs,
      // interim-filter.ts: unsolicited 100 Continue is ignored (RFC 9110 §15.2), not a dropped socket.
      connect: connectorDroppingContinue({ timeout: opts.connectTimeoutMs, noDelay: true }),
      maxHeaderSize: MAX_RESPONSE_HEADER_BYTES,
    };
    const { connections: _pooled, ...one } = this.poolOpts;
    this.oneOpts = one;
    this.fallback = new Agent(this.poolOpts);
    this.proxy = createProxyServer({ ws: true, xfwd: false, prependPath: false });
    this.proxy.on('error', (_err: Error, _req: unknown, target: unknown) => {
      const s = target as Duplex | ServerResponse | undefined;
      if (s && !s.destroyed) s.destroy();
    });
  }

  /** Start forwarding; returns the job, whose clientClosed() the caller invokes on res 'close'. */
  forward(req: AnyRequest, res: AnyResponse, ctx: RequestContext, target: ForwardTarget): ForwardJob {
    const job = new ForwardJob(this, req, res, ctx, target);
    if (armDeadline(job, target.upstream !== null && target.upstream.grpc, target.deadlineMs)) this.attempt(job);
    return job;
  }

  private attempt(job: ForwardJob): void {
    const { ctx, target } = job;
    const cluster = target.cluster;
    const now = Date.now();
    const ep = job.nextEndpoint ?? (target.pick === null ? cluster.pick(ctx.clientIp, job.exclude, now) : target.pick.pick(cluster, job.exclude, now));
    job.nextEndpoint = null;
    if (ep === null) {
      this.fail(job, job.lastError ?? new PorticoError('PORTICO_ERR_NO_HEALTHY_ENDPOINT',
        `no endpoint available for ${cluster.id}`));
      return;
    }
    ctx.attempts++;
    ctx.endpointId = ep.id;
    job.endpoint = ep;
    job.controller = null;
    job.done = false;
    const state = cluster.states.get(ep.id) ?? null;
    job.state = state;
    const o = job.dispatchOpts;
    job.sentAt = now;
    const profile = target.profile;
    // A request that must wait for one of the endpoint's connections may take a stalled one (slow-readers.ts).
    if (state !== null) {
      cluster.begin(state);
      yieldToWaiter(state, now, this.clientSendTimeoutMs, this.maxConnectionsPerEndpoint);
    }
    if (job.fresh) {
      // Not the endpoint's pool: it may hand the retry another kept-alive connection, and this
      // request gets no further race retry. close() lets the dispatched request finish first.
      job.fresh = false;
      const c = profile !== null ? profile.oneConnection(ep) : new Client(origin(ep), this.oneOpts);
      o.origin = undefined;
      c.dispatch(o, job);
      c.close().catch(() => undefined);
    } else if (profile !== null) {
      const { d, origin: at } = profile.dispatcher(state, ep);
      o.origin = at;
      d.dispatch(o, job);
    } else if (state !== null) {
      o.origin = undefined;
      (state.pool ??= new Pool(origin(ep), this.poolOpts)).dispatch(o, job);
    } else {
      o.origin = origin(ep);
      this.fallback.dispatch(o, job);
    }
  }

  /** undici reported an error before any response byte: classify, retry or answer. */
  onAttemptError(job: ForwardJob, err: Error): void {
    const ep = job.endpoint as Endpoint;
    if (err === RETRY_STATUS) {
      // The status was already counted as a response; the next endpoint is chosen.
      if (!job.closed) this.retry(job);
      return;
    }
    const e = classify(err, job, ep.id);
    this.opts.metrics.upstreamErrors.labels(job.target.cluster.cluster.service, e.code).inc();
    // Passive health (upstream/cluster-runtime.ts report): a failed TLS handshake counts as a connect failure.
    if (job.state !== null && (e.code === 'PORTICO_ERR_UPSTREAM_CONNECT' || e.code === 'PORTICO_ERR_UPSTREAM_TLS' || e.code === 'PORTICO_ERR_UPSTREAM_TIMEOUT')) {
      job.target.cluster.report(job.state, e.code === 'PORTICO_ERR_UPSTREAM_TIMEOUT' ? 'timeout' : 'connect', Date.now());
    }
    if (e.code === 'PORTICO_ERR_UPSTREAM_TLS' && this.opts.logger !== null) {
      this.opts.logger.warn({ cluster: job.target.cluster.id, endpoint: ep.id, route: job.ctx.route?.id ?? null, reason: e.message }, 'upstream TLS failed');
    }
    if (job.closed) return;
    const u = job.target.upstream;
    if (e.code === 'PORTICO_ERR_UPSTREAM_RESET' && !job.raceRetried && reuseRace(err, job, u)) {
      // The endpoint is not excluded and no try is counted: it answered on that connection before,
      // and a lone endpoint must not turn the race into a 502 (nginx: a failed cached connection
      // gives the request another try, ngx_http_upstream_next).
      job.raceRetried = true;
      job.fresh = true;
      job.lastError = e;
      this.attempt(job);
      return;
    }
    if (u !== null && u.custom) {
      // proxy-next-upstream decides (compiled-upstream.ts mayRetry).
      if (this.customRetry(job, e, u)) {
        (job.exclude ??= new Set()).add(ep.id);
        job.lastError = e;
        this.retry(job);
        return;
      }
      this.fail(job, e);
      return;
    }
    if (e.retryable && job.tries() < this.opts.maxAttempts) {
      (job.exclude ??= new Set()).add(ep.id);
      job.lastError = e;
      this.attempt(job);
      return;
    }
    this.fail(job, e);
  }

  /**
   * A policy's next try, after its backoff when it has one. While waiting there is no exchange: a
   * deadline answers at once (onDeadline) and a client that goes away ends the wait.
   */
  private retry(job: ForwardJob): void {
    const ms = job.target.upstream?.retryBackoffMs ?? 0;
    if (ms === 0) return this.attempt(job);
    job.controller = null;
    setTimeout(() => job.closed || this.attempt(job), ms);
  }

  private customRetry(job: ForwardJob, e: PorticoError, u: CompiledUpstream): boolean {
    const connectFailed = job.controller === null;
    const kind = retryKind(e.code, connectFailed);
    if (kind === null) return false;
    const unread = job.bodyUnread();
    return u.mayRetry(kind, job.ctx.method, !connectFailed, unread, job.tries(), job.startedAt, Date.now());
  }

  /**
   * proxy-next-upstream http_5xx/4xx: retry when allowed and another endpoint exists; otherwise the
   * response goes to the client as it is (nginx passes the last response on).
   */
  retryOnStatus(job: ForwardJob, status: number): boolean {
    const u = job.target.upstream as CompiledUpstream;
    const unread = job.bodyUnread();
    if (job.closed || !u.mayRetry('status', job.ctx.method, true, unread, job.tries(), job.startedAt, Date.now())) return false;
    const ep = job.endpoint as Endpoint;
    const exclude = (job.exclude ??= new Set());
    exclude.add(ep.id);
    const now = Date.now();
    const cluster = job.target.cluster;
    const pick = job.target.pick;
    const next = pick === null ? cluster.pick(job.ctx.clientIp, exclude, now) : pick.pick(cluster, exclude, now);
    if (next === null) return false;
    if (job.state !== null) cluster.report(job.state, status >= 500 ? '5xx' : 'ok', now, now - job.sentAt);
    job.nextEndpoint = next;
    job.release();
    return true;
  }

  /** Answer `err` for a job that has no live upstream exchange. */
  failNow(job: ForwardJob, err: PorticoError): void {
    this.fail(job, err);
  }

  private fail(job: ForwardJob, err: PorticoError): void {
    job.clearDeadline();
    job.ctx.error = err.code;
    job.ctx.status = job.res.headersSent ? job.ctx.status : err.status;
    if (err.code === 'PORTICO_ERR_BODY_TOO_LARGE' || err.code === 'PORTICO_ERR_UPSTREAM_TIMEOUT') {
      // Part of the body may be unread: close the HTTP/1.1 connection after the answer.
      if (job.req.httpVersionMajor === 1 && !job.res.headersSent) (job.res as ServerResponse).setHeader('connection', 'close');
    }
    // Unread request body: drain it so the client connection stays usable.
    if (!job.req.readableEnded && !job.req.destroyed) job.req.resume();
    if (job.target.upstream !== null && job.target.upstream.grpc) {
      sendGrpcError(job.res, err);
      return;
    }
    sendError(job.res, err, undefined, job.ctx);
  }

  /**
   * WebSocket/Upgrade through http-proxy-3 (one instance). `headers` replaces the request headers
   * (forwarded headers already applied, Upgrade/Connection kept).
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: RequestContext, cluster: ClusterRuntime,
    headers: OutgoingHttpHeaders, onDone: (err: PorticoError | null) => void, pick: PickRequest | null = null): void {
    const ep = pick === null ? cluster.pick(ctx.clientIp, null, Date.now()) : pick.pick(cluster, null, Date.now());
    if (ep === null) {
      onDone(new PorticoError('PORTICO_ERR_NO_HEALTHY_ENDPOINT', `no endpoint available for ${cluster.id}`));
      return;
    }
    ctx.endpointId = ep.id;
    ctx.attempts = 1;
    const state = cluster.states.get(ep.id) ?? null;
    if (state !== null) cluster.begin(state);
    let done = false;
    const finish = (err: PorticoError | null): void => {
      if (done) return;
      done = true;
      if (state !== null) cluster.end(state);
      onDone(err);
    };
    (socket as Socket).setNoDelay?.(true);
    socket.once('close', () => finish(null));
    req.headers = headers as IncomingMessage['headers'];
    this.proxy.ws(req, socket, head, { target: { host: ep.hostname ?? ep.address, port: ep.port } }, (err: Error) => {
      this.opts.metrics.upstreamErrors.labels(cluster.cluster.service, 'PORTICO_ERR_UPSTREAM_CONNECT').inc();
      finish(new PorticoError('PORTICO_ERR_UPSTREAM_CONNECT', `upgrade to ${ep.id} failed: ${err.message}`));
    });
  }

  close(): void {
    this.fallback.destroy().catch(() => undefined);
    this.proxy.close();
  }
}

export type { ForwardJob };

function origin(ep: Endpoint): string {
  const host = ep.hostname ?? ep.address;
  return host.includes(':') ? `http://[${host}]:${ep.port}` : `http://${host}:${ep.port}`;
}
