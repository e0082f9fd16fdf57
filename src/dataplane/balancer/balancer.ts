import type { BalancerPolicy, SessionAffinity } from '../../model/cluster.ts';
import type { Endpoint } from '../../model/endpoint.ts';

export interface PickContext {
  /** Client source IP (port ignored), for source-hash and ClientIP affinity (SPEC §5.2). */
  readonly clientIp: string;
}

/**
 * One small interface for every policy (ARCHITECTURE.md "dataplane/balancer"): the HTTP
 * dataplane and the L4 proxy both pick through it. `pick` is on the hot path: synchronous and
 * allocation-free where the policy allows.
 */
export interface Balancer {
  readonly policy: BalancerPolicy;
  /** Replace the endpoint list in place (EndpointSlice fast path). */
  update(endpoints: readonly Endpoint[]): void;
  readonly size: number;
  /**
   * Choose an endpoint, skipping ids in `exclude` (already tried in this request/connection).
   * Null when no endpoint is left.
   */
  pick(ctx: PickContext, exclude?: ReadonlySet<string> | null): Endpoint | null;
  /** Drop what the policy remembers about this client (SPEC §5.2: a dial failure resets affinity). */
  forget?(clientIp: string): void;
}

export interface BalancerOptions {
  readonly policy: BalancerPolicy;
  readonly affinity?: SessionAffinity;
  /** In-flight count per endpoint id (from dataplane/upstream), used by least-connections. */
  readonly inflight?: (endpointId: string) => number;
  /** Clock in ms, injectable for affinity-expiry tests. */
  readonly now?: () => number;
}
