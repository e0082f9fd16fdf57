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
// unread. A reset before any response byte is retried too when no body byte was consumed and the
// connection had served an earlier response (the kept-alive reuse race).
// Timeouts: undici's headersTimeout (→ 504) and bodyTimeout (idle upstream body, paused while the
// client applies backpressure), set once per pool: no timer per request.
// WebSocket/Upgrade uses one http-proxy-3 instance (ws()), always with an 'error' listener (it
// throws without one — ARCHITECTURE.md "Known traps").

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Agent, Pool, type Dispatcher } from 'undici';
import { createProxyServer, type ProxyServer } from 'http-proxy-3';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Endpoint } from '../../model/endpoint.ts';
import { PorticoError } from '../../util/errors.ts';
import type { Metrics } from '../../util/metrics.ts';
import type { ClusterRuntime } from '../upstream/cluster-runtime.ts';
import type { EndpointState } from '../upstream/endpoint-state.ts';
import { clientResponseHeaderList } from './forwarded-headers.ts';
import { connectorDroppingContinue } from '../upstream/interim-filter.ts';
import { armSendTimeout, disarmSendTimeout } from './client-timeouts.ts';
import { sendError, type AnyResponse } from './error-response.ts';
import type { RequestContext } from './request-context.ts';

export interface ForwarderOptions {
  connectTimeoutMs: number;
  upstreamTimeoutMs: number;
  metrics: Metrics;
  /** SPEC §1.7: tries per request including the first. */
  maxAttempts?: number;
  /** client-timeouts.ts: how long a client may leave the upstream paused by not reading (0 = off). */
  clientSendTimeoutMs?: number;
  /** Connections per endpoint pool; requests beyond wait in the pool's queue (0 = unbounded). */
  maxConnectionsPerEndpoint?: number;
}

export interface ForwardTarget {
  cluster: ClusterRuntime;
  /** Origin-form target forwarded upstream. */
  path: string;
  /** Flat [name, value, …] list (upstreamHeaderList). */
  headers: string[];
  /** Whether the request has a body to stream upstream. */
  hasBody: boolean;
  hsts: string | null;
  /** Count body bytes to the client (access log enabled). */
  countBytes: boolean;
}

type AnyRequest = IncomingMessage | Http2ServerRequest;
type Controller = Dispatcher.DispatchController;

const kJob = Symbol('portico.forwardJob');
const CLIENT_GONE = new Error('client closed the connection');

/** Shared 'drain' listener (this = the response): no closure per request. */
function onResponseDrain(this: AnyResponse): void {
  const job = (this as unknown as Record<symbol, ForwardJob | undefined>)[kJob];
  disarmSendTimeout(this);
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
      body: target.hasBody ? req : null,
    };
  }

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.closed) controller.abort(CLIENT_GONE);
  }

  onResponseStart(controller: Controller, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return; // 1xx: informational, the final response follows
    this.started = true;
    if (this.state !== null) this.state.recordSuccess(Date.now());
    if (this.closed) {
      controller.abort(CLIENT_GONE);
      return;
    }
    this.ctx.status = statusCode;
    // RFC 9110 §8.6: a 204 carries no Content-Length; a backend's is not relayed.
    if (statusCode === 204) headers['content-length'] = undefined;
    const cl = headers['content-length'];
    if (typeof cl === 'string') this.expectLength = Number(cl);
    (this.res as ServerResponse).writeHead(statusCode, clientResponseHeaderList(headers, this.target.hsts));
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
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
      armSendTimeout(this.res, this.fw.clientSendTimeoutMs);
      if (!this.drainHooked) {
        this.drainHooked = true;
        (this.res as unknown as Record<symbol, ForwardJob>)[kJob] = this;
        this.res.on('drain', onResponseDrain);
      }
    }
  }

  onResponseEnd(): void {
    this.release();
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
      this.res.destroy();
      return;
    }
    this.fw.onAttemptError(this, err);
  }

  release(): void {
    if (this.done) return;
    this.done = true;
    if (this.state !== null) this.state.inflight--;
  }

  /** Client response closed: a live upstream exchange is cut (its connection is not reused). */
  clientClosed(): void {
    this.closed = true;
    if (!this.done && this.controller !== null && !this.res.writableFinished) this.controller.abort(CLIENT_GONE);
  }
}

export class Forwarder {
  private readonly opts: Required<ForwarderOptions>;
  private readonly poolOpts: Pool.Options;
  /** For an endpoint without state (its cluster left the snapshot while a request was on it). */
  private readonly fallback: Agent;
  private readonly proxy: ProxyServer;
  readonly upstreamTimeoutMs: number;
  readonly clientSendTimeoutMs: number;

  constructor(opts: ForwarderOptions) {
    this.opts = { maxAttempts: 3, clientSendTimeoutMs: 0, maxConnectionsPerEndpoint: 0, ...opts };
    this.upstreamTimeoutMs = opts.upstreamTimeoutMs;
    this.clientSendTimeoutMs = this.opts.clientSendTimeoutMs;
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
    };
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
    this.attempt(job);
    return job;
  }

  private attempt(job: ForwardJob): void {
    const { ctx, target } = job;
    const cluster = target.cluster;
    const ep = cluster.pick(ctx.clientIp, job.exclude, Date.now());
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
    if (state !== null) {
      state.inflight++;
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
    const e = classify(err, job, ep.id);
    this.opts.metrics.upstreamErrors.labels(job.target.cluster.cluster.service, e.code).inc();
    if (e.code === 'PORTICO_ERR_UPSTREAM_CONNECT' && job.state !== null) job.state.recordFailure(Date.now());
    if (job.closed) return;
    if (e.retryable && job.ctx.attempts < this.opts.maxAttempts) {
      (job.exclude ??= new Set()).add(ep.id);
      job.lastError = e;
      this.attempt(job);
      return;
    }
    this.fail(job, e);
  }

  private fail(job: ForwardJob, err: PorticoError): void {
    job.ctx.error = err.code;
    job.ctx.status = job.res.headersSent ? job.ctx.status : err.status;
    // Unread request body: drain it so the client connection stays usable.
    if (!job.req.readableEnded && !job.req.destroyed) job.req.resume();
    sendError(job.res, err);
  }

  /**
   * WebSocket/Upgrade through http-proxy-3 (one instance). `headers` replaces the request headers
   * (forwarded headers already applied, Upgrade/Connection kept).
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: RequestContext, cluster: ClusterRuntime,
    headers: OutgoingHttpHeaders, onDone: (err: PorticoError | null) => void): void {
    const ep = cluster.pick(ctx.clientIp, null, Date.now());
    if (ep === null) {
      onDone(new PorticoError('PORTICO_ERR_NO_HEALTHY_ENDPOINT', `no endpoint available for ${cluster.id}`));
      return;
    }
    ctx.endpointId = ep.id;
    ctx.attempts = 1;
    const state = cluster.states.get(ep.id) ?? null;
    if (state !== null) state.inflight++;
    let done = false;
    const finish = (err: PorticoError | null): void => {
      if (done) return;
      done = true;
      if (state !== null) state.inflight--;
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

/** Error → typed error; retryable only when nothing of the request can have been used upstream. */
function classify(err: Error, job: ForwardJob, endpoint: string): PorticoError {
  if (err instanceof PorticoError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  // undici refused the request itself before connecting (a target or header it cannot send): that
  // says nothing about the endpoint, so it is neither a connect failure nor retried.
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') {
    return new PorticoError('PORTICO_ERR_INTERNAL', `request could not be sent upstream: ${code}`, { cause: err });
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new PorticoError('PORTICO_ERR_UPSTREAM_TIMEOUT',
      `upstream ${endpoint} did not answer within ${job.fw.upstreamTimeoutMs} ms`, { cause: err });
  }
  // No onRequestStart: the connection never came up, nothing was sent.
  if (job.controller === null || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new PorticoError('PORTICO_ERR_UPSTREAM_CONNECT', `connect to ${endpoint} failed: ${code}`, { retryable: true, cause: err });
  }
  // A kept-alive connection closed by the upstream just as we reused it (it had answered before:
  // bytes read) never reached an application; safe to retry while no body byte was consumed.
  const info = (err as { socket?: { bytesRead?: number } }).socket;
  const reused = info !== undefined && (info.bytesRead ?? 0) > 0;
  const unread = !job.target.hasBody || !job.req.readableDidRead;
  const reset = code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
  return new PorticoError('PORTICO_ERR_UPSTREAM_RESET', `upstream ${endpoint} closed the connection: ${code}`,
    { retryable: reset && reused && unread, cause: err });
}
