// Active health checks with worker processes (README "Worker processes"): they run once, in the
// primary, not once per worker, so a backend sees one probe stream whatever `--workers` says. The
// primary keeps the same checkers a single process runs (dataplane/health: one per HTTP cluster,
// one per L4 cluster, same thresholds and jitter) on its copy of the snapshot and the endpoint
// fast path, and sends each cluster's unhealthy endpoint ids to every worker whenever they change;
// a worker's dataplanes apply them ('remote' checkers) and skip those endpoints exactly as a
// single process does.
import type { Cluster } from '../model/cluster.ts';
import type { Endpoint, EndpointSet } from '../model/endpoint.ts';
import { l4Backends } from '../model/l4.ts';
import type { Snapshot } from '../model/snapshot.ts';
import type { HealthMessage, HealthPlane } from './protocol.ts';

/** What a checker probes (dataplane/health CheckedCluster, structurally). */
export interface CheckedTarget {
  readonly id: string;
  readonly cluster: Cluster;
  currentEndpoints(): readonly Endpoint[];
  setHealthy(endpointId: string, healthy: boolean): void;
}

/** The checkers of one plane (dataplane/health HealthCheckers), made by the composition root (app.ts). */
export interface CheckerSet {
  sync(clusters: Iterable<CheckedTarget>): void;
  close(): void;
}

/** The primary's view of one checked cluster: what its checker probes, and its verdicts. */
class Target implements CheckedTarget {
  readonly id: string;
  cluster: Cluster;
  private endpoints: readonly Endpoint[] = [];
  readonly unhealthy = new Set<string>();
  private readonly changed: (t: Target) => void;

  constructor(cluster: Cluster, changed: (t: Target) => void) {
    this.id = cluster.id;
    this.cluster = cluster;
    this.changed = changed;
  }

  currentEndpoints(): readonly Endpoint[] {
    return this.endpoints;
  }

  setHealthy(endpointId: string, healthy: boolean): void {
    if (healthy === !this.unhealthy.has(endpointId)) return;
    if (healthy) this.unhealthy.delete(endpointId);
    else this.unhealthy.add(endpointId);
    this.changed(this);
  }

  /** An endpoint that left is forgotten, as a worker's runtime forgets its state. */
  setEndpoints(endpoints: readonly Endpoint[]): void {
    this.endpoints = endpoints;
    if (this.unhealthy.size === 0) return;
    const ids = new Set(endpoints.map((e) => e.id));
    let dropped = false;
    for (const id of this.unhealthy) if (!ids.has(id)) dropped = this.unhealthy.delete(id);
    if (dropped) this.changed(this);
  }
}

class Plane {
  readonly name: HealthPlane;
  readonly checkers: CheckerSet;
  readonly targets = new Map<string, Target>();
  private readonly publish: (m: HealthMessage) => void;

  constructor(name: HealthPlane, checkers: CheckerSet, publish: (m: HealthMessage) => void) {
    this.name = name;
    this.checkers = checkers;
    this.publish = publish;
  }

  message(t: Target): HealthMessage {
    return { t: 'health', plane: this.name, clusterId: t.id, unhealthy: [...t.unhealthy] };
  }

  sync(clusters: readonly Cluster[], endpoints: EndpointSet): void {
    const keep = new Set<string>();
    for (const c of clusters) {
      // Only what the checkers would probe gets a target (health-checkers.ts sync's own filter).
      if (c.healthCheck === undefined || c.kind !== 'endpoints') continue;
      keep.add(c.id);
      let t = this.targets.get(c.id);
      if (t === undefined) this.targets.set(c.id, (t = new Target(c, (x) => this.publish(this.message(x)))));
      t.cluster = c;
      t.setEndpoints(endpoints.get(c.id) ?? []);
    }
    this.checkers.sync([...this.targets.values()].filter((t) => keep.has(t.id)));
    for (const id of this.targets.keys()) if (!keep.has(id)) this.targets.delete(id);
  }
}

export interface SharedHealthOptions {
  /** The same checkers (and hooks: result counter, panic log lines) as that plane's dataplane runs in one process. */
  readonly checkers: (plane: HealthPlane) => CheckerSet;
  /** To every live worker (and the primary's own views). */
  readonly publish: (m: HealthMessage) => void;
}

export class SharedHealth {
  private readonly http: Plane;
  private readonly l4: Plane;

  constructor(o: SharedHealthOptions) {
    this.http = new Plane('http', o.checkers('http'), o.publish);
    this.l4 = new Plane('l4', o.checkers('l4'), o.publish);
  }

  /**
   * The HTTP dataplane checks every cluster of the snapshot, the L4 dataplane the clusters its
   * routes use (HttpDataplane.apply, L4Dataplane.applyRoutes): the same sets here.
   */
  apply(snapshot: Snapshot, endpoints: EndpointSet): void {
    this.http.sync(snapshot.clusters, endpoints);
    const used = new Set(snapshot.l4.flatMap((r) => l4Backends(r).map((b) => b.clusterId)));
    this.l4.sync(snapshot.clusters.filter((c) => used.has(c.id)), endpoints);
  }

  updateEndpoints(clusterId: string, endpoints: readonly Endpoint[]): void {
    this.http.targets.get(clusterId)?.setEndpoints(endpoints);
    this.l4.targets.get(clusterId)?.setEndpoints(endpoints);
  }

  /** Every cluster with an unhealthy endpoint: what a worker that (re)starts is told after its snapshot. */
  state(): HealthMessage[] {
    const out: HealthMessage[] = [];
    for (const p of [this.http, this.l4]) for (const t of p.targets.values()) if (t.unhealthy.size > 0) out.push(p.message(t));
    return out;
  }

  close(): void {
    this.http.checkers.close();
    this.l4.checkers.close();
  }
}
