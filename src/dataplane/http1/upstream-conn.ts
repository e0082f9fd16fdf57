// One keep-alive connection to an upstream endpoint: a net.Socket and a strict ResponseParser
// (parser.ts), set up once and reused for request after request. Its user (a client connection
// of the engine, client-conn.ts) is attached for one exchange at a time. A response the parser
// refuses poisons only this connection: it is destroyed, never reused.
import net, { type Socket } from 'node:net';
import { ResponseParser } from './parser.ts';
import type { Http1Limits, MessageHead, ParseFailure, ResponseSink } from './types.ts';
import type { Timed, TimerWheel } from './timer-wheel.ts';

/** Upstream response heads up to this size pass (the node path's undici bound is the same order). */
export const UPSTREAM_LIMITS: Http1Limits = { maxRequestLineBytes: 8 * 1024, maxHeaderBytes: 128 * 1024, maxHeaderCount: 1000 };

/** What an exchange gets told about its upstream connection. */
export interface UpstreamUser {
  onUpstreamReady(conn: UpstreamConn): void;
  onUpstreamHead(head: MessageHead): void;
  onUpstreamBody(chunk: Buffer): void;
  onUpstreamComplete(): void;
  /** Refused response, connect failure, timeout or close before the response ended. */
  onUpstreamFailed(conn: UpstreamConn, kind: 'connect' | 'timeout' | 'reset' | 'invalid', detail: string): void;
  onUpstreamDrain(): void;
  /** Start / end of one socket read: the client side corks around it. */
  batch(on: boolean): void;
}

export interface PoolOwner {
  release(conn: UpstreamConn): void;
  forget(conn: UpstreamConn): void;
}

export class UpstreamConn implements ResponseSink, Timed {
  readonly socket: Socket;
  readonly parser: ResponseParser;
  readonly pool: PoolOwner;
  private readonly wheel: TimerWheel;
  user: UpstreamUser | null = null;
  connected = false;
  /** Answered at least one response: a close before any byte of the next may be the keep-alive race. */
  reused = false;
  /** Bytes of the current response seen. */
  responding = false;
  dead = false;
  /** Responses completed on this connection. */
  responses = 0;
  deadline = 0;
  private deadlineKind: 'connect' | 'timeout' | 'idle' = 'connect';
  /** A response completed in the socket read being parsed: any byte after it was not asked for. */
  private completedInRead = false;

  constructor(pool: PoolOwner, wheel: TimerWheel, host: string, port: number, connectTimeoutMs: number) {
    this.pool = pool;
    this.wheel = wheel;
    this.parser = new ResponseParser(UPSTREAM_LIMITS, this);
    this.socket = net.connect({ host, port, noDelay: true });
    this.setDeadline('connect', connectTimeoutMs);
    wheel.add(this);
    const self = this;
    this.socket.on('connect', function onConnect() {
      self.connected = true;
      self.deadline = 0;
      self.user?.onUpstreamReady(self);
    });
    this.socket.on('data', function onData(chunk: Buffer) {
      const u = self.user;
      if (u === null) { self.destroy(); return; } // bytes nobody asked for: not reusable
      self.responding = true;
      self.completedInRead = false;
      u.batch(true);
      self.parser.execute(chunk);
      u.batch(false);
      // Part of a head behind a complete response would be read as the start of the next one.
      if (self.completedInRead && !self.parser.idle) self.unsolicited();
    });
    this.socket.on('drain', function onDrain() { self.user?.onUpstreamDrain(); });
    this.socket.on('error', function onError() { /* 'close' follows */ });
    this.socket.on('close', function onClose() { self.closed(); });
  }

  /** Arms the coarse timer: connect, response head / idle body read, or idle in the pool. */
  setDeadline(kind: 'connect' | 'timeout' | 'idle', ms: number): void {
    this.deadlineKind = kind;
    this.deadline = ms > 0 ? this.wheel.now + ms : 0;
  }

  onDeadline(): void {
    const u = this.user;
    const kind = this.deadlineKind;
    this.destroy();
    if (u !== null && kind !== 'idle') u.onUpstreamFailed(this, kind === 'connect' ? 'connect' : 'timeout', kind === 'connect' ? 'connect timeout' : 'no response in time');
  }

  onHead(head: MessageHead): void {
    if (this.completedInRead) this.unsolicited();
    else this.user?.onUpstreamHead(head);
  }

  onBody(chunk: Buffer): void {
    if (this.completedInRead) this.unsolicited();
    else this.user?.onUpstreamBody(chunk);
  }

  onComplete(): void {
    if (this.completedInRead) {
      this.unsolicited();
      return;
    }
    this.completedInRead = true;
    const u = this.user;
    this.responding = false;
    this.reused = true;
    this.responses++;
    u?.onUpstreamComplete();
  }

  onError(failure: ParseFailure): void {
    if (this.completedInRead) {
      this.unsolicited();
      return;
    }
    const u = this.user;
    this.destroy();
    u?.onUpstreamFailed(this, 'invalid', `invalid response: ${failure.code}`);
  }

  onInterim(): void {
    // 1xx before the final response (100 Continue, 103): not relayed by this engine.
  }

  /** Back to the pool after a complete exchange. */
  idle(keepAliveMs: number): void {
    this.user = null;
    this.parser.reset();
    // Client backpressure may have paused the read as the response ended.
    if (this.socket.isPaused()) this.socket.resume();
    this.setDeadline('idle', keepAliveMs);
  }

  /**
   * Bytes behind a complete response in the same read: one request is outstanding at a time, so
   * they answer nothing (RFC 9112 §9.3.2: responses match requests by order). Reusing the
   * connection would read them as the next request's response, so it is destroyed; a user it was
   * already handed to (upstream-pool.ts release) meets the kept-alive reuse race and is retried on
   * a new connection (exchange.ts onUpstreamFailed).
   */
  private unsolicited(): void {
    if (this.dead) return;
    const u = this.user;
    this.destroy();
    u?.onUpstreamFailed(this, 'reset', 'sent bytes after the response');
  }

  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    this.user = null;
    this.deadline = 0;
    this.wheel.delete(this);
    this.socket.destroy();
    this.pool.forget(this);
  }

  private closed(): void {
    const u = this.user;
    if (u !== null && !this.dead) {
      // RFC 9112 §6.3: a body delimited by the close ends here (onComplete); a cut-short message
      // fails in the parser (onError); with no byte of a response yet, nothing happens there.
      const before = this.responses;
      this.parser.finish();
      if (this.responses === before && !this.dead) {
        const wasConnected = this.connected;
        this.destroy();
        u.onUpstreamFailed(this, wasConnected ? 'reset' : 'connect', wasConnected ? 'closed the connection' : 'connection refused');
        return;
      }
    }
    this.destroy();
  }
}
