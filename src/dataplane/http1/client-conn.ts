// One client connection of the lean engine (engine.ts): a RequestParser, and the state of the one
// request being answered, reused for every request on the connection (no per-request closure,
// timer or Promise: the socket listeners are set once, timeouts are fields the engine's wheel
// reads). Pipelined requests are parsed one at a time: the parser pauses after each request and
// resumes when its response is complete (RFC 9112 §9.3.2: responses in request order).
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Endpoint } from '../../model/endpoint.ts';
import { PorticoError } from '../../util/errors.ts';
import { isNonIdempotent } from '../upstream/compiled-upstream.ts';
import type { ClusterRuntime } from '../upstream/cluster-runtime.ts';
import type { EndpointState } from '../upstream/endpoint-state.ts';
import { clientAddress, upstreamHeaderList, type ForwardInfo } from '../http/forwarded-headers.ts';
import { resolveClientAddress } from '../http/client-address.ts';
import { normalizeHost, parseTarget } from '../http/request-target.ts';
import { checkHostValue } from '../http/request-screen.ts';
import { RequestContext } from '../http/request-context.ts';
import type { PickRequest } from '../http/route-balancing.ts';
import { errorResponse, parseErrorResponse } from './error-text.ts';
import { headNeedsNode, routeNeedsNode, singleHost } from './handoff.ts';
import { RequestParser } from './parser.ts';
import { clientResponseHead, upstreamRequestHead } from './response-head.ts';
import type { MessageHead, ParseFailure, ParserSink } from './types.ts';
import type { Timed } from './timer-wheel.ts';
import type { UpstreamConn, UpstreamUser } from './upstream-conn.ts';
import type { LeanEngine } from './engine.ts';
import type { LeanPool } from './upstream-pool.ts';
import { spliceUpgrade } from './ws-splice.ts';

const P_IDLE = 0, P_REQ = 1, P_CLOSED = 2, P_UPGRADE = 3;
const MAX_ATTEMPTS = 3; // SPEC §1.7
/** Response bodies up to this size are copied behind the head into one write. */
const MERGE_BYTES = 16 * 1024;

export class ClientConn implements ParserSink, Timed, UpstreamUser {
  private readonly engine: LeanEngine;
  readonly socket: Socket;
  private readonly parser: RequestParser;
  deadline = 0;
  private phase = P_IDLE;
  /** IDLE with bytes of a head seen: the deadline is the header timeout, else the keep-alive one. */
  private headArmed = false;
  private readonly onData: (chunk: Buffer) => void;
  private readonly onDrain: () => void;
  private readonly onClose: () => void;
  // The request in progress.
  private ctx: RequestContext | null = null;
  private method = '';
  private path = '';
  private upHeaders: string[] = [];
  private reqChunked = false;
  private reqDone = false;
  private keepAlive = true;
  private countBytes = false;
  private cluster: ClusterRuntime | null = null;
  private pick: PickRequest | null = null;
  private endpoint: Endpoint | null = null;
  private state: EndpointState | null = null;
  private up: UpstreamConn | null = null;
  private upReady = false;
  private waitPool: LeanPool | null = null;
  /** Inside a parser pass; an upstream ready meanwhile waits for its end (readyPending). */
  private parsing = false;
  private readyPending = false;
  private upKeepAlive = false;
  /** Body chunks read before the upstream connection was ready (still resendable on a retry). */
  private queue: Buffer[] | null = null;
  private sentBody = false;
  private exclude: Set<string> | null = null;
  /** The one retry of the kept-alive reuse race was spent (it counts against no retry bound). */
  private raceRetried = false;
  /** The next attempt: this endpoint, on a new connection (the reuse race's retry). */
  private freshEp: Endpoint | null = null;
  /** The upstream connection of this attempt closes after it (the reuse race's retry, as the node path's one-connection client). */
  private oneShot = false;
  private lastError: PorticoError | null = null;
  private respStarted = false;
  private respChunked = false;
  private respBodyless = false;
  private respKeepAlive = false;
  private sentAt = 0;
  /** Client reads paused: the upstream is not ready or reports backpressure. */
  private readPaused = false;
  private readonly headOut = { chunked: false, close: false };
  private http10 = false;
  /** Response head not yet written (see onUpstreamHead). */
  private pendingHead: string | null = null;
  /** The upstream head of a WebSocket handshake (P_UPGRADE). */
  private upgradeHead = '';

  constructor(engine: LeanEngine, socket: Socket) {
    this.engine = engine;
    this.socket = socket;
    this.parser = new RequestParser(engine.limits, this);
    const self = this;
    this.onData = function onData(chunk: Buffer): void { self.data(chunk); };
    this.onDrain = function onDrain(): void { self.clientDrain(); };
    this.onClose = function onClose(): void { self.clientClosed(); };
    socket.on('data', this.onData);
    socket.on('drain', this.onDrain);
    socket.on('close', this.onClose);
    socket.on('error', noop);
    this.deadline = engine.wheel.now + engine.headerTimeoutMs;
    this.headArmed = true;
    engine.wheel.add(this);
  }

  private data(chunk: Buffer): void {
    if (this.phase === P_IDLE && !this.headArmed) {
      this.headArmed = true;
      this.deadline = this.engine.wheel.now + this.engine.headerTimeoutMs;
    }
    this.parse(chunk);
  }

  /**
   * Runs the parser over `chunk` (null: resume after a response). An upstream connection that is
   * ready meanwhile gets the request only after the pass: a malformed body in the same bytes is
   * then refused before anything was sent (and head plus body go out in one write).
   */
  private parse(chunk: Buffer | null): void {
    const nested = this.parsing;
    this.parsing = true;
    if (chunk === null) this.parser.resume();
    else this.parser.execute(chunk);
    this.parsing = nested;
    if (this.phase === P_UPGRADE) { this.splice(); return; }
    if (!nested && this.readyPending) {
      this.readyPending = false;
      const up = this.up;
      if (up !== null && this.phase === P_REQ) this.sendRequest(up);
    }
  }

  // ---- Request side (ParserSink) ----

  onHead(head: MessageHead): void {
    const start = performance.now();
    const e = this.engine;
    const view = e.view;
    const table = view.table();
    if (table === null || headNeedsNode(head)) { this.handoff(); return; }
    const rawHost = singleHost(head.headers);
    if (rawHost === null || checkHostValue(rawHost) !== null) { this.handoff(); return; }
    const target = parseTarget(head.target, view.escapedSlashes);
    if (target.error !== null) { this.handoff(); return; }
    const host = normalizeHost(rawHost);
    const route = table.resolve(host, target.path);
    if (route === null || routeNeedsNode(route, e.scheme)) { this.handoff(); return; }
    e.served.inc();
    this.headArmed = false;
    const peer = clientAddress(this.socket.remoteAddress);
    const ctx = new RequestContext(start, head.method, host, target.path, resolveClientAddress(peer, head.headers, view.trusted), peer);
    ctx.route = route;
    this.ctx = ctx;
    const info: ForwardInfo = {
      clientIp: peer, realIp: ctx.clientIp, scheme: e.scheme, host: rawHost, localPort: this.socket.localPort,
      trusted: view.trusted.has(peer), upgrade: false, hasBody: false, upstreamHost: null,
    };
    this.upHeaders = upstreamHeaderList(head.headers, info);
    if (view.decorate !== null) view.decorate(ctx, this.upHeaders);
    if (head.upgrade) {
      // A WebSocket handshake (handoff.ts isWebSocket): Connection and Upgrade are hop-by-hop and
      // were dropped above; the upstream is asked for the same upgrade (RFC 9110 §7.8).
      this.upHeaders.push('connection', 'upgrade', 'upgrade', fieldValue(head.headers, 'upgrade'));
      this.upgradeHead = upstreamRequestHead('GET', target.forward, this.upHeaders, false);
      const rb = route.balancing;
      this.pick = rb === null ? null : rb.request({ clientIp: ctx.clientIp, url: head.target, path: target.path, host, rawHeaders: head.headers }, e.scheme === 'https');
      this.cluster = route.cluster;
      this.phase = P_UPGRADE;
      return;
    }
    this.method = head.method;
    this.path = target.forward;
    this.reqChunked = head.chunked;
    // No body: the request is whole with its head (onComplete follows in the same parser pass).
    this.reqDone = !head.chunked && head.contentLength <= 0;
    this.keepAlive = head.keepAlive;
    this.http10 = head.versionMinor === 0;
    // RFC 9110 §10.1.1: the client waits for 100 Continue before its body (node:http sends it at once too).
    if (head.expectContinue && !this.reqDone) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
    this.countBytes = view.logInfo();
    this.cluster = route.cluster;
    const rb = route.balancing;
    this.pick = rb === null ? null : rb.request({ clientIp: ctx.clientIp, url: head.target, path: target.path, host, rawHeaders: head.headers }, e.scheme === 'https');
    this.exclude = null;
    this.raceRetried = false;
    this.freshEp = null;
    this.lastError = null;
    this.queue = null;
    this.sentBody = false;
    this.respStarted = false;
    this.pendingHead = null;
    this.phase = P_REQ;
    this.deadline = info.hasBody === true && view.clientBodyTimeoutMs > 0 ? e.wheel.now + view.clientBodyTimeoutMs : 0;
    this.attempt();
  }

  onBody(chunk: Buffer): void {
    if (this.phase !== P_REQ || this.reqDone) return; // the body of a request already answered
    const t = this.engine.view.clientBodyTimeoutMs;
    if (t > 0) this.deadline = this.engine.wheel.now + t;
    const up = this.up;
    if (this.upReady && up !== null) {
      this.sentBody = true;
      if (!this.writeUp(up.socket, chunk)) this.pauseReads();
    } else {
      (this.queue ??= []).push(chunk);
      this.pauseReads();
    }
  }

  onComplete(): void {
    if (this.phase !== P_REQ) return;
    this.reqDone = true;
    if (!this.respStarted) this.deadline = 0;
    const up = this.up;
    if (this.upReady && up !== null && this.reqChunked) up.socket.write('0\r\n\r\n');
    // Strict order: the next pipelined request is parsed once this response is complete.
    if (this.phase === P_REQ) this.parser.pause();
  }

  onError(failure: ParseFailure): void {
    if (this.phase === P_IDLE) {
      // Nothing in flight on the connection: the answer goes out now, then the close.
      this.phase = P_CLOSED;
      if (this.socket.writable) this.socket.end(parseErrorResponse(failure.status));
      else this.socket.destroy();
      return;
    }
    if (this.phase !== P_REQ) return;
    // A malformed body of the request being forwarded: that request is the bad one.
    this.dropUpstream();
    if (this.respStarted) { this.socket.destroy(); return; }
    this.keepAlive = false;
    this.fail(new PorticoError('PORTICO_ERR_BAD_REQUEST', `malformed request body: ${failure.code}`));
  }

  // ---- Upstream side (UpstreamUser) ----

  private attempt(): void {
    const ctx = this.ctx as RequestContext;
    const cluster = this.cluster as ClusterRuntime;
    const now = Date.now();
    const fresh = this.freshEp;
    this.freshEp = null;
    const ep = fresh ?? (this.pick === null ? cluster.pick(ctx.clientIp, this.exclude, now) : this.pick.pick(cluster, this.exclude, now));
    if (ep === null) {
      this.fail(this.lastError ?? new PorticoError('PORTICO_ERR_NO_HEALTHY_ENDPOINT', `no endpoint available for ${cluster.id}`));
      return;
    }
    ctx.attempts++;
    ctx.endpointId = ep.id;
    this.endpoint = ep;
    const state = cluster.states.get(ep.id) ?? null;
    this.state = state;
    if (state !== null) cluster.begin(state);
    this.sentAt = now;
    this.upReady = false;
    const pool = this.engine.pool(state, ep);
    this.oneShot = fresh !== null;
    const c = pool.acquire(this, this.oneShot);
    // null: --upstream-max-connections are busy; onUpstreamReady comes when one is free.
    if (c !== null) this.up = c;
    this.waitPool = c === null ? pool : null;
  }

  onUpstreamReady(conn: UpstreamConn): void {
    this.up = conn;
    this.waitPool = null;
    if (this.parsing) this.readyPending = true;
    else this.sendRequest(conn);
  }

  private sendRequest(conn: UpstreamConn): void {
    this.upReady = true;
    const s = conn.socket;
    conn.parser.expect(this.method);
    s.cork();
    s.write(upstreamRequestHead(this.method, this.path, this.upHeaders, this.reqChunked), 'latin1');
    const q = this.queue;
    let ok = true;
    if (q !== null) {
      this.queue = null;
      this.sentBody = true;
      for (let i = 0; i < q.length; i++) ok = this.writeUp(s, q[i]);
    }
    if (this.reqDone && this.reqChunked) ok = s.write('0\r\n\r\n');
    s.uncork();
    conn.setDeadline('timeout', this.engine.view.upstreamTimeoutMs);
    if (ok && this.readPaused) this.resumeReads();
  }

  private writeUp(s: Socket, chunk: Buffer): boolean {
    if (!this.reqChunked) return s.write(chunk);
    s.write(`${chunk.length.toString(16)}\r\n`);
    s.write(chunk);
    return s.write('\r\n');
  }

  onUpstreamDrain(): void {
    if (this.readPaused && this.upReady) this.resumeReads();
  }

  onUpstreamHead(head: MessageHead): void {
    const ctx = this.ctx as RequestContext;
    const status = head.statusCode;
    const now = Date.now();
    if (this.state !== null) (this.cluster as ClusterRuntime).report(this.state, status >= 500 ? '5xx' : 'ok', now, now - this.sentAt);
    this.respStarted = true;
    ctx.status = status;
    this.upKeepAlive = head.keepAlive;
    this.respBodyless = this.method === 'HEAD' || status === 204 || status === 304;
    // A response that comes before the whole request was read closes the connection after it.
    this.respKeepAlive = this.keepAlive && this.reqDone && !this.engine.draining;
    const pick = this.pick;
    const cookie = pick !== null && this.endpoint !== null ? pick.setCookie(this.endpoint, this.exclude, now) : null;
    const e = this.engine;
    const text = clientResponseHead(head, this.respBodyless, {
      hsts: e.scheme === 'https' ? e.view.hsts : null, date: e.wheel.date, keepAlive: this.respKeepAlive,
      keepAliveSeconds: e.keepAliveSeconds, extra: cookie === null ? null : ['set-cookie', cookie], http10: this.http10,
    }, this.headOut);
    this.respChunked = this.headOut.chunked;
    if (this.headOut.close) this.respKeepAlive = false;
    // Held until the first body bytes of the same upstream read (or the end of that read): a small
    // response leaves as one Buffer, head and body (docs/benchmarks/http.md "lean engine").
    if (this.respChunked || this.respBodyless) this.socket.write(text, 'latin1');
    else this.pendingHead = text;
    (this.up as UpstreamConn).setDeadline('timeout', e.view.upstreamTimeoutMs);
  }

  onUpstreamBody(chunk: Buffer): void {
    if (this.respBodyless) return;
    const ctx = this.ctx as RequestContext;
    if (this.countBytes) ctx.bytesSent += chunk.length;
    const up = this.up as UpstreamConn;
    up.setDeadline('timeout', this.engine.view.upstreamTimeoutMs);
    const s = this.socket;
    let ok: boolean;
    const head = this.pendingHead;
    if (head !== null) {
      this.pendingHead = null;
      if (chunk.length <= MERGE_BYTES) {
        const b = Buffer.allocUnsafe(head.length + chunk.length);
        b.write(head, 0, 'latin1');
        chunk.copy(b, head.length);
        ok = s.write(b);
      } else {
        s.write(head, 'latin1');
        ok = s.write(chunk);
      }
    } else if (this.respChunked) {
      s.write(`${chunk.length.toString(16)}\r\n`);
      s.write(chunk);
      ok = s.write('\r\n');
    } else {
      ok = s.write(chunk);
    }
    if (!ok) {
      // Client backpressure stops the upstream read (and the upstream's idle timer meanwhile).
      up.socket.pause();
      up.deadline = 0;
      const t = this.engine.view.clientSendTimeoutMs;
      this.deadline = t > 0 ? this.engine.wheel.now + t : 0;
    }
  }

  private clientDrain(): void {
    const up = this.up;
    if (up !== null && this.respStarted && up.socket.isPaused()) {
      this.deadline = 0;
      up.setDeadline('timeout', this.engine.view.upstreamTimeoutMs);
      up.socket.resume();
    }
  }

  onUpstreamComplete(): void {
    const conn = this.up as UpstreamConn;
    this.up = null;
    this.upReady = false;
    this.flushHead();
    if (this.respChunked && !this.respBodyless) this.socket.write('0\r\n\r\n');
    // The upstream connection is reused only when both messages ended cleanly.
    if (this.upKeepAlive && this.reqDone && !this.oneShot) conn.pool.release(conn);
    else conn.destroy();
    this.releaseState();
    this.finishRequest(this.respKeepAlive);
  }

  onUpstreamFailed(conn: UpstreamConn, kind: 'connect' | 'timeout' | 'reset' | 'invalid', detail: string): void {
    if (this.phase !== P_REQ) return;
    this.up = null;
    this.upReady = false;
    const cluster = this.cluster as ClusterRuntime;
    const ep = (this.endpoint as Endpoint).id;
    const err = kind === 'connect' ? new PorticoError('PORTICO_ERR_UPSTREAM_CONNECT', `connect to ${ep} failed: ${detail}`)
      : kind === 'timeout' ? new PorticoError('PORTICO_ERR_UPSTREAM_TIMEOUT', `upstream ${ep} did not answer within ${this.engine.view.upstreamTimeoutMs} ms`)
        : new PorticoError('PORTICO_ERR_UPSTREAM_RESET', `upstream ${ep} ${detail}`);
    this.engine.view.metrics.upstreamErrors.labels(cluster.cluster.service, err.code).inc();
    if (this.state !== null && (kind === 'connect' || kind === 'timeout')) cluster.report(this.state, kind, Date.now());
    this.releaseState();
    if (this.respStarted) { this.socket.destroy(); return; }
    // The kept-alive reuse race (SPEC §1.7, RFC 9112 §9.3.1): a connection that had answered
    // before closed before any byte of this answer, so the request was not applied; with no body
    // byte sent it is retried once, on a new connection to the same endpoint (a lone endpoint is
    // not down), counting no try; never a non-idempotent method (nginx ngx_http_upstream_next;
    // the node path's forwarder-errors.ts reuseRace).
    if (kind === 'reset' && conn.reused && !this.sentBody && !this.raceRetried && !isNonIdempotent(this.method)) {
      this.raceRetried = true;
      this.lastError = err;
      this.freshEp = this.endpoint;
      this.attempt();
      return;
    }
    // SPEC §1.7: a connect failure (nothing was sent) goes to another endpoint.
    const tries = (this.ctx as RequestContext).attempts - (this.raceRetried ? 1 : 0);
    if (kind === 'connect' && tries < MAX_ATTEMPTS) {
      (this.exclude ??= new Set()).add(ep);
      this.lastError = err;
      this.attempt();
      return;
    }
    if (kind === 'timeout') this.keepAlive = false;
    this.fail(err);
  }

  batch(on: boolean): void {
    if (on) {
      this.socket.cork();
      return;
    }
    this.flushHead();
    this.socket.uncork();
  }

  private flushHead(): void {
    const head = this.pendingHead;
    if (head !== null) {
      this.pendingHead = null;
      this.socket.write(head, 'latin1');
    }
  }

  // ---- Endings ----

  /** Portico answers the request itself (no response started). */
  private fail(err: PorticoError): void {
    const ctx = this.ctx as RequestContext;
    ctx.status = err.status;
    ctx.error = err.code;
    this.releaseState();
    const keep = this.keepAlive && this.reqDone && !this.engine.draining;
    this.socket.write(errorResponse(err, ctx, this.engine.wheel.date, keep), 'latin1');
    this.finishRequest(keep);
  }

  private finishRequest(keep: boolean): void {
    const ctx = this.ctx;
    this.ctx = null;
    this.cluster = null;
    this.pick = null;
    this.queue = null;
    if (ctx !== null) this.engine.view.record(ctx);
    if (!keep || this.engine.draining) {
      this.phase = P_CLOSED;
      this.deadline = 0;
      this.socket.end();
      return;
    }
    this.phase = P_IDLE;
    this.headArmed = false;
    this.deadline = this.engine.wheel.now + this.engine.keepaliveTimeoutMs;
    if (this.readPaused) this.resumeReads();
    this.parse(null);
  }

  private releaseState(): void {
    const s = this.state;
    if (s !== null) {
      this.state = null;
      (this.cluster as ClusterRuntime).end(s);
    }
  }

  private dropUpstream(): void {
    this.readyPending = false;
    const up = this.up;
    this.up = null;
    this.upReady = false;
    if (up !== null) up.destroy();
    const w = this.waitPool;
    this.waitPool = null;
    if (w !== null) w.cancel(this);
    this.releaseState();
  }

  private pauseReads(): void {
    if (!this.readPaused) {
      this.readPaused = true;
      this.socket.pause();
    }
  }

  private resumeReads(): void {
    this.readPaused = false;
    this.socket.resume();
  }

  onDeadline(): void {
    if (this.phase === P_IDLE) {
      if (this.headArmed && !this.parser.idle) {
        // client_header_timeout: a head that does not finish in time → 408 (nothing in flight).
        this.phase = P_CLOSED;
        this.socket.end(parseErrorResponse(408));
      } else {
        this.socket.destroy();
      }
      return;
    }
    // A body that stops (client_body_timeout) or a response the client does not read
    // (client-send-timeout): both sides close.
    this.dropUpstream();
    this.socket.destroy();
  }

  /** Drain: an idle connection closes now; a busy one after its response (Connection: close). */
  drain(): void {
    if (this.phase === P_IDLE && this.parser.idle) this.socket.destroy();
  }

  private clientClosed(): void {
    this.engine.forget(this);
    if (this.phase === P_REQ) {
      this.dropUpstream();
      const ctx = this.ctx;
      if (ctx !== null) {
        if (ctx.status === 0 || this.respStarted) ctx.error ??= 'CLIENT_ABORTED';
        if (ctx.status === 0) ctx.status = 499;
        this.ctx = null;
        this.engine.view.record(ctx);
      }
    }
    this.phase = P_CLOSED;
  }

  /** After the handshake head: the connection leaves the engine for a WebSocket splice. */
  private splice(): void {
    this.phase = P_CLOSED;
    const s = this.socket;
    s.off('data', this.onData);
    s.off('drain', this.onDrain);
    s.off('close', this.onClose);
    this.engine.forget(this);
    const rest = this.parser.detach();
    const ctx = this.ctx as RequestContext;
    this.ctx = null;
    spliceUpgrade({ engine: this.engine, client: s, rest, ctx, cluster: this.cluster as ClusterRuntime, pick: this.pick, head: this.upgradeHead });
    this.cluster = null;
    this.pick = null;
    this.upgradeHead = '';
  }

  /** This request (and the connection from here on) is served by node:http. */
  private handoff(): void {
    this.engine.handedOver.inc();
    this.phase = P_CLOSED;
    const s = this.socket;
    s.off('data', this.onData);
    s.off('drain', this.onDrain);
    s.off('close', this.onClose);
    s.off('error', noop);
    this.engine.forget(this);
    this.engine.handToNode(s, this.parser.detach());
  }
}

function noop(): void {}

/** The first `name` field's value (names compared case-insensitively; `name` lower case). */
function fieldValue(raw: readonly string[], name: string): string {
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === name.length && raw[i].toLowerCase() === name) return raw[i + 1];
  return '';
}
