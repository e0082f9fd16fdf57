// A Route compiled at apply time (ARCHITECTURE.md hot-path rule 2): everything the request path
// needs is resolved here once, and every field is set in the constructor so V8 sees one shape.

import type { Route } from '../../model/route.ts';
import type { Metrics } from '../../util/metrics.ts';
import type { RouteStats } from '../../util/route-metrics.ts';
import type { ClusterRuntime } from '../upstream/cluster-runtime.ts';
import type { PolicyChain } from './policies/chain.ts';
import { RouteBalancing } from './route-balancing.ts';
import { CompiledActions } from './route-actions.ts';
import { CanaryAffinity } from './canary-affinity.ts';
import type { CompiledUpstream } from '../upstream/compiled-upstream.ts';

export class CompiledRoute {
  readonly id: string;
  readonly route: Route;
  readonly ingress: string;
  readonly service: string;
  readonly sslRedirect: boolean;
  /** Null when the backend is unavailable (then `unavailableReason` is set) → 503. */
  readonly cluster: ClusterRuntime | null;
  readonly unavailableReason: string | null;
  /** The 503 body text, built here once: which Service and why (README "Routing rules"). */
  readonly unavailableMessage: string | null;
  /** Access policies in ACCESS_ORDER, or null: routes without policies pay nothing. */
  readonly policies: PolicyChain | null;
  /** Hash key, affinity cookie or policy the Ingress asked for; null = the cluster's balancer. */
  readonly balancing: RouteBalancing | null;
  /** Annotation actions (redirects, rewrite, canary…), null for a plain route. */
  readonly actions: CompiledActions | null;
  /** Cookie affinity / hashing through a canary split (canary-affinity.ts); null when no side balances by its own. */
  readonly canaryAffinity: CanaryAffinity | null;
  /** Protocol, TLS pools, timeouts, retries, body limit (null: process defaults, nothing to check). */
  readonly upstream: CompiledUpstream | null;
  /** Request count and durations of this route's (Ingress, Service), read at scrape time (util/route-metrics.ts). */
  readonly stats: RouteStats;

  constructor(route: Route, cluster: ClusterRuntime | null, metrics: Metrics, upstream: CompiledUpstream | null = null,
    runtimeOf: (clusterId: string) => ClusterRuntime | null = () => null, policies: PolicyChain | null = null) {
    this.upstream = upstream;
    this.id = route.id;
    this.route = route;
    this.ingress = route.origin.ingress;
    this.service = route.service;
    this.sslRedirect = route.sslRedirect;
    this.cluster = cluster;
    this.unavailableReason = route.backend.kind === 'unavailable'
      ? route.backend.reason
      : cluster === null ? 'ClusterNotFound' : null;
    this.unavailableMessage = this.unavailableReason === null ? null
      : `${route.service ? `service ${route.service}` : 'backend'} unavailable (${this.unavailableReason}) for route ${route.id}`;
    this.balancing = route.balancing !== undefined && cluster !== null ? new RouteBalancing(route, cluster) : null;
    this.actions = route.actions === undefined ? null : new CompiledActions(route.actions, route.match, runtimeOf);
    const act = this.actions;
    this.canaryAffinity = act !== null && act.canary !== null && act.model.canary !== null
      ? CanaryAffinity.of(route, this.balancing, act.canary, act.model.canary) : null;
    if (act !== null) act.affinity = this.canaryAffinity;
    this.stats = metrics.http.for(this.ingress, this.service);
    this.policies = policies;
  }

  /** The balancing a request picks with on `cluster` (the route's own, or its canary side's); null: the cluster's. */
  balancingFor(cluster: ClusterRuntime): RouteBalancing | null {
    if (cluster === this.cluster) return this.balancing;
    return this.canaryAffinity === null ? null : this.canaryAffinity.balancingFor(cluster);
  }

  /** Count one finished request (README "Admin server"): plain numbers, no label lookup. */
  observe(status: number, seconds: number): void {
    this.stats.observe(status, seconds);
  }
}
