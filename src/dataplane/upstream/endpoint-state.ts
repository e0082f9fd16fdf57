// Per-endpoint upstream state (ARCHITECTURE.md hot-path rules 6 and 7): in-flight count and passive
// health, keyed by endpoint id (`ip:port`), reference-counted so a snapshot swap that keeps an
// endpoint keeps its state (README "Routing rules"). The state also holds the endpoint's undici
// connection pool (docs/benchmarks/http.md), so kept-alive upstream connections survive snapshot swaps and are
// closed (gracefully: in-flight requests finish) when the last reference goes.

import type { Dispatcher } from 'undici';
import type { LoadListener } from '../balancer/balancer.ts';
import { decayEwma } from '../balancer/ewma.ts';
import { DEFAULT_OUTLIER, OutlierState, type Outcome } from './outlier.ts';

/** Kept for callers that count failures towards the windowed trigger. */
export const FAILURE_THRESHOLD = DEFAULT_OUTLIER.windowFailures;

/**
 * State of one endpoint shared by every cluster that lists it: in-flight count, outlier
 * (passive health) state, active-check verdict, smoothed latency and the connection pool.
 */
export class EndpointState {
  readonly id: string;
  private count = 0;
  /** Snapshots/clusters currently referencing this endpoint. */
  refs = 0;
  /** Keep-alive connection pool to this endpoint, created by the forwarder on first use. */
  pool: Dispatcher | null = null;
  readonly outlier = new OutlierState();
  /** Active health checks: false after `unhealthy-threshold` failed probes (dataplane/health). */
  activeHealthy = true;
  /** Smoothed response time (ms) and when it was last sampled (ewma policy). */
  ewmaMs = 0;
  ewmaAt = 0;
  /** Pools of non-default upstream profiles (TLS, HTTP/2, own timeouts), by profile key (upstream-profile.ts). */
  profilePools: Map<string, Dispatcher> | null = null;
  /** Balancers indexing this endpoint by load (lc/wlc/sed/nq), told of every in-flight change; null = none. */
  listeners: LoadListener[] | null = null;
  /** The lean HTTP/1.1 engine's pool to this endpoint (src/dataplane/http1/upstream-pool.ts). */
  leanPool: { close(): void; destroy(): void } | null = null;

  constructor(id: string) {
    this.id = id;
  }

  /** Attempts in flight on this endpoint. */
  get inflight(): number {
    return this.count;
  }

  /** Every write tells the balancers indexing by load, whoever writes (nothing to do when none). */
  set inflight(n: number) {
    this.count = n;
    const ls = this.listeners;
    if (ls !== null) for (let i = 0; i < ls.length; i++) ls[i].loadChanged(this.id);
  }

  listen(l: LoadListener): void {
    if (this.listeners === null) this.listeners = [l];
    else if (!this.listeners.includes(l)) this.listeners.push(l);
  }

  unlisten(l: LoadListener): void {
    const ls = this.listeners;
    if (ls === null) return;
    const i = ls.indexOf(l);
    if (i >= 0) ls.splice(i, 1);
    if (ls.length === 0) this.listeners = null;
  }

  /**
   * One attempt's outcome; `latencyMs` < 0 when no balancer of the cluster reads latencies (the
   * average is then not touched: a feature that is off costs nothing).
   */
  record(outcome: Outcome, now: number, latencyMs = -1): boolean {
    if (latencyMs >= 0 && (outcome === 'ok' || outcome === '5xx')) {
      this.ewmaMs = this.ewmaAt === 0 ? latencyMs : decayEwma(this.ewmaMs, this.ewmaAt, latencyMs, now);
      this.ewmaAt = now;
    }
    return this.outlier.record(outcome, now, DEFAULT_OUTLIER);
  }

  recordSuccess(now: number): void {
    this.record('ok', now);
  }

  /** A connect failure; ejects on the default thresholds when nothing else decides. */
  recordFailure(now: number): void {
    if (this.outlier.record('connect', now, DEFAULT_OUTLIER)) this.outlier.eject(now, DEFAULT_OUTLIER);
  }

  window(now: number): { failures: number; successes: number } {
    return this.outlier.window(now);
  }

  /** The ewma score: the average decayed to now. */
  latency(now: number): number {
    return this.ewmaAt === 0 ? 0 : decayEwma(this.ewmaMs, this.ewmaAt, 0, now);
  }

  /** Last reference gone: let in-flight requests finish, then close the pool's connections. */
  dispose(): void {
    const p = this.pool;
    this.pool = null;
    if (p !== null) p.close().catch(() => undefined);
    const pp = this.profilePools;
    this.profilePools = null;
    if (pp !== null) for (const d of pp.values()) d.close().catch(() => undefined);
    const lp = this.leanPool;
    this.leanPool = null;
    if (lp !== null) lp.close();
  }

  /** Not ejected and not failing active checks. */
  healthy(now: number): boolean {
    return this.activeHealthy && !this.outlier.ejected(now);
  }
}

/** Endpoint id → state, shared by every cluster runtime (the same pod may back several). */
export class EndpointRegistry {
  private readonly states = new Map<string, EndpointState>();

  acquire(id: string): EndpointState {
    let s = this.states.get(id);
    if (!s) this.states.set(id, (s = new EndpointState(id)));
    s.refs++;
    return s;
  }

  release(id: string): void {
    const s = this.states.get(id);
    if (!s) return;
    if (--s.refs <= 0) {
      this.states.delete(id);
      s.dispose();
    }
  }

  /** Shutdown: drop every pool's connections now. */
  destroyPools(): void {
    for (const s of this.states.values()) {
      const p = s.pool;
      s.pool = null;
      if (p !== null) p.destroy().catch(() => undefined);
      const pp = s.profilePools;
      s.profilePools = null;
      if (pp !== null) for (const d of pp.values()) d.destroy().catch(() => undefined);
      const lp = s.leanPool;
      s.leanPool = null;
      if (lp !== null) lp.destroy();
    }
  }

  get(id: string): EndpointState | undefined {
    return this.states.get(id);
  }

  values(): IterableIterator<EndpointState> {
    return this.states.values();
  }

  inflight(id: string): number {
    return this.states.get(id)?.inflight ?? 0;
  }

  get size(): number {
    return this.states.size;
  }
}
