// Per-endpoint upstream state (ARCHITECTURE.md hot-path rules 6 and 7): in-flight count and passive
// health, keyed by endpoint id (`ip:port`), reference-counted so a snapshot swap that keeps an
// endpoint keeps its state (README "Routing rules"). The state also holds the endpoint's undici
// connection pool (docs/benchmarks/http.md), so kept-alive upstream connections survive snapshot swaps and are
// closed (gracefully: in-flight requests finish) when the last reference goes.

import type { Dispatcher } from 'undici';

/** Passive health window: WINDOW_BUCKETS buckets of BUCKET_MS each (10 s). */
const BUCKET_MS = 1000;
const WINDOW_BUCKETS = 10;
/** Failures in the window before an endpoint is skipped, if they also outnumber successes. */
export const FAILURE_THRESHOLD = 5;

/**
 * Fixed-size windowed counters: a ring of per-second buckets stamped with their second, so an
 * old bucket is recognised and reset lazily on access. No timer per failure (rule 7).
 */
export class EndpointState {
  readonly id: string;
  inflight = 0;
  /** Snapshots/clusters currently referencing this endpoint. */
  refs = 0;
  /** Keep-alive connection pool to this endpoint, created by the forwarder on first use. */
  pool: Dispatcher | null = null;
  /** Pools of non-default upstream profiles (TLS, HTTP/2, own timeouts), by profile key (upstream-profile.ts). */
  profilePools: Map<string, Dispatcher> | null = null;
  private readonly stamps = new Float64Array(WINDOW_BUCKETS);
  private readonly failures = new Uint32Array(WINDOW_BUCKETS);
  private readonly successes = new Uint32Array(WINDOW_BUCKETS);

  constructor(id: string) {
    this.id = id;
  }

  private bucket(now: number): number {
    const second = Math.floor(now / BUCKET_MS);
    const i = second % WINDOW_BUCKETS;
    if (this.stamps[i] !== second) {
      this.stamps[i] = second;
      this.failures[i] = 0;
      this.successes[i] = 0;
    }
    return i;
  }

  recordSuccess(now: number): void {
    this.successes[this.bucket(now)]++;
  }

  recordFailure(now: number): void {
    this.failures[this.bucket(now)]++;
  }

  /** Failures and successes within the window ending at `now`. */
  window(now: number): { failures: number; successes: number } {
    const second = Math.floor(now / BUCKET_MS);
    let failures = 0;
    let successes = 0;
    for (let i = 0; i < WINDOW_BUCKETS; i++) {
      if (second - this.stamps[i] < WINDOW_BUCKETS) {
        failures += this.failures[i];
        successes += this.successes[i];
      }
    }
    return { failures, successes };
  }

  /** Last reference gone: let in-flight requests finish, then close the pool's connections. */
  dispose(): void {
    const p = this.pool;
    this.pool = null;
    if (p !== null) p.close().catch(() => undefined);
    const pp = this.profilePools;
    this.profilePools = null;
    if (pp !== null) for (const d of pp.values()) d.close().catch(() => undefined);
  }

  /** Passive health: too many recent connect failures, more than successes. */
  healthy(now: number): boolean {
    const w = this.window(now);
    return w.failures < FAILURE_THRESHOLD || w.failures <= w.successes;
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
    }
  }

  get(id: string): EndpointState | undefined {
    return this.states.get(id);
  }

  inflight(id: string): number {
    return this.states.get(id)?.inflight ?? 0;
  }

  get size(): number {
    return this.states.size;
  }
}
