// A worker process's side of the channel (protocol.ts): apply each snapshot to this process's
// dataplanes with their usual one-reference swap and acknowledge its version, pass endpoint
// updates straight through (the fast path stays as fast as in one process), answer metrics
// requests, drain on request. A malformed message is counted and logged, never fatal.
import type { Dataplane } from '../model/dataplane.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import type { Endpoint } from '../model/endpoint.ts';
import type { Logger } from '../util/logger.ts';
import type { Metrics } from '../util/metrics.ts';
import { messageKind, parseToWorker, type FromWorker, type HealthPlane, type ToWorker } from './protocol.ts';
import { workerMetrics } from './worker-metrics.ts';

export interface WorkerServing {
  /** This process's dataplanes, in the order the single process applies them. */
  readonly targets: readonly Dataplane[];
  /** The primary's active-check verdicts for one cluster (src/workers/shared-health.ts). */
  setUnhealthy(plane: HealthPlane, clusterId: string, endpointIds: readonly string[]): void;
  /** Stop accepting, finish in-flight work within `drainMs`, release every socket. */
  close(drainMs: number): Promise<void>;
}

export interface WorkerRuntimeOptions {
  readonly send: (m: FromWorker) => void;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** After a drain completed: the entry exits. */
  readonly onDrained: () => void;
}

export class WorkerRuntime {
  private readonly serving: WorkerServing;
  private readonly o: WorkerRuntimeOptions;
  /** Applies run one after another, as the controller serialises them in one process. */
  private applying: Promise<void> = Promise.resolve();
  private draining: Promise<void> | null = null;
  private pendingApplies = 0;

  constructor(serving: WorkerServing, opts: WorkerRuntimeOptions) {
    this.serving = serving;
    this.o = opts;
  }

  handle(raw: unknown): void {
    const m = parseToWorker(raw);
    if (m === null || m.t === 'init') {
      workerMetrics(this.o.metrics).malformed.inc({ side: 'worker' });
      this.o.logger.error({ kind: messageKind(raw) }, 'malformed message from the primary ignored (a bug)');
      return;
    }
    this.dispatch(m);
  }

  private dispatch(m: Exclude<ToWorker, { t: 'init' }>): void {
    switch (m.t) {
      case 'apply': {
        const { snapshot, endpoints } = m;
        this.pendingApplies++;
        this.applying = this.applying.then(async () => {
          const diagnostics: Diagnostic[] = [];
          const failed: string[] = [];
          for (const t of this.serving.targets) {
            try {
              diagnostics.push(...(await t.apply(snapshot, endpoints)).diagnostics);
            } catch (err) {
              failed.push(t.name);
              this.o.logger.error({ err, target: t.name, version: snapshot.version }, 'apply failed; that target keeps its previous snapshot');
            }
          }
          this.pendingApplies--;
          this.o.send({ t: 'applied', version: snapshot.version, diagnostics, failed });
        });
        return;
      }
      case 'endpoints':
        // Behind an apply still running (a worker that just started runs its first one
        // asynchronously): applied before it, the update would find no cluster and be lost, and
        // the apply would then install the snapshot's older endpoints. Otherwise at once.
        if (this.pendingApplies > 0) this.applying = this.applying.then(() => this.updateEndpoints(m.clusterId, m.endpoints));
        else this.updateEndpoints(m.clusterId, m.endpoints);
        return;
      case 'health':
        // Not queued behind a running apply: the dataplanes keep the verdict and re-apply it to the
        // clusters of the next snapshot (health-checkers.ts 'remote').
        try {
          this.serving.setUnhealthy(m.plane, m.clusterId, m.unhealthy);
        } catch (err) {
          this.o.logger.error({ err, cluster: m.clusterId }, 'health verdict update failed');
        }
        return;
      case 'conn':
        return; // taken with its socket by the entry (src/worker.ts, handed-connections.ts)
      case 'metrics':
        void this.o.metrics.registry.getMetricsAsJSON().then((metrics) => this.o.send({ t: 'metrics', seq: m.seq, metrics }));
        return;
      case 'drain':
        void this.drain(m.drainMs);
    }
  }

  private updateEndpoints(clusterId: string, endpoints: readonly Endpoint[]): void {
    for (const t of this.serving.targets) {
      try {
        t.updateEndpoints(clusterId, endpoints);
      } catch (err) {
        this.o.logger.error({ err, target: t.name, cluster: clusterId }, 'endpoint update failed');
      }
    }
  }

  /** Also when the primary is gone (IPC 'disconnect'): a worker never outlives its primary. */
  drain(drainMs: number): Promise<void> {
    this.draining ??= (async () => {
      this.o.logger.info({ drainMs }, 'worker draining');
      await this.serving.close(drainMs).catch((err) => this.o.logger.error({ err }, 'worker drain failed'));
      this.o.onDrained();
    })();
    return this.draining;
  }
}
