// Per-cluster L4 state: the balancer, the current endpoints and the live flows per endpoint.
// Flows are counted per endpoint for least-connections and closed here when their endpoint goes
// away (README "TCP and UDP services (L4)": TCP after the drain timeout, UDP sessions at once so the next datagram
// picks again, item 2). Flows to endpoints that remain are never touched.

import type { Cluster } from '../../model/cluster.ts';
import type { Endpoint } from '../../model/endpoint.ts';
import type { Balancer, LoadListener, PickContext } from '../balancer/index.ts';
import { BalancerSet, pickAvailable } from '../balancer/balancer-set.ts';

/** A TCP connection or a UDP session bound to one endpoint. */
export interface Flow {
  readonly kind: 'tcp' | 'udp';
  /** Close now (drain deadline reached, or UDP endpoint removal). */
  close(): void;
}

export class ClusterState {
  cluster: Cluster;
  readonly balancers: BalancerSet;
  endpoints: readonly Endpoint[] = [];
  private ids = new Set<string>();
  private readonly flows = new Map<string, Set<Flow>>();
  /** Balancers indexing endpoints by flow count (lc/wlc/sed/nq), by endpoint id. */
  private readonly listeners = new Map<string, LoadListener[]>();
  private readonly drains = new Map<string, NodeJS.Timeout>();
  private readonly drainTimeoutMs: number;
  private readonly now: () => number;

  constructor(cluster: Cluster, drainTimeoutMs: number, now: () => number = Date.now) {
    this.cluster = cluster;
    this.drainTimeoutMs = drainTimeoutMs;
    this.now = now;
    this.balancers = new BalancerSet(specOf(cluster), {
      clusterId: cluster.id,
      inflight: (id) => this.flows.get(id)?.size ?? 0,
      watch: {
        watch: (id, l) => {
          const ls = this.listeners.get(id);
          if (ls === undefined) this.listeners.set(id, [l]);
          else if (!ls.includes(l)) ls.push(l);
        },
        unwatch: (id, l) => {
          const ls = this.listeners.get(id);
          const i = ls === undefined ? -1 : ls.indexOf(l);
          if (i < 0) return;
          ls!.splice(i, 1);
          if (ls!.length === 0) this.listeners.delete(id);
        },
      },
      now: this.now,
    });
  }

  get id(): string {
    return this.cluster.id;
  }

  /** The cluster's balancer (its Service's `portico.io/l4-balance` and ClientIP affinity). */
  get balancer(): Balancer {
    return this.balancers.default;
  }

  /** Same policy and affinity: the balancer (and its affinity table) survives a reload. */
  reconfigure(cluster: Cluster): void {
    this.cluster = cluster;
    this.balancers.setDefault(specOf(cluster));
    // Only the default balancer is used here: a replaced one is dropped (and stops listening).
    this.balancers.beginApply();
    this.balancers.prune();
  }

  /** Endpoints failing active TCP checks (dataplane/health); empty when none are configured. */
  readonly unhealthy = new Set<string>();
  private readonly available = (id: string): boolean => !this.unhealthy.has(id);

  /** Active TCP checks (dataplane/health). */
  currentEndpoints(): readonly Endpoint[] {
    return this.endpoints;
  }

  setHealthy(endpointId: string, healthy: boolean): void {
    if (healthy) this.unhealthy.delete(endpointId);
    else this.unhealthy.add(endpointId);
  }

  /** A pick that skips endpoints failing active checks while another is left (panic mode otherwise). */
  pick(ctx: PickContext, exclude: ReadonlySet<string> | null): Endpoint | null {
    if (this.unhealthy.size === 0) return this.balancers.default.pick(ctx, exclude);
    return pickAvailable(this.balancers.default, ctx, exclude, this.available);
  }

  hasEndpoint(id: string): boolean {
    return this.ids.has(id);
  }

  inflight(id: string): number {
    return this.flows.get(id)?.size ?? 0;
  }

  update(endpoints: readonly Endpoint[]): void {
    const ids = new Set<string>();
    for (const e of endpoints) ids.add(e.id);
    const old = this.ids;
    this.endpoints = endpoints;
    this.ids = ids;
    this.balancers.update(endpoints);
    for (const id of this.unhealthy) if (!ids.has(id)) this.unhealthy.delete(id);
    for (const id of ids) {
      // An endpoint that came back before its drain deadline keeps its connections.
      const t = this.drains.get(id);
      if (t) { clearTimeout(t); this.drains.delete(id); }
    }
    for (const id of old) if (!ids.has(id)) this.endpointRemoved(id, true);
  }

  /** `udpNow`: UDP sessions of a vanished endpoint re-pick at once (README "TCP and UDP services (L4)"). */
  private endpointRemoved(id: string, udpNow: boolean): void {
    const set = this.flows.get(id);
    if (!set || set.size === 0) return;
    let rest = false;
    for (const f of [...set]) {
      if (udpNow && f.kind === 'udp') f.close();
      else rest = true;
    }
    if (rest && !this.drains.has(id)) this.drainEndpoint(id, this.drainTimeoutMs);
  }

  /** Close the flows of `id` after `ms` unless the endpoint comes back. */
  private drainEndpoint(id: string, ms: number): void {
    const t = setTimeout(() => {
      this.drains.delete(id);
      const set = this.flows.get(id);
      if (set) for (const f of [...set]) f.close();
    }, ms);
    t.unref();
    this.drains.set(id, t);
  }

  add(endpointId: string, f: Flow): void {
    let set = this.flows.get(endpointId);
    if (!set) {
      set = new Set();
      this.flows.set(endpointId, set);
    }
    set.add(f);
    this.loadChanged(endpointId);
  }

  private loadChanged(id: string): void {
    const ls = this.listeners.get(id);
    if (ls !== undefined) for (let i = 0; i < ls.length; i++) ls[i].loadChanged(id);
  }

  remove(endpointId: string, f: Flow): void {
    const set = this.flows.get(endpointId);
    if (!set) return;
    if (!set.delete(f)) return;
    if (set.size === 0) this.flows.delete(endpointId);
    this.loadChanged(endpointId);
  }

  /**
   * No mapping uses the cluster any more (README "TCP and UDP services (L4)": a removed mapping drains): every flow,
   * TCP or UDP, gets the drain timeout since its endpoint itself did not go away.
   */
  retire(): void {
    const old = this.ids;
    this.ids = new Set();
    this.endpoints = [];
    this.balancers.update([]);
    for (const id of old) this.endpointRemoved(id, false);
  }

  /** Flows still open, for shutdown. */
  *allFlows(): Iterable<Flow> {
    for (const set of this.flows.values()) yield* set;
  }

  dispose(): void {
    this.balancers.dispose();
    for (const t of this.drains.values()) clearTimeout(t);
    this.drains.clear();
  }
}

function specOf(c: Cluster) {
  return { policy: c.balancer, affinity: c.sessionAffinity, subsetSize: 0, cookie: null };
}
