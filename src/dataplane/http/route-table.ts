// Snapshot → routing table (SPEC §1.5): exact host Map, one-label wildcard Map, hostless bucket,
// global default route. Host match is Map lookups only (ARCHITECTURE.md hot-path rule 3); each
// bucket owns one PathRouter (one find-my-way tree).

import type { Snapshot } from '../../model/snapshot.ts';
import type { Route, VirtualHost } from '../../model/route.ts';
import { PathRouter } from './path-router.ts';
import type { CompiledRoute } from './compiled-route.ts';

export type BucketKind = 'exact' | 'wildcard' | 'hostless';

export class HostRouter {
  readonly hostname: string;
  readonly kind: BucketKind;
  readonly router: PathRouter<CompiledRoute>;
  /** SPEC §1.8 (1): the host's defaultBackend when no path matched. */
  readonly fallback: CompiledRoute | null;

  constructor(vh: VirtualHost, compile: (r: Route) => CompiledRoute) {
    this.hostname = vh.hostname;
    this.kind = vh.kind === 'any' ? 'hostless' : vh.kind;
    this.router = new PathRouter(vh.routes.map((r) => ({ match: r.match, value: compile(r) })));
    this.fallback = vh.fallback === null ? null : compile(vh.fallback);
  }
}

export class RouteTable {
  readonly version: number;
  readonly exact = new Map<string, HostRouter>();
  /** Key '*.foo.com'. */
  readonly wildcard = new Map<string, HostRouter>();
  readonly hostless: HostRouter | null;
  readonly defaultRoute: CompiledRoute | null;

  constructor(snapshot: Snapshot, compile: (r: Route) => CompiledRoute) {
    this.version = snapshot.version;
    let hostless: HostRouter | null = null;
    for (const vh of snapshot.virtualHosts) {
      const hr = new HostRouter(vh, compile);
      if (vh.kind === 'exact') this.exact.set(vh.hostname, hr);
      else if (vh.kind === 'wildcard') this.wildcard.set(vh.hostname, hr);
      else hostless = hr;
    }
    this.hostless = hostless;
    this.defaultRoute = snapshot.defaultRoute === null ? null : compile(snapshot.defaultRoute);
  }

  /**
   * Host bucket for a normalised host (request-target.ts normalizeHost): exact, then '*.' + the
   * rest after exactly one label, then hostless. Null host → hostless only.
   */
  selectHost(host: string | null): HostRouter | null {
    if (host !== null) {
      const exact = this.exact.get(host);
      if (exact !== undefined) return exact;
      if (this.wildcard.size !== 0) {
        const dot = host.indexOf('.');
        if (dot > 0) {
          const wc = this.wildcard.get('*' + host.slice(dot));
          if (wc !== undefined) return wc;
        }
      }
    }
    return this.hostless;
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
