// Runtime side of a Cluster: its balancers and current endpoints. Keyed by cluster id and kept
// across snapshots: the same id keeps its balancers (round-robin position, affinity table, hash
// ring — BalancerSet rebuilds one only when its spec changes) and only receives
// updateEndpoints; the EndpointSlice fast path lands here. Outcomes reported by the forwarder
// drive outlier ejection, bounded by the cluster's maximum ejected share.

import type { Cluster } from '../../model/cluster.ts';
import type { Endpoint } from '../../model/endpoint.ts';
import type { Balancer, PickContext } from '../balancer/index.ts';
import { BalancerSet, pickAvailable, sameEndpoints, type BalancerSpec } from '../balancer/balancer-set.ts';
import type { EndpointRegistry, EndpointState } from './endpoint-state.ts';
import { DEFAULT_OUTLIER, type FailureKind, type Outcome, type OutlierConfig } from './outlier.ts';

export interface RuntimeHooks {
  /** An endpoint was ejected (metrics, log). */
  onEject?(cluster: string, endpoint: string, reason: FailureKind, ms: number): void;
  /** A pick found no available endpoint and used all of them (panic mode). */
  onPanic?(cluster: string): void;
  readonly outlier?: OutlierConfig;
  readonly now?: () => number;
}

const NO_ENDPOINTS: readonly Endpoint[] = [];

/** The balancing spec of the cluster itself (Service policy and ClientIP affinity). */
export function clusterSpec(c: Cluster): BalancerSpec {
  return { policy: c.balancer, affinity: c.sessionAffinity, subsetSize: 0, cookie: null };
}

export class ClusterRuntime {
  readonly id: string;
  cluster: Cluster;
  readonly balancers: BalancerSet;
  endpoints: readonly Endpoint[] = [];
  /** Endpoint id → state for the current endpoints. */
  states = new Map<string, EndpointState>();
  /** Requests in flight on this cluster (bounded-load hashing). */
  inflight = 0;
  /** Picks that found every endpoint unavailable and used them all anyway. */
  panics = 0;
  /** The last apply whose snapshot had this cluster (ClusterRuntimes.reconcile). */
  apply = 0;
  private readonly registry: EndpointRegistry;
  private readonly hooks: RuntimeHooks;
  private readonly available: (id: string) => boolean;
  private readonly panic = (): void => {
    this.panics++;
    this.hooks.onPanic?.(this.id);
  };
  private clock = 0;

  constructor(cluster: Cluster, registry: EndpointRegistry, hooks: RuntimeHooks = {}) {
    this.id = cluster.id;
    this.cluster = cluster;
    this.registry = registry;
    this.hooks = hooks;
    const now = hooks.now ?? Date.now;
    this.balancers = new BalancerSet(clusterSpec(cluster), {
      clusterId: cluster.id,
      inflight: (id) => registry.inflight(id),
      watch: {
        watch: (id, l) => registry.get(id)?.listen(l),
        unwatch: (id, l) => registry.get(id)?.unlisten(l),
      },
      latency: (id) => registry.get(id)?.latency(now()) ?? 0,
      total: () => this.inflight,
      now,
    });
    this.available = (id) => {
      const s = this.states.get(id);
      return s === undefined || s.healthy(this.clock);
    };
  }

  /** The cluster's own balancer. */
  get balancer(): Balancer {
    return this.balancers.default;
  }

  /** New Cluster definition from a snapshot; a balancer is rebuilt only if its spec changed. */
  setCluster(cluster: Cluster): void {
    this.cluster = cluster;
    this.balancers.setDefault(clusterSpec(cluster));
  }

  updateEndpoints(endpoints: readonly Endpoint[]): void {
    // An apply hands every cluster its list again: unchanged, the states and balancers stay as they are.
    if (sameEndpoints(this.endpoints, endpoints)) {
      this.endpoints = endpoints;
      return;
    }
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
    this.balancers.update(endpoints);
  }

  /**
   * Choose an endpoint not in `exclude` with the cluster's balancer, skipping ejected and
   * actively unhealthy ones while another is left (panic mode otherwise).
   */
  pick(clientIp: string, exclude: Set<string> | null, now: number): Endpoint | null {
    return this.pickWith(this.balancers.default, { clientIp }, exclude, now);
  }

  pickWith(b: Balancer, ctx: PickContext, exclude: ReadonlySet<string> | null, now: number): Endpoint | null {
    this.clock = now;
    return pickAvailable(b, ctx, exclude, this.available, this.panic);
  }

  /** An attempt starts on `state`. */
  begin(state: EndpointState): void {
    state.inflight++;
    this.inflight++;
  }

  /** An attempt on `state` is over. */
  end(state: EndpointState): void {
    state.inflight--;
    if (this.inflight > 0) this.inflight--;
  }

  /**
   * An attempt's outcome (forwarder): feeds the endpoint's latency average and outlier state,
   * and ejects it when due and the cluster's ejected share allows (Envoy max_ejection_percent).
   */
  report(state: EndpointState, outcome: Outcome, now: number, latencyMs = 0): void {
    // A 5xx is the application's answer: it ejects only where the Service opts in (Envoy's
    // consecutive_5xx); connect failures and timeouts always count (consecutive gateway failures).
    if (outcome === '5xx' && this.cluster.eject5xx !== true) outcome = 'ok';
    if (!state.record(outcome, now, this.balancers.usesLatency ? latencyMs : -1) || outcome === 'ok') return;
    const cfg = this.hooks.outlier ?? DEFAULT_OUTLIER;
    let ejected = 0;
    for (const s of this.states.values()) if (s.outlier.ejected(now)) ejected++;
    if (ejected + 1 > Math.floor((this.states.size * cfg.maxEjectedPercent) / 100)) return;
    const ms = state.outlier.eject(now, cfg);
    this.hooks.onEject?.(this.id, state.id, outcome, ms);
  }

  /** Active health checks (dataplane/health). */
  currentEndpoints(): readonly Endpoint[] {
    return this.endpoints;
  }

  setHealthy(endpointId: string, healthy: boolean): void {
    const s = this.states.get(endpointId);
    if (s !== undefined) s.activeHealthy = healthy;
  }

  /** Drop every endpoint reference (cluster left the snapshot). */
  dispose(): void {
    this.balancers.dispose();
    for (const id of this.states.keys()) this.registry.release(id);
    this.states = new Map();
  }
}

/** clusterId → ClusterRuntime, reconciled against each snapshot. */
export class ClusterRuntimes {
  readonly registry: EndpointRegistry;
  private readonly runtimes = new Map<string, ClusterRuntime>();
  private readonly hooks: RuntimeHooks;
  /** Applies so far: a runtime whose `apply` is not the latest left the snapshot. */
  private applies = 0;

  constructor(registry: EndpointRegistry, hooks: RuntimeHooks = {}) {
    this.registry = registry;
    this.hooks = hooks;
  }

  get(id: string): ClusterRuntime | undefined {
    return this.runtimes.get(id);
  }

  /**
   * Build the set for a snapshot: reuse by id, create new, dispose removed. Route balancers are
   * asked for (BalancerSet.get) after this and before `endApply`, which drops the unused ones.
   */
  reconcile(clusters: readonly Cluster[], endpoints: ReadonlyMap<string, readonly Endpoint[]>): void {
    const apply = ++this.applies;
    let seen = 0;
    for (const c of clusters) {
      let rt = this.runtimes.get(c.id);
      if (rt) rt.setCluster(c);
      else this.runtimes.set(c.id, (rt = new ClusterRuntime(c, this.registry, this.hooks)));
      if (rt.apply !== apply) seen++;
      rt.apply = apply;
      rt.balancers.beginApply();
      rt.updateEndpoints(endpoints.get(c.id) ?? NO_ENDPOINTS);
    }
    // Every runtime was in this snapshot: nothing to dispose, no second pass.
    if (this.runtimes.size === seen) return;
    for (const [id, rt] of this.runtimes) {
      if (rt.apply !== apply) {
        rt.dispose();
        this.runtimes.delete(id);
      }
    }
  }

  /**
   * After the routes of a snapshot were compiled: keep the balancers of `routes` (including routes
   * compiled by an earlier apply and kept), drop the others. Free when no route has its own.
   */
  endApply(routes: () => Iterable<{ readonly cluster: ClusterRuntime | null; readonly balancing: { readonly balancer: Balancer } | null;
    readonly canaryAffinity?: { readonly canary: { readonly cluster: ClusterRuntime; readonly balancer: Balancer } | null } | null }>): void {
    let extra = false;
    for (const rt of this.runtimes.values()) if (rt.balancers.count > 1) extra = true;
    if (!extra) return;
    for (const r of routes()) {
      if (r.balancing !== null && r.cluster !== null) r.cluster.balancers.keep(r.balancing.balancer);
      // The canary side of a sticky or hashing split balances on the canary's cluster (canary-affinity.ts).
      const c = r.canaryAffinity?.canary;
      if (c != null) c.cluster.balancers.keep(c.balancer);
    }
    for (const rt of this.runtimes.values()) rt.balancers.prune();
  }

  values(): IterableIterator<ClusterRuntime> {
    return this.runtimes.values();
  }
}
