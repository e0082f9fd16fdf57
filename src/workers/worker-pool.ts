// The primary's side of `--workers N` (README "Worker processes"): N worker processes, each running
// the HTTP, HTTPS and L4 dataplanes on SO_REUSEPORT listeners, driven through the one Dataplane
// contract (model/dataplane.ts) so the controller treats the whole pool as one target. A snapshot
// is served once every live worker acknowledged it; a worker that does not acknowledge within the
// ack timeout is replaced; one that dies is restarted with backoff while the others keep serving.
import type { ApplyResult, Dataplane } from '../model/dataplane.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import type { Endpoint, EndpointSet } from '../model/endpoint.ts';
import type { Snapshot } from '../model/snapshot.ts';
import type { Logger } from '../util/logger.ts';
import type { Metrics } from '../util/metrics.ts';
import { counterTotal, mergeMetrics } from './metrics-merge.ts';
import type { HealthMessage, HealthPlane, WorkerInit } from './protocol.ts';
import { SharedHealth, type CheckerSet } from './shared-health.ts';
import { workerMetrics, type WorkerMetrics } from './worker-metrics.ts';
import { WorkerProcess } from './worker-process.ts';

export interface WorkerPoolOptions {
  readonly count: number;
  /** The worker entry module (src/worker.ts). */
  readonly entry: string;
  readonly execArgv: readonly string[];
  readonly initFor: (id: number) => WorkerInit;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** A worker that has not acknowledged a snapshot by then is stuck: it is replaced. */
  readonly ackTimeoutMs: number;
  /** In-flight bound of each worker replaced by a rolling restart. */
  readonly drainTimeoutMs: number;
  /** Restart delay after a crash: minMs, doubling per consecutive crash up to maxMs. */
  readonly backoff?: { readonly minMs: number; readonly maxMs: number };
  /** The active health checkers, run here once for every worker (shared-health.ts). */
  readonly healthCheckers: (plane: HealthPlane) => CheckerSet;
  /** Each active-check verdict change, also sent to the workers (the primary's own views). */
  readonly onHealth?: (m: HealthMessage) => void;
}

/** What /debug/workers shows of one worker slot. */
export interface WorkerView {
  readonly worker: number;
  readonly pid: number | null;
  readonly alive: boolean;
  readonly servedVersion: number;
}

/** A worker that ran this long without crashing starts its backoff over. */
const STABLE_MS = 10_000;
/** After the drain bound, a worker gets this long to exit before SIGKILL. */
const EXIT_GRACE_MS = 2_000;
const METRICS_TIMEOUT_MS = 2_000;

export class WorkerPool implements Dataplane {
  readonly name = 'workers';
  private readonly o: WorkerPoolOptions;
  private readonly m: WorkerMetrics;
  private readonly slots: (WorkerProcess | null)[];
  private readonly crashes: number[];
  private readonly killedFor = new WeakMap<WorkerProcess, string>();
  /** What a new or restarted worker must serve: the last snapshot and the endpoints since. */
  private last: { snapshot: Snapshot; endpoints: Map<string, readonly Endpoint[]> } | null = null;
  private stopping = false;
  private everServed = false;
  private rolling: Promise<void> | null = null;
  /** Next slot pickAcceptor tries first. */
  private rr = 0;
  /** A rolling restart's replacement, forked but not yet in its slot: it gets every delta too. */
  private readonly starting = new Set<WorkerProcess>();
  /** Active health checks, once for every worker (shared-health.ts). */
  private readonly health: SharedHealth;

  constructor(opts: WorkerPoolOptions) {
    this.o = opts;
    this.m = workerMetrics(opts.metrics);
    this.health = new SharedHealth({
      checkers: opts.healthCheckers,
      publish: (m) => {
        for (const w of this.receivers()) w.send(m);
        opts.onHealth?.(m);
      },
    });
    this.slots = Array.from({ length: opts.count }, () => null);
    this.crashes = Array.from({ length: opts.count }, () => 0);
  }

  /**
   * `--worker-accept primary`: the worker the next connection goes to, round-robin over the ones
   * that take connections, preferring those that acknowledged the current snapshot (a worker
   * just restarted serves 404 until its first apply lands).
   */
  pickAcceptor(): WorkerProcess | null {
    const n = this.slots.length;
    const version = this.last?.snapshot.version ?? 0;
    let fallback: WorkerProcess | null = null;
    for (let k = 0; k < n; k++) {
      const w = this.slots[(this.rr + k) % n];
      if (w === null || !w.takesConnections) continue;
      if (w.served >= version) {
        this.rr = (this.rr + k + 1) % n;
        return w;
      }
      fallback ??= w;
    }
    return fallback;
  }

  /** Fork every worker and wait until all listen; a bind failure here fails the start. */
  async start(): Promise<void> {
    const started = this.slots.map((_, i) => (this.slots[i] = this.spawn(i)));
    try {
      await Promise.all(started.map((w) => w.listening));
    } catch (err) {
      this.stopping = true;
      for (const w of started) w.kill();
      await Promise.all(started.map((w) => w.exited));
      throw err;
    }
    this.o.logger.info({ workers: this.o.count }, 'worker processes listening');
  }

  private spawn(slot: number): WorkerProcess {
    const w = new WorkerProcess({
      entry: this.o.entry,
      execArgv: this.o.execArgv,
      init: this.o.initFor(slot + 1),
      onMalformed: (kind) => {
        this.m.malformed.inc({ side: 'primary' });
        this.o.logger.error({ worker: slot + 1, kind }, 'malformed message from a worker ignored (a bug)');
      },
    });
    void w.exited.then((code) => this.onExit(slot, w, code));
    return w;
  }

  private onExit(slot: number, w: WorkerProcess, code: number | null): void {
    if (this.slots[slot] !== w || this.stopping) return; // replaced on purpose, or shutting down
    this.slots[slot] = null;
    const reason = this.killedFor.get(w) ?? 'exit';
    this.m.restarts.inc({ worker: String(w.id), reason });
    const n = ++this.crashes[slot];
    const { minMs, maxMs } = this.o.backoff ?? { minMs: 100, maxMs: 30_000 };
    const delay = Math.min(maxMs, minMs * 2 ** (n - 1));
    this.o.logger.error({ worker: w.id, pid: w.child.pid, code, reason, restartInMs: delay }, 'worker process ended; restarting it while the others serve');
    setTimeout(() => void this.revive(slot), delay);
  }

  private async revive(slot: number): Promise<void> {
    if (this.stopping || this.slots[slot] !== null) return;
    const w = this.spawn(slot);
    this.slots[slot] = w;
    this.sendLast(w);
    try {
      await w.listening;
    } catch (err) {
      this.o.logger.error({ worker: w.id, err }, 'restarted worker could not listen');
      w.kill();
      return;
    }
    this.o.logger.info({ worker: w.id, pid: w.child.pid }, 'worker process restarted');
    setTimeout(() => {
      if (this.slots[slot] === w && w.isAlive) this.crashes[slot] = 0;
    }, STABLE_MS).unref();
  }

  /** A worker's init is followed by the current snapshot and verdicts; it queues them until it listens. */
  private sendLast(w: WorkerProcess): void {
    if (!this.last) return;
    w.send({ t: 'apply', snapshot: this.last.snapshot, endpoints: this.last.endpoints });
    for (const m of this.health.state()) w.send(m);
  }

  private live(): WorkerProcess[] {
    return this.slots.filter((w): w is WorkerProcess => w !== null && w.isAlive);
  }

  /**
   * Who gets each message after the snapshot: the live workers and a replacement still starting
   * (it got the snapshot at fork; a delta sent only to the slots would be missing from it).
   */
  private receivers(): WorkerProcess[] {
    return this.starting.size === 0 ? this.live() : [...this.live(), ...this.starting];
  }

  async apply(snapshot: Snapshot, endpoints: EndpointSet): Promise<ApplyResult> {
    this.last = { snapshot, endpoints: new Map(endpoints) };
    const live = this.live();
    for (const w of this.receivers()) w.send({ t: 'apply', snapshot, endpoints: this.last.endpoints });
    // After the apply on the channel: a verdict it changes (an endpoint that left) follows it.
    this.health.apply(snapshot, this.last.endpoints);
    const acks = await Promise.all(live.map((w) => w.acked(snapshot.version, this.o.ackTimeoutMs)));
    live.forEach((w, i) => {
      if (acks[i] || !w.isAlive) return;
      this.o.logger.error({ worker: w.id, version: snapshot.version, ackTimeoutMs: this.o.ackTimeoutMs }, 'worker did not acknowledge the snapshot in time: replacing it');
      this.killedFor.set(w, 'ack-timeout');
      w.kill();
    });
    const failed = live.filter((w, i) => acks[i] && w.failed.length > 0);
    if (failed.length > 0) {
      throw new Error(`apply failed in worker(s) ${failed.map((w) => `${w.id} (${w.failed.join(', ')})`).join(', ')}`);
    }
    return { diagnostics: this.diagnostics() };
  }

  /** Every worker reports the same diagnostics for the same snapshot (ListenFailed…): once each. */
  private diagnostics(): Diagnostic[] {
    const seen = new Map<string, Diagnostic>();
    for (const w of this.live()) for (const d of w.diagnostics) seen.set(JSON.stringify([d.object, d.reason, d.message]), d);
    return [...seen.values()];
  }

  updateEndpoints(clusterId: string, endpoints: readonly Endpoint[]): void {
    if (this.last?.endpoints.has(clusterId)) this.last.endpoints.set(clusterId, endpoints);
    for (const w of this.receivers()) w.send({ t: 'endpoints', clusterId, endpoints });
    this.health.updateEndpoints(clusterId, endpoints);
  }

  /** Readiness: every worker acknowledged a snapshot at least once (then stays true, like the controller's). */
  isServing(): boolean {
    if (!this.everServed && this.slots.every((w) => w !== null && w.served > 0)) this.everServed = true;
    return this.everServed;
  }

  servedBy(): Record<string, number> {
    return Object.fromEntries(this.slots.map((w, i) => [`worker-${i + 1}`, w?.served ?? 0]));
  }

  view(): WorkerView[] {
    return this.slots.map((w, i) => ({ worker: i + 1, pid: w?.child.pid ?? null, alive: w?.isAlive ?? false, servedVersion: w?.served ?? 0 }));
  }

  /** The primary's registry merged with every worker's that answers in time (metrics-merge.ts). */
  async metricsText(): Promise<{ contentType: string; body: string }> {
    const live = this.live();
    const replies = await Promise.all(live.map((w) => w.metrics(METRICS_TIMEOUT_MS)));
    const workers = live.flatMap((w, i) => (replies[i] === null ? [] : [{ id: w.id, metrics: replies[i] }]));
    for (const [i, w] of this.slots.entries()) this.m.servedVersion.set({ worker: String(i + 1) }, w?.served ?? 0);
    for (const w of workers) this.m.requests.set({ worker: String(w.id) }, counterTotal(w, 'portico_http_requests_total'));
    const merged = mergeMetrics(await this.o.metrics.registry.getMetricsAsJSON(), workers);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }

  /**
   * Replace the workers one at a time (SIGUSR2, POST /workers/restart): the new process listens on
   * the same ports (SO_REUSEPORT) and acknowledges the current snapshot before the old one drains,
   * so some process accepts at every instant.
   */
  rollingRestart(): Promise<void> {
    this.rolling ??= this.doRollingRestart().finally(() => (this.rolling = null));
    return this.rolling;
  }

  private async doRollingRestart(): Promise<void> {
    this.o.logger.info({ workers: this.o.count }, 'rolling restart of the worker processes');
    for (let i = 0; i < this.slots.length && !this.stopping; i++) {
      const old = this.slots[i];
      const next = this.spawn(i);
      this.sendLast(next);
      this.starting.add(next);
      const ok = await next.listening.then(() => (this.last ? next.acked(this.last.snapshot.version, this.o.ackTimeoutMs) : true), () => false)
        .finally(() => this.starting.delete(next));
      if (!ok || this.stopping) {
        next.kill();
        throw new Error(`rolling restart stopped: the new worker ${i + 1} did not come up (the old one keeps serving)`);
      }
      this.slots[i] = next;
      this.m.restarts.inc({ worker: String(i + 1), reason: 'rolling' });
      this.crashes[i] = 0;
      if (old) await old.drain(this.o.drainTimeoutMs, EXIT_GRACE_MS);
      this.o.logger.info({ worker: i + 1, pid: next.child.pid }, 'worker replaced');
    }
  }

  /** Every worker stops accepting and finishes in-flight work within `drainMs` (README "Worker processes"). */
  async close(drainMs: number): Promise<void> {
    this.stopping = true;
    this.health.close();
    await this.rolling?.catch(() => {});
    await Promise.all(this.slots.filter((w) => w !== null).map((w) => w.drain(drainMs, EXIT_GRACE_MS)));
  }
}
