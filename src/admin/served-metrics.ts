// Metrics read at scrape time from the served state, for alerts that need "what is served right
// now" rather than a count of events: ready endpoints per cluster a route or L4 port uses
// (deploy/monitoring alert PorticoNoReadyEndpoints).

import { Gauge } from 'prom-client';
import type { Snapshot } from '../model/snapshot.ts';
import type { Metrics } from '../util/metrics.ts';

export function registerServedMetrics(metrics: Metrics, state: {
  snapshot(): Snapshot;
  endpoints(): ReadonlyMap<string, readonly { ready: boolean }[]>;
}): void {
  if (metrics.registry.getSingleMetric('portico_cluster_ready_endpoints')) return;
  new Gauge({
    name: 'portico_cluster_ready_endpoints',
    help: 'Ready endpoints of each cluster (Service port) an HTTP route or L4 port of the current snapshot uses.',
    labelNames: ['cluster'] as const,
    registers: [metrics.registry],
    collect() {
      this.reset();
      const eps = state.endpoints();
      for (const c of state.snapshot().clusters) {
        let ready = 0;
        for (const e of eps.get(c.id) ?? []) if (e.ready) ready++;
        this.set({ cluster: c.id }, ready);
      }
    },
  });
}
