// Forwarding to an upstream endpoint, behind one small interface (issue #2 item 4).
//
// Why not http-proxy-3 for plain HTTP (issue #2 item 4 names it; issue #6 is about speed):
//   - http-proxy-3's web() pipes the client body into the upstream request at once, so when the
//     connection is refused the body is already consumed and the request cannot be retried on the
//     next endpoint (SPEC §1.7: retry connect failures, ≤3 tries, then 502);
//   - the reference rig (bench/results-baseline) measured http-proxy-3 at 0.25× nginx against
//     0.32× for node:http + http.request with a keep-alive Agent.
// So plain requests use node:http with a keep-alive Agent and the body is piped only once the
// upstream socket is connected; WebSocket/Upgrade uses one http-proxy-3 instance (ws()), always with
// an 'error' listener (it throws without one — ARCHITECTURE.md "Known traps").
// setNoDelay on both sockets: a delayed-ACK/Nagle interaction is a suspect for the ~40 ms p99 tail
// noted in the bench README.

import http from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createProxyServer, type ProxyServer } from 'http-proxy-3';
import { PorticoError, type PorticoErrorCode } from '../../util/errors.ts';
import type { Metrics } from '../../util/metrics.ts';
import type { ClusterRuntime } from '../upstream/cluster-runtime.ts';
import type { EndpointState } from '../upstream/endpoint-state.ts';
import { clientResponseHeaders } from './forwarded-headers.ts';
import { sendError, writeHead, type AnyResponse } from './error-response.ts';
import type { RequestContext } from './request-context.ts';

export interface ForwarderOptions {
  connectTimeoutMs: number;
  upstreamTimeoutMs: number;
  metrics: Metrics;
  /** SPEC §1.7: tries per request including the first. */
  maxAttempts?: number;
}

export interface ForwardTarget {
  cluster: ClusterRuntime;
  /** Origin-form target forwarded upstream. */
  path: string;
  headers: OutgoingHttpHeaders;
  hsts: string | null;
  /** Count body bytes to the client (access log enabled). */
  countBytes: boolean;
}

/** One request's forwarding: the attempts share the exclude set and the client streams. */
class ForwardJob {
  readonly req: IncomingMessage | Http2ServerRequest;
  readonly res: AnyResponse;
  readonly ctx: RequestContext;
  readonly target: ForwardTarget;
  exclude: Set<string> | null = null;
  upReq: http.ClientRequest | null = null;
  bodyRead = false;
  closed = false;
  lastError: PorticoError | null = null;

  constructor(req: IncomingMessage | Http2ServerRequest, res: AnyResponse, ctx: RequestContext, target: ForwardTarget) {
    this.req = req;
    this.res = res;
    this.ctx = ctx;
    this.target = target;
  }
}

function markRead(this: ForwardJob): void {
  this.bodyRead = true;
}

export class Forwarder {
  private readonly opts: Required<ForwarderOptions>;
  private readonly agent: http.Agent;
  private readonly proxy: ProxyServer;

  constructor(opts: ForwarderOptions) {
    this.opts = { maxAttempts: 3, ...opts };
    // keepAlive: never 'Connection: close' upstream (ARCHITECTURE.md hot-path rule 5); lifo keeps
    // the warmest sockets busy and lets the others idle out; free sockets expire before the usual
    // 5 s upstream keep-alive timeout to make the reuse race rare (the race itself is retried).
    this.agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 1000, maxFreeSockets: 256, scheduling: 'lifo', timeout: 4000 });
    this.proxy = createProxyServer({ ws: true, xfwd: false, prependPath: false });
    this.proxy.on('error', (_err: Error, _req: unknown, target: unknown) => {
      const s = target as Duplex | ServerResponse | undefined;
      if (s && !s.destroyed) s.destroy();
    });
  }

  forward(req: IncomingMessage | Http2ServerRequest, res: AnyResponse, ctx: RequestContext, target: ForwardTarget): void {
    const job = new ForwardJob(req, res, ctx, target);
    res.on('close', () => {
      job.closed = true;
      // Client gone before the upstream finished: free the upstream socket (never reused).
      if (!res.writableFinished && job.upReq !== null && !job.upReq.destroyed) job.upReq.destroy();
    });
    this.attempt(job);
  }

  private attempt(job: ForwardJob): void {
    if (job.closed) return;
    const { ctx, target } = job;
    const now = Date.now();
    const ep = target.cluster.pick(ctx.clientIp, job.exclude, now);
    if (ep === null) {
      this.fail(job, job.lastError ?? new PorticoError('PORTICO_ERR_NO_HEALTHY_ENDPOINT',
        `no endpoint available for ${target.cluster.id}`));
      return;
    }
    ctx.attempts++;
    ctx.endpointId = ep.id;
    const state = target.cluster.states.get(ep.id) ?? null;
    if (state !== null) state.inflight++;

    const headers = target.headers;
    if (headers.host === undefined) headers.host = ep.id;
    const upReq = http.request({
      host: ep.hostname ?? ep.address,
      port: ep.port,
      method: job.req.method,
      path: target.path,
      headers,
      agent: this.agent,
      setHost: false,
    });
    job.upReq = upReq;
    let connected = false;
    let gotResponse = false;
    let settled = false;
    let timer: NodeJS.Timeout | null = null;
    const release = (): void => {
      if (settled) return;
      settled = true;
      if (timer !== null) clearTimeout(timer);
      if (state !== null) state.inflight--;
    };

    const onConnected = (): void => {
      connected = true;
      if (timer !== null) clearTimeout(timer);
      // SPEC §1.7: 504 when the upstream does not answer in time.
      timer = setTimeout(() => upReq.destroy(new PorticoError('PORTICO_ERR_UPSTREAM_TIMEOUT',
        `upstream ${ep.id} did not answer within ${this.opts.upstreamTimeoutMs} ms`)), this.opts.upstreamTimeoutMs);
      // The body flows only now, so a refused connection leaves it unread and retryable.
      const req = job.req;
      if (req.readableEnded) {
        upReq.end();
      } else {
        if (!job.bodyRead) req.once('data', markRead.bind(job));
        (req as IncomingMessage).pipe(upReq);
      }
    };
    upReq.on('socket', (socket: Socket) => {
      if (socket.connecting) {
        socket.setNoDelay(true);
        timer = setTimeout(() => upReq.destroy(new PorticoError('PORTICO_ERR_UPSTREAM_CONNECT',
          `connect to ${ep.id} timed out after ${this.opts.connectTimeoutMs} ms`, { retryable: true })), this.opts.connectTimeoutMs);
        socket.once('connect', onConnected);
      } else {
        onConnected();
      }
    });

    upReq.on('response', (upRes: IncomingMessage) => {
      gotResponse = true;
      if (timer !== null) {
        clearTimeout(timer);
        timer = null;
      }
      if (state !== null) state.recordSuccess(Date.now());
      const res = job.res;
      if (job.closed) {
        upRes.resume();
        release();
        return;
      }
      const status = upRes.statusCode ?? 502;
      ctx.status = status;
      writeHead(res, status, clientResponseHeaders(upRes.headers, target.hsts));
      if (target.countBytes) upRes.on('data', (c: Buffer) => { ctx.bytesSent += c.length; });
      upRes.on('end', release);
      upRes.on('close', release);
      upRes.on('error', () => res.destroy());
      (upRes.pipe as (d: NodeJS.WritableStream) => void)(res as NodeJS.WritableStream);
    });

    upReq.on('error', (err: Error) => {
      release();
      (job.req as IncomingMessage).unpipe(upReq);
      if (gotResponse) {
        job.res.destroy();
        return;
      }
      const e = classify(err, connected, upReq.reusedSocket && !job.bodyRead, ep.id);
      this.opts.metrics.upstreamErrors.labels(target.cluster.cluster.service, e.code).inc();
      if (e.code === 'PORTICO_ERR_UPSTREAM_CONNECT' && state !== null) state.recordFailure(Date.now());
      if (job.closed) return;
      if (e.retryable && ctx.attempts < this.opts.maxAttempts) {
        (job.exclude ??= new Set()).add(ep.id);
        job.lastError = e;
        this.attempt(job);
        return;
      }
      this.fail(job, e);
    });
  }

  private fail(job: ForwardJob, err: PorticoError): void {
    job.ctx.error = err.code;
    job.ctx.status = job.res.headersSent ? job.ctx.status : err.status;
    // Unread request body: drain it so the client connection stays usable.
    if (!job.req.readableEnded) job.req.resume();
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
    this.agent.destroy();
    this.proxy.close();
  }
}

/** Error → typed error; retryable only when nothing of the request can have been used upstream. */
function classify(err: Error, connected: boolean, reusedUnread: boolean, endpoint: string): PorticoError {
  if (err instanceof PorticoError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  if (!connected) {
    return new PorticoError('PORTICO_ERR_UPSTREAM_CONNECT', `connect to ${endpoint} failed: ${code}`, { retryable: true, cause: err });
  }
  // A kept-alive socket closed by the upstream just as we reused it: the request never reached
  // an application (Node's documented reusedSocket retry case), safe while no body byte was read.
  const c: PorticoErrorCode = 'PORTICO_ERR_UPSTREAM_RESET';
  return new PorticoError(c, `upstream ${endpoint} closed the connection: ${code}`,
    { retryable: reusedUnread && (code === 'ECONNRESET' || code === 'EPIPE'), cause: err });
}
