// The active health checkers of a dataplane: one ClusterHealthChecker per cluster whose model
// asks for checks, reconciled at every apply (kept when the check is unchanged, replaced when it
// changed, stopped when the cluster no longer asks or left the snapshot).
// In a worker process (README "Worker processes") the checks run once, in the primary
// (src/workers/shared-health.ts), and a worker's checkers are 'remote': they probe nothing and apply
// the unhealthy sets the primary sends, so every worker skips the same endpoints.

import { isDeepStrictEqual } from 'node:util';
import type { Cluster } from '../../model/cluster.ts';
import { ClusterHealthChecker, type CheckerOptions, type HealthTarget } from './health-checker.ts';
import type { Logger } from '../../util/logger.ts';
import type { Metrics } from '../../util/metrics.ts';

export interface CheckedCluster extends HealthTarget {
  readonly cluster: Cluster;
}

/** The HTTP dataplane's hooks (also the primary's, which checks for its workers): result counter, panic log lines. */
export function httpCheckHooks(metrics: Metrics, logger: Logger): CheckerOptions {
  return {
    onResult: (cluster, healthy) => metrics.healthCheckResults.labels(cluster, healthy ? 'healthy' : 'unhealthy').inc(),
    onPanic: (cluster, panic) => {
      if (panic) logger.warn({ cluster }, 'every endpoint fails its health checks: panic mode, all are used');
      else logger.info({ cluster }, 'an endpoint passes its health checks again: panic mode over');
    },
  };
}

/** Where verdicts come from: this process's probes, or another process's (setUnhealthy). */
export type HealthSource = 'probe' | 'remote';

export class HealthCheckers {
  private readonly checkers = new Map<string, ClusterHealthChecker>();
  private readonly mode: 'http' | 'tcp';
  private readonly opts: CheckerOptions;
  private readonly source: HealthSource;
  /** 'remote': the checked clusters and the unhealthy endpoint ids received for each. */
  private readonly targets = new Map<string, CheckedCluster>();
  private readonly unhealthy = new Map<string, ReadonlySet<string>>();

  /** `mode`: 'http' for HTTP clusters (TCP when a check has no path), 'tcp' for L4 clusters. */
  constructor(mode: 'http' | 'tcp', opts: CheckerOptions = {}, source: HealthSource = 'probe') {
    this.mode = mode;
    this.opts = opts;
    this.source = source;
  }

  sync(clusters: Iterable<CheckedCluster>): void {
    if (this.source === 'remote') {
      this.syncRemote(clusters);
      return;
    }
    const keep = new Set<string>();
    for (const c of clusters) {
      const hc = c.cluster.healthCheck;
      if (hc === undefined || c.cluster.kind !== 'endpoints') continue;
      keep.add(c.id);
      const old = this.checkers.get(c.id);
      if (old !== undefined && old.target === c && isDeepStrictEqual(old.cfg, hc)) continue;
      old?.stop();
      const mode = this.mode === 'tcp' || hc.path === null ? 'tcp' : 'http';
      const ck = new ClusterHealthChecker(c, hc, mode, this.opts);
      this.checkers.set(c.id, ck);
      ck.start();
    }
    for (const [id, ck] of this.checkers) {
      if (!keep.has(id)) {
        ck.stop();
        this.checkers.delete(id);
      }
    }
  }

  /**
   * 'remote': the verdicts are re-applied to the cluster objects of this apply (a new runtime
   * starts with every endpoint healthy); a verdict may arrive before the snapshot of its cluster,
   * so it is kept until the cluster leaves.
   */
  private syncRemote(clusters: Iterable<CheckedCluster>): void {
    this.targets.clear();
    for (const c of clusters) {
      this.targets.set(c.id, c);
      for (const id of this.unhealthy.get(c.id) ?? []) c.setHealthy(id, false);
    }
    for (const id of this.unhealthy.keys()) if (!this.targets.has(id)) this.unhealthy.delete(id);
  }

  /** 'remote': the endpoints of `clusterId` that fail their checks now (all others pass). */
  setUnhealthy(clusterId: string, ids: readonly string[]): void {
    const before = this.unhealthy.get(clusterId) ?? new Set<string>();
    const next = new Set(ids);
    if (next.size === 0) this.unhealthy.delete(clusterId);
    else this.unhealthy.set(clusterId, next);
    const t = this.targets.get(clusterId);
    if (t === undefined) return;
    for (const id of before) if (!next.has(id)) t.setHealthy(id, true);
    for (const id of next) t.setHealthy(id, false);
  }

  get(id: string): ClusterHealthChecker | undefined {
    return this.checkers.get(id);
  }

  close(): void {
    for (const ck of this.checkers.values()) ck.stop();
    this.checkers.clear();
    this.targets.clear();
    this.unhealthy.clear();
  }
}
