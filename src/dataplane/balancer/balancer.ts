import type { BalancerPolicy, SessionAffinity } from '../../model/cluster.ts';
import type { Endpoint } from '../../model/endpoint.ts';

export interface PickContext {
  /** Client source IP (port ignored), for source-hash and ClientIP affinity (SPEC §5.2). */
  readonly clientIp: string;
  /**
   * Hash key of the request (`upstream-hash-by`, or the affinity cookie's session key); '' or
   * absent when the route hashes nothing.
   */
  readonly key?: string;
  /** Local address the client connected to (ipvs `dh`); '' or absent when unknown. */
  readonly destination?: string;
}

/**
 * One small interface for every policy (ARCHITECTURE.md "dataplane/balancer"): the HTTP
 * dataplane and the L4 proxy both pick through it. `pick` is on the hot path: synchronous,
 * allocation-free where the policy allows, and never throws — an empty or fully excluded list
 * answers null (the caller's normal 503 / close path).
 */
export interface Balancer {
  readonly policy: BalancerPolicy;
  /** Replace the endpoint list in place (EndpointSlice fast path). */
  update(endpoints: readonly Endpoint[]): void;
  readonly size: number;
  /**
   * Choose an endpoint, skipping ids in `exclude` (already tried in this request/connection, or
   * ejected). Null when no endpoint is left.
   */
  pick(ctx: PickContext, exclude?: ReadonlySet<string> | null): Endpoint | null;
  /** Drop what the policy remembers about this client (SPEC §5.2: a dial failure resets affinity). */
  forget?(clientIp: string): void;
  /** The balancer is dropped: release what it registered (its load-feed subscriptions). */
  dispose?(): void;
}

/** Told when an endpoint's in-flight count changed (the indexed least-load policies). */
export interface LoadListener {
  loadChanged(endpointId: string): void;
}

/**
 * The feed of in-flight changes of the source behind `inflight`: the HTTP endpoint state (shared
 * by every cluster listing the endpoint) or an L4 cluster's flow table. With it lc/wlc/sed/nq
 * keep an index instead of scanning (indexed-least-load.ts).
 */
export interface LoadWatch {
  watch(endpointId: string, l: LoadListener): void;
  unwatch(endpointId: string, l: LoadListener): void;
}

/** Where a policy reads the load and latency of an endpoint (dataplane/upstream state). */
export interface LoadSource {
  /** Requests or connections in flight on the endpoint. */
  inflight(endpointId: string): number;
  /** Smoothed response time in ms (ewma), 0 when unknown. */
  latency?(endpointId: string): number;
  /** In flight on the whole cluster (bounded-load hashing); computed from `inflight` when absent. */
  total?(): number;
}

export interface BalancerOptions {
  readonly policy: BalancerPolicy;
  readonly affinity?: SessionAffinity;
  /** In-flight count per endpoint id (from dataplane/upstream), used by the load-aware policies. */
  readonly inflight?: (endpointId: string) => number;
  /** Change feed of `inflight`; without it the least-load policies scan (O(n) per pick). */
  readonly watch?: LoadWatch;
  readonly latency?: (endpointId: string) => number;
  readonly total?: () => number;
  /** `upstream-hash-by-subset-size` for the hashing policies; 0 = no subsets. */
  readonly subsetSize?: number;
  /** Clock in ms, injectable for affinity-expiry tests. */
  readonly now?: () => number;
  /** Uniform [0, 1) source, injectable so distribution tests are seeded. */
  readonly random?: () => number;
}

/** Weight of an endpoint for the weighted schedulers; Kubernetes endpoints carry none (= 1). */
export function weightOf(e: Endpoint): number {
  const w = e.weight;
  return w === undefined ? 1 : w;
}
