import type { Route } from '../../model/route.ts';
import type { Snapshot } from '../../model/snapshot.ts';
import type { Metrics } from '../../util/metrics.ts';

/**
 * portico_route_upstream_info: one series per served route with its upstream protocol and TLS
 * verification mode (README "Upstream protocols, timeouts and limits"), rebuilt from the served
 * snapshot at scrape time (Metrics.upstreamInfoSource) so that neither a request nor an apply pays.
 */
export function publishUpstreamInfo(g: Metrics['upstreamInfo'], snapshot: Snapshot): void {
  g.reset();
  const one = (r: Route | null): void => {
    if (r === null || r.backend.kind !== 'cluster') return;
    const u = r.upstream;
    const t = u?.tls ?? null;
    g.labels(r.origin.ingress, r.service, r.id, u?.protocol ?? 'HTTP', t === null ? 'none' : t.verify ? 'on' : 'off').set(1);
  };
  for (const vh of snapshot.virtualHosts) {
    for (const r of vh.routes) one(r);
    one(vh.fallback);
  }
  one(snapshot.defaultRoute);
}
