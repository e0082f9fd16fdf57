// A Route compiled at apply time (ARCHITECTURE.md hot-path rule 2): everything the request path
// needs is resolved here once, and every field is set in the constructor so V8 sees one shape.

import type { Route } from '../../model/route.ts';
import type { Counter, Histogram } from 'prom-client';
import type { Metrics } from '../../util/metrics.ts';
import type { ClusterRuntime } from '../upstream/cluster-runtime.ts';

type CounterChild = ReturnType<Counter<'ingress' | 'service' | 'code'>['labels']>;
type HistogramChild = ReturnType<Histogram<'ingress' | 'service'>['labels']>;

export class CompiledRoute {
  readonly id: string;
  readonly route: Route;
  readonly ingress: string;
  readonly service: string;
  readonly sslRedirect: boolean;
  /** Null when the backend is unavailable (then `unavailableReason` is set) → 503. */
  readonly cluster: ClusterRuntime | null;
  readonly unavailableReason: string | null;
  private readonly metrics: Metrics;
  private readonly codeCounters: (CounterChild | undefined)[] = [undefined, undefined, undefined, undefined, undefined, undefined];
  private durationChild: HistogramChild | null = null;

  constructor(route: Route, cluster: ClusterRuntime | null, metrics: Metrics) {
    this.id = route.id;
    this.route = route;
    this.ingress = route.origin.ingress;
    this.service = route.service;
    this.sslRedirect = route.sslRedirect;
    this.cluster = cluster;
    this.unavailableReason = route.backend.kind === 'unavailable'
      ? route.backend.reason
      : cluster === null ? 'ClusterNotFound' : null;
    this.metrics = metrics;
  }

  /** Count one finished request (issue #2 item 5); label children cached per status class. */
  observe(status: number, seconds: number): void {
    const cls = status >= 100 && status < 600 ? Math.floor(status / 100) : 0;
    let c = this.codeCounters[cls];
    if (c === undefined) {
      c = this.metrics.httpRequests.labels(this.ingress, this.service, cls === 0 ? 'other' : `${cls}xx`);
      this.codeCounters[cls] = c;
    }
    c.inc();
    if (this.durationChild === null) this.durationChild = this.metrics.httpDuration.labels(this.ingress, this.service);
    this.durationChild.observe(seconds);
  }
}
