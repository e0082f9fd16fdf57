// Keep-alive pool of lean upstream connections to one endpoint, held by the endpoint's
// reference-counted state (upstream/endpoint-state.ts) like the node path's undici Pool: it
// survives snapshot swaps and closes when the last reference goes (busy connections finish their
// exchange first). Idle connections expire before the usual 5 s upstream keep-alive timeout.
import { UpstreamConn, type PoolOwner, type UpstreamUser } from './upstream-conn.ts';
import type { TimerWheel } from './timer-wheel.ts';

/** Idle upstream connection lifetime (the node path's undici keepAliveTimeout is the same). */
export const UPSTREAM_IDLE_MS = 4000;

export class LeanPool implements PoolOwner {
  private readonly host: string;
  private readonly port: number;
  private readonly wheel: TimerWheel;
  private readonly connectTimeoutMs: number;
  private readonly idleConns: UpstreamConn[] = [];
  private readonly all = new Set<UpstreamConn>();
  private readonly max: number;
  /** Exchanges waiting for a connection while `max` are open. */
  private readonly waiting: UpstreamUser[] = [];
  private closed = false;

  constructor(host: string, port: number, wheel: TimerWheel, connectTimeoutMs: number, max: number) {
    this.max = max;
    this.host = host;
    this.port = port;
    this.wheel = wheel;
    this.connectTimeoutMs = connectTimeoutMs;
  }

  /**
   * An idle connection (ready at once: onUpstreamReady is called), a new one connecting, or null
   * when `max` are busy: the user waits and gets onUpstreamReady when one frees up. `fresh`: never
   * an idle one (the retry of the kept-alive reuse race, client-conn.ts).
   */
  acquire(user: UpstreamUser, fresh = false): UpstreamConn | null {
    let c = fresh ? undefined : this.idleConns.pop();
    while (c !== undefined && c.dead) c = this.idleConns.pop();
    if (c !== undefined) {
      c.user = user;
      c.deadline = 0;
      user.onUpstreamReady(c);
      return c;
    }
    if (this.max > 0 && this.all.size >= this.max) {
      this.waiting.push(user);
      return null;
    }
    return this.open(user);
  }

  /** A waiting exchange gave up (its client went away). */
  cancel(user: UpstreamUser): void {
    const i = this.waiting.indexOf(user);
    if (i !== -1) this.waiting.splice(i, 1);
  }

  private open(user: UpstreamUser): UpstreamConn {
    const c = new UpstreamConn(this, this.wheel, this.host, this.port, this.connectTimeoutMs);
    this.all.add(c);
    c.user = user;
    return c;
  }

  release(conn: UpstreamConn): void {
    if (this.closed || conn.dead) {
      conn.destroy();
      return;
    }
    conn.idle(UPSTREAM_IDLE_MS);
    const next = this.waiting.shift();
    if (next !== undefined) {
      conn.user = next;
      conn.deadline = 0;
      next.onUpstreamReady(conn);
      return;
    }
    this.idleConns.push(conn);
  }

  forget(conn: UpstreamConn): void {
    this.all.delete(conn);
    const i = this.idleConns.indexOf(conn);
    if (i !== -1) this.idleConns.splice(i, 1);
    // A slot freed: the first waiting exchange connects.
    const next = this.waiting.shift();
    if (next !== undefined && !this.closed) this.open(next);
  }

  get size(): number {
    return this.all.size;
  }

  /** Shutdown: every connection, busy or not. */
  destroy(): void {
    this.closed = true;
    this.waiting.length = 0;
    for (const c of [...this.all]) c.destroy();
  }

  close(): void {
    this.closed = true;
    for (const c of [...this.idleConns]) c.destroy();
    this.idleConns.length = 0;
  }
}
