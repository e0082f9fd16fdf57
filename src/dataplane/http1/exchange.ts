// The upstream exchange of one lean client connection (client-conn.ts holds the client side):
// endpoint choice and retries (SPEC §1.7), the upstream request head and body (chunk-framed when
// the client's was), the response head rewritten for the client (response-head.ts) and its body
// relayed with backpressure both ways. Its fields are the state of the one request being
// answered, reused for every request on the connection (no per-request closure, timer or Promise).
import type { Socket } from 'node:net';
import type { Endpoint } from '../../model/endpoint.ts';
import { PorticoError } from '../../util/errors.ts';
import { isNonIdempotent } from '../upstream/compiled-upstream.ts';
import type { ClusterRuntime } from '../upstream/cluster-runtime.ts';
import type { EndpointState } from '../upstream/endpoint-state.ts';
import type { RequestContext } from '../http/request-context.ts';
import type { PickRequest } from '../http/route-balancing.ts';
import { noteResumed, pausedSendTimeout, yieldToWaiter } from '../http/slow-readers.ts';
import { clientResponseHead, upstreamRequestHead } from './response-head.ts';
import type { MessageHead } from './types.ts';
import type { UpstreamConn, UpstreamUser } from './upstream-conn.ts';
import type { LeanEngine } from './engine.ts';
import type { LeanPool } from './upstream-pool.ts';

export const P_IDLE = 0, P_REQ = 1, P_CLOSED = 2, P_UPGRADE = 3;
const MAX_ATTEMPTS = 3; // SPEC §1.7
/** Response bodies up to this size are copied behind the head into one write. */
const MERGE_BYTES = 16 * 1024;

export abstract class UpstreamExchange implements UpstreamUser {
  protected readonly engine: LeanEngine;
  readonly socket: Socket;
  deadline = 0;
  protected phase = P_IDLE;
  // The request in progress.
  protected ctx: RequestContext | null = null;
  protected method = '';
  protected path = '';
  protected upHeaders: string[] = [];
  protected reqChunked = false;
  protected reqDone = false;
  protected keepAlive = true;
  protected countBytes = false;
  protected cluster: ClusterRuntime | null = null;
  protected pick: PickRequest | null = null;
  protected endpoint: Endpoint | null = null;
  protected state: EndpointState | null = null;
  protected up: UpstreamConn | null = null;
  protected upReady = false;
  protected waitPool: LeanPool | null = null;
  /** Inside a parser pass; an upstream ready meanwhile waits for its end (readyPending). */
  protected parsing = false;
  protected readyPending = false;
  protected upKeepAlive = false;
  /** Body chunks read before the upstream connection was ready (still resendable on a retry). */
  protected queue: Buffer[] | null = null;
  protected sentBody = false;
  protected exclude: Set<string> | null = null;
  /** The one retry of the kept-alive reuse race was spent (it counts against no retry bound). */
  protected raceRetried = false;
  /** The next attempt: this endpoint, on a new connection (the reuse race's retry). */
  protected freshEp: Endpoint | null = null;
  /** The upstream connection of this attempt closes after it (the reuse race's retry, as the node path's one-connection client). */
  protected oneShot = false;
  protected lastError: PorticoError | null = null;
  protected respStarted = false;
  protected respChunked = false;
  protected respBodyless = false;
  protected respKeepAlive = false;
  protected sentAt = 0;
  /** Client reads paused: the upstream is not ready or reports backpressure. */
  protected readPaused = false;
  protected readonly headOut = { chunked: false, close: false };
  protected http10 = false;
  /** Response head not yet written (see onUpstreamHead). */
  protected pendingHead: string | null = null;

  constructor(engine: LeanEngine, socket: Socket) {
    this.engine = engine;
    this.socket = socket;
  }

  /** Portico answers the request itself (no response started). */
  protected abstract fail(err: PorticoError): void;

  /** The response is complete: the next request (keep) or the close. */
  protected abstract finishRequest(keep: boolean): void;


  protected attempt(): void {
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
    // null: --upstream-max-connections are busy; onUpstreamReady comes when one is free, and a
    // stalled response may give its connection up for it (http/slow-readers.ts).
    if (c !== null) this.up = c;
    else if (state !== null) yieldToWaiter(state, now, this.engine.view.clientSendTimeoutMs, this.engine.view.maxConnectionsPerEndpoint);
    this.waitPool = c === null ? pool : null;
  }

  onUpstreamReady(conn: UpstreamConn): void {
    this.up = conn;
    this.waitPool = null;
    if (this.parsing) this.readyPending = true;
    else this.sendRequest(conn);
  }

  protected sendRequest(conn: UpstreamConn): void {
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

  protected writeUp(s: Socket, chunk: Buffer): boolean {
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
      const t = pausedSendTimeout(this.state, this.socket, this.engine.view.clientSendTimeoutMs, this.engine.view.maxConnectionsPerEndpoint);
      this.deadline = t > 0 ? this.engine.wheel.now + t : 0;
    }
  }

  protected clientDrain(): void {
    const up = this.up;
    if (up !== null && this.respStarted && up.socket.isPaused()) {
      if (this.state !== null) noteResumed(this.state, this.socket);
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

  protected flushHead(): void {
    const head = this.pendingHead;
    if (head !== null) {
      this.pendingHead = null;
      this.socket.write(head, 'latin1');
    }
  }


  protected releaseState(): void {
    const s = this.state;
    if (s !== null) {
      this.state = null;
      (this.cluster as ClusterRuntime).end(noteResumed(s, this.socket));
    }
  }

  protected dropUpstream(): void {
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

  protected pauseReads(): void {
    if (!this.readPaused) {
      this.readPaused = true;
      this.socket.pause();
    }
  }

  protected resumeReads(): void {
    this.readPaused = false;
    this.socket.resume();
  }

}
