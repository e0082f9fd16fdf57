// The active health checkers of a dataplane: one ClusterHealthChecker per cluster whose model
// asks for checks, reconciled at every apply (kept when the check is unchanged, replaced when it
// changed, stopped when the cluster no longer asks or left the snapshot).

import { isDeepStrictEqual } from 'node:util';
import type { Cluster } from '../../model/cluster.ts';
import { ClusterHealthChecker, type CheckerOptions, type HealthTarget } from './health-checker.ts';

export interface CheckedCluster extends HealthTarget {
  readonly cluster: Cluster;
}

export class HealthCheckers {
  private readonly checkers = new Map<string, ClusterHealthChecker>();
  private readonly mode: 'http' | 'tcp';
  private readonly opts: CheckerOptions;

  /** `mode`: 'http' for HTTP clusters (TCP when a check has no path), 'tcp' for L4 clusters. */
  constructor(mode: 'http' | 'tcp', opts: CheckerOptions = {}) {
    this.mode = mode;
    this.opts = opts;
  }

  sync(clusters: Iterable<CheckedCluster>): void {
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

  get(id: string): ClusterHealthChecker | undefined {
    return this.checkers.get(id);
  }

  close(): void {
    for (const ck of this.checkers.values()) ck.stop();
    this.checkers.clear();
  }
}
