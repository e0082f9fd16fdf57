// Runtime side of a Cluster: its balancer and current endpoints. Keyed by cluster id and kept
// across snapshots (README "Routing rules"): the same id keeps its balancer (round-robin position,
// affinity table) and only receives updateEndpoints; the EndpointSlice fast path lands here.

import type { Cluster } from '../../model/cluster.ts';
import type { Endpoint } from '../../model/endpoint.ts';
import { createBalancer, type Balancer } from '../balancer/index.ts';
import type { EndpointRegistry, EndpointState } from './endpoint-state.ts';

export class ClusterRuntime {
  readonly id: string;
  cluster: Cluster;
  balancer: Balancer;
  endpoints: readonly Endpoint[] = [];
  /** Endpoint id → state for the current endpoints. */
  states = new Map<string, EndpointState>();
  private readonly registry: EndpointRegistry;

  constructor(cluster: Cluster, registry: EndpointRegistry) {
    this.id = cluster.id;
    this.cluster = cluster;
    this.registry = registry;
    this.balancer = this.makeBalancer(cluster);
  }

  private makeBalancer(cluster: Cluster): Balancer {
    const registry = this.registry;
    return createBalancer({
      policy: cluster.balancer,
      affinity: cluster.sessionAffinity,
      inflight: (id) => registry.inflight(id),
    });
  }

  /** New Cluster definition from a snapshot; the balancer is rebuilt only if its policy changed. */
  setCluster(cluster: Cluster): void {
    const old = this.cluster;
    this.cluster = cluster;
    if (old.balancer !== cluster.balancer || old.sessionAffinity.type !== cluster.sessionAffinity.type ||
      old.sessionAffinity.timeoutSeconds !== cluster.sessionAffinity.timeoutSeconds) {
      this.balancer = this.makeBalancer(cluster);
      this.balancer.update(this.endpoints);
    }
  }

  updateEndpoints(endpoints: readonly Endpoint[]): void {
    const next = new Map<string, EndpointState>();
    for (const e of endpoints) {
      const s = this.states.get(e.id);
      if (s) {
        next.set(e.id, s);
        this.states.delete(e.id);
      } else if (!next.has(e.id)) {
        next.set(e.id, this.registry.acquire(e.id));
      }
    }
    for (const id of this.states.keys()) this.registry.release(id);
    this.states = next;
    this.endpoints = endpoints;
    this.balancer.update(endpoints);
  }

  /**
   * Choose an endpoint not in `exclude`, skipping passively unhealthy ones while a healthy one is
   * left; if all remaining are unhealthy, try one anyway (better a try than a certain 503).
   */
  pick(clientIp: string, exclude: Set<string> | null, now: number): Endpoint | null {
    const ctx = { clientIp };
    let skipped: Set<string> | null = null;
    for (let i = 0; i <= this.endpoints.length; i++) {
      const e = this.balancer.pick(ctx, skipped ?? exclude);
      if (e === null) break;
      const s = this.states.get(e.id);
      if (s === undefined || s.healthy(now)) return e;
      if (skipped === null) skipped = new Set(exclude ?? []);
      skipped.add(e.id);
    }
    return skipped === null ? null : this.balancer.pick(ctx, exclude);
  }

  /** Drop every endpoint reference (cluster left the snapshot). */
  dispose(): void {
    for (const id of this.states.keys()) this.registry.release(id);
    this.states = new Map();
  }
}

/** clusterId → ClusterRuntime, reconciled against each snapshot. */
export class ClusterRuntimes {
  readonly registry: EndpointRegistry;
  private readonly runtimes = new Map<string, ClusterRuntime>();

  constructor(registry: EndpointRegistry) {
    this.registry = registry;
  }

  get(id: string): ClusterRuntime | undefined {
    return this.runtimes.get(id);
  }

  /** Build the set for a snapshot: reuse by id, create new, dispose removed. Returns the new map. */
  reconcile(clusters: readonly Cluster[], endpoints: ReadonlyMap<string, readonly Endpoint[]>): void {
    const keep = new Set<string>();
    for (const c of clusters) {
      keep.add(c.id);
      let rt = this.runtimes.get(c.id);
      if (rt) rt.setCluster(c);
      else this.runtimes.set(c.id, (rt = new ClusterRuntime(c, this.registry)));
      rt.updateEndpoints(endpoints.get(c.id) ?? []);
    }
    for (const [id, rt] of this.runtimes) {
      if (!keep.has(id)) {
        rt.dispose();
        this.runtimes.delete(id);
      }
    }
  }

  values(): IterableIterator<ClusterRuntime> {
    return this.runtimes.values();
  }
}
