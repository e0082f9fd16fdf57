// Passive health — outlier ejection (ARCHITECTURE.md hot-path rule 7; the model is Envoy's
// outlier detection, docs "Outlier detection": consecutive 5xx / gateway failures, ejection for
// base_ejection_time × times ejected, capped at max_ejection_time, at most max_ejection_percent
// of a cluster ejected). No timer: every decision reads the time it is given, so tests drive it
// with a fake clock, and an ejection ends by itself when its time has passed.

export type Outcome = 'ok' | 'connect' | '5xx' | 'timeout';
export type FailureKind = Exclude<Outcome, 'ok'>;

export interface OutlierConfig {
  /** Consecutive failed attempts (connect failure, 5xx, timeout) that eject an endpoint. */
  readonly consecutiveFailures: number;
  /** Windowed trigger: at least this many failures in the window, and more than successes. */
  readonly windowFailures: number;
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  /** Share of a cluster's endpoints that may be ejected at once, in percent. */
  readonly maxEjectedPercent: number;
}

/** Envoy's defaults (consecutive_5xx 5, base_ejection_time 30 s, max 300 s), share 50 %. */
export const DEFAULT_OUTLIER: OutlierConfig = {
  consecutiveFailures: 5,
  windowFailures: 5,
  baseEjectionMs: 30_000,
  maxEjectionMs: 300_000,
  maxEjectedPercent: 50,
};

/** Passive health window: WINDOW_BUCKETS buckets of BUCKET_MS each (10 s). */
const BUCKET_MS = 1000;
const WINDOW_BUCKETS = 10;

/**
 * Per-endpoint outlier state: a consecutive-failure count, fixed-size windowed counters (a ring
 * of per-second buckets stamped with their second, reset lazily on access) and the ejection.
 */
export class OutlierState {
  consecutive = 0;
  /** Ejected while now < ejectedUntil. */
  ejectedUntil = 0;
  /** Multiplier of the next ejection time (times ejected, decaying while healthy). */
  ejections = 0;
  lastReason: FailureKind | null = null;
  private readonly stamps = new Float64Array(WINDOW_BUCKETS);
  private readonly failures = new Uint32Array(WINDOW_BUCKETS);
  private readonly successes = new Uint32Array(WINDOW_BUCKETS);

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

  /** Record an attempt's outcome; true when a failure makes the endpoint due for ejection. */
  record(outcome: Outcome, now: number, cfg: OutlierConfig): boolean {
    if (outcome === 'ok') {
      this.consecutive = 0;
      this.successes[this.bucket(now)]++;
      return false;
    }
    this.consecutive++;
    this.failures[this.bucket(now)]++;
    this.lastReason = outcome;
    if (this.ejected(now)) return false;
    if (this.consecutive >= cfg.consecutiveFailures) return true;
    const w = this.window(now);
    return w.failures >= cfg.windowFailures && w.failures > w.successes;
  }

  ejected(now: number): boolean {
    return now < this.ejectedUntil;
  }

  /**
   * Eject from `now`: base × times ejected, capped. The multiplier first loses one step per base
   * time spent healthy since the last ejection ended, so an endpoint that failed once long ago
   * starts again from the base time.
   */
  eject(now: number, cfg: OutlierConfig): number {
    if (this.ejections > 0 && this.ejectedUntil > 0) {
      const healthyFor = now - this.ejectedUntil;
      if (healthyFor > 0) this.ejections = Math.max(0, this.ejections - Math.floor(healthyFor / cfg.baseEjectionMs));
    }
    this.ejections++;
    const ms = Math.min(cfg.baseEjectionMs * this.ejections, cfg.maxEjectionMs);
    this.ejectedUntil = now + ms;
    this.consecutive = 0;
    return ms;
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
}
