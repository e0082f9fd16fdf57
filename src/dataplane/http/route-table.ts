// Snapshot → routing table (SPEC §1.5): exact host Map, one-label wildcard Map, hostless bucket,
// global default route. Host match is Map lookups only (ARCHITECTURE.md hot-path rule 3); each
// bucket owns one PathRouter (one find-my-way tree).

import { lookupHost } from '../../model/host.ts';
import { plainEqual } from '../../util/plain-equal.ts';
import type { Snapshot } from '../../model/snapshot.ts';
import type { Route, VirtualHost } from '../../model/route.ts';
import { PathRouter } from './path-router.ts';
import type { CompiledRoute } from './compiled-route.ts';
import type { ClusterRuntime } from '../upstream/cluster-runtime.ts';

export type BucketKind = 'exact' | 'wildcard' | 'hostless';

export class HostRouter {
  /** The model this router was compiled from, to tell whether the next snapshot changed it. */
  readonly vh: VirtualHost;
  readonly hostname: string;
  readonly kind: BucketKind;
  readonly router: PathRouter<CompiledRoute>;
  /** SPEC §1.8 (1): the host's defaultBackend when no path matched. */
  readonly fallback: CompiledRoute | null;

  constructor(vh: VirtualHost, compile: (r: Route) => CompiledRoute) {
    this.vh = vh;
    this.hostname = vh.hostname;
    this.kind = vh.kind === 'any' ? 'hostless' : vh.kind;
    this.router = new PathRouter(vh.routes.map((r) => ({ match: r.match, value: compile(r) })));
    this.fallback = vh.fallback === null ? null : compile(vh.fallback);
  }

  /**
   * True when `vh` compiles to exactly this router: same routes in the same order, same fallback,
   * and every compiled route still points at the live runtime of its cluster. Translate builds new
   * objects every time, so this compares values, not identities, and structurally: a field added
   * to the model cannot be forgotten here.
   */
  servesUnchanged(vh: VirtualHost, runtimeOf: (clusterId: string) => ClusterRuntime | undefined): boolean {
    const old = this.vh;
    if (!plainEqual(old, vh)) return false;
    for (const e of this.router.entries) if (!liveRuntime(e.value, runtimeOf)) return false;
    return this.fallback === null || liveRuntime(this.fallback, runtimeOf);
  }
}

/** Whether a compiled route still holds its cluster's live runtime and current balancing (tables reuse only such routes). */
export function liveRuntime(c: CompiledRoute, runtimeOf: (clusterId: string) => ClusterRuntime | undefined): boolean {
  const b = c.route.backend;
  if (c.actions !== null && !c.actions.live(runtimeOf)) return false;
  return b.kind !== 'cluster' || (c.cluster !== null && runtimeOf(b.clusterId) === c.cluster &&
    // A route balancer that follows the Service's policy is rebuilt when that policy changed.
    (c.balancing === null || c.balancing.current(c.cluster)) &&
    (c.canaryAffinity?.canary == null || c.canaryAffinity.canary.current(c.canaryAffinity.canary.cluster)));
}

export class RouteTable {
  readonly version: number;
  readonly exact = new Map<string, HostRouter>();
  /** Key '*.foo.com'. */
  readonly wildcard = new Map<string, HostRouter>();
  readonly hostless: HostRouter | null;
  readonly defaultRoute: CompiledRoute | null;

  /**
   * `previous`: the table being replaced. Hosts whose VirtualHost did not change keep their
   * compiled router, so one Ingress change compiles only its own hosts: rebuilding every tree made
   * Ingress changes slow with many hosts (docs/benchmarks/cluster.md).
   */
  constructor(snapshot: Snapshot, compile: (r: Route) => CompiledRoute, previous: RouteTable | null = null,
    runtimeOf: (clusterId: string) => ClusterRuntime | undefined = () => undefined) {
    this.version = snapshot.version;
    let hostless: HostRouter | null = null;
    for (const vh of snapshot.virtualHosts) {
      const old = previous === null ? undefined
        : vh.kind === 'exact' ? previous.exact.get(vh.hostname)
          : vh.kind === 'wildcard' ? previous.wildcard.get(vh.hostname)
            : previous.hostless ?? undefined;
      const hr = old !== undefined && old.servesUnchanged(vh, runtimeOf) ? old : new HostRouter(vh, compile);
      if (vh.kind === 'exact') this.exact.set(vh.hostname, hr);
      else if (vh.kind === 'wildcard') this.wildcard.set(vh.hostname, hr);
      else hostless = hr;
    }
    this.hostless = hostless;
    this.defaultRoute = snapshot.defaultRoute === null ? null : compile(snapshot.defaultRoute);
  }

  /** Every compiled route of the table (rules, host fallbacks, the default route). */
  *routes(): Iterable<CompiledRoute> {
    for (const hr of [...this.exact.values(), ...this.wildcard.values(), ...(this.hostless === null ? [] : [this.hostless])]) {
      for (const e of hr.router.entries) yield e.value;
      if (hr.fallback !== null) yield hr.fallback;
    }
    if (this.defaultRoute !== null) yield this.defaultRoute;
  }

  /**
   * Host bucket for a normalised host (request-target.ts normalizeHost): exact, then '*.' + the
   * rest after exactly one label, then hostless. Null host → hostless only.
   */
  selectHost(host: string | null): HostRouter | null {
    return (host === null ? undefined : lookupHost(this.exact, this.wildcard, host)) ?? this.hostless;
  }

  /** SPEC §1.5 no fall-through: bucket rule, else bucket fallback, else default route, else null (404). */
  resolve(host: string | null, path: string): CompiledRoute | null {
    const bucket = this.selectHost(host);
    if (bucket !== null) {
      const hit = bucket.router.find(path);
      if (hit !== null) return hit.value;
      if (bucket.fallback !== null) return bucket.fallback;
    }
    return this.defaultRoute;
  }
}
