// One client connection of the lean engine (engine.ts): a RequestParser, routing of each request,
// its endings (error answers, keep-alive, close), timeouts, drain, and the hand-over to node:http
// or to a WebSocket splice; the upstream side of the exchange is exchange.ts, whose state is reused
// for every request on the connection (no per-request closure, timer or Promise: the socket
// listeners are set once, timeouts are fields the engine's wheel reads). Pipelined requests are
// parsed one at a time: the parser pauses after each request and resumes when its response is
// complete (RFC 9112 §9.3.2: responses in request order).
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { PorticoError } from '../../util/errors.ts';
import type { ClusterRuntime } from '../upstream/cluster-runtime.ts';
import { clientAddress, upstreamHeaderList, type ForwardInfo } from '../http/forwarded-headers.ts';
import { resolveClientAddress } from '../http/client-address.ts';
import { normalizeHost, parseTarget } from '../http/request-target.ts';
import { checkHostValue } from '../http/request-screen.ts';
import { RequestContext } from '../http/request-context.ts';
import { errorResponse, parseErrorResponse } from './error-text.ts';
import { P_CLOSED, P_IDLE, P_REQ, P_UPGRADE, UpstreamExchange } from './exchange.ts';
import { headNeedsNode, routeNeedsNode, singleHost } from './handoff.ts';
import { RequestParser } from './parser.ts';
import { upstreamRequestHead } from './response-head.ts';
import type { MessageHead, ParseFailure, ParserSink } from './types.ts';
import type { Timed } from './timer-wheel.ts';
import type { LeanEngine } from './engine.ts';
import { spliceUpgrade } from './ws-splice.ts';

export class ClientConn extends UpstreamExchange implements ParserSink, Timed {
  private readonly parser: RequestParser;
  /** IDLE with bytes of a head seen: the deadline is the header timeout, else the keep-alive one. */
  private headArmed = false;
  private readonly onData: (chunk: Buffer) => void;
  private readonly onDrain: () => void;
  private readonly onClose: () => void;
  /** The upstream head of a WebSocket handshake (P_UPGRADE). */
  private upgradeHead = '';

  constructor(engine: LeanEngine, socket: Socket) {
    super(engine, socket);
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

  // ---- Endings ----

  protected fail(err: PorticoError): void {
    const ctx = this.ctx as RequestContext;
    ctx.status = err.status;
    ctx.error = err.code;
    this.releaseState();
    const keep = this.keepAlive && this.reqDone && !this.engine.draining;
    this.socket.write(errorResponse(err, ctx, this.engine.wheel.date, keep), 'latin1');
    this.finishRequest(keep);
  }

  protected finishRequest(keep: boolean): void {
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
