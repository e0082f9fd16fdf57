// The HTTP request metrics (README "Admin server"): portico_http_requests_total and
// portico_http_request_duration_seconds. The request path only bumps plain numbers on the
// RouteStats of its (Ingress, Service) pair, found once when the route is compiled; the metrics
// read them when Prometheus scrapes, so no label lookup, label validation or hash string is built
// per request (the CPU profile of a small request showed prom-client's child observe() doing all
// three, docs/benchmarks/http.md), as the L4 metrics do (dataplane/l4/l4-metrics.ts).

import { Counter, type Metric, type MetricObjectWithValues, type MetricValueWithName, type Registry } from 'prom-client';

/** Status class label values, indexed by Math.floor(status / 100) (0: outside 100–599). */
const CLASS_NAMES = ['other', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** Upper bounds (seconds) of the duration histogram. */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/** The counts of one (Ingress, Service) pair. Numbers only grow: a counter never goes back. */
export class RouteStats {
  readonly ingress: string;
  readonly service: string;
  /** Requests by status class (CLASS_NAMES index). */
  readonly codes = new Float64Array(CLASS_NAMES.length);
  /** Durations per bucket, not cumulative; the last slot is above the largest bound (le="+Inf" only). */
  readonly buckets = new Float64Array(DURATION_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  constructor(ingress: string, service: string) {
    this.ingress = ingress;
    this.service = service;
  }

  reset(): void {
    this.codes.fill(0);
    this.buckets.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  /** One request answered with `status`: the request counter only (requests no route matched). */
  count1(status: number): void {
    this.codes[status >= 100 && status < 600 ? Math.floor(status / 100) : 0]++;
  }

  /** One finished request of a route: counted and its duration observed. */
  observe(status: number, seconds: number): void {
    this.count1(status);
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]) i++;
    this.buckets[i]++;
    this.sum += seconds;
    this.count++;
  }
}

type HistogramValue = MetricValueWithName<'ingress' | 'service' | 'le'>;

/**
 * The duration histogram as a metric of prom-client's registry interface (a name, `get()` with the
 * documented MetricObjectWithValues, `reset()`). prom-client's own Histogram cannot be filled from
 * a collect() callback — it has no call that sets a bucket's count — so this object renders the
 * RouteStats directly, in the layout Histogram.get() produces (cumulative `le` buckets, +Inf,
 * `_sum`, `_count`; le first among the labels). prom-client registers such plain metric objects
 * itself (lib/cluster.js AggregatorRegistry.aggregate), which the worker metrics merge relies on.
 */
class DurationHistogram {
  readonly name = 'portico_http_request_duration_seconds';
  readonly help = 'Time from request to the end of the response.';
  readonly type = 'histogram';
  readonly labelNames = ['ingress', 'service'] as const;
  readonly aggregator = 'sum';
  private readonly all: () => Iterable<RouteStats>;

  constructor(all: () => Iterable<RouteStats>) {
    this.all = all;
  }

  get(): Promise<MetricObjectWithValues<HistogramValue>> {
    const values: HistogramValue[] = [];
    for (const s of this.all()) {
      if (s.count === 0) continue;
      let acc = 0;
      for (let i = 0; i < DURATION_BUCKETS.length; i++) {
        acc += s.buckets[i];
        values.push({ labels: { le: DURATION_BUCKETS[i], ingress: s.ingress, service: s.service }, value: acc, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { le: '+Inf', ingress: s.ingress, service: s.service }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { ingress: s.ingress, service: s.service }, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ingress: s.ingress, service: s.service }, value: s.count, metricName: `${this.name}_count` });
    }
    // Data only, as Histogram.get() returns (no collect function): worker processes send this
    // through a structured clone (workers/worker-runtime.ts), which refuses functions.
    const out = { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
    return Promise.resolve(out as unknown as MetricObjectWithValues<HistogramValue>);
  }

  /**
   * Registry.resetMetrics() calls reset() on every metric: zero the counts of both request
   * metrics here (the Counter's own reset() also runs inside its collect(), so it cannot be the hook).
   */
  reset(): void {
    for (const s of this.all()) s.reset();
  }
}

export class RouteMetrics {
  /** Read at scrape time; also what the admin API's traffic overview reads (Counter.get()). */
  readonly requests: Counter<'ingress' | 'service' | 'code'>;
  private readonly stats = new Map<string, RouteStats>();

  constructor(registry: Registry) {
    const all = (): Iterable<RouteStats> => this.stats.values();
    this.requests = new Counter({
      name: 'portico_http_requests_total',
      help: 'HTTP requests served, by Ingress, Service and status class.',
      labelNames: ['ingress', 'service', 'code'] as const,
      registers: [registry],
      collect() {
        // Absolute numbers kept by RouteStats: reset, then set each total.
        this.reset();
        for (const s of all()) {
          for (let c = 0; c < CLASS_NAMES.length; c++) {
            if (s.codes[c] > 0) this.inc({ ingress: s.ingress, service: s.service, code: CLASS_NAMES[c] }, s.codes[c]);
          }
        }
      },
    });
    registry.registerMetric(new DurationHistogram(all) as unknown as Metric);
  }

  /** The stats of a pair; the same object every time, so a recompiled route keeps counting on. */
  for(ingress: string, service: string): RouteStats {
    const key = `${ingress} ${service}`;
    let s = this.stats.get(key);
    if (s === undefined) this.stats.set(key, (s = new RouteStats(ingress, service)));
    return s;
  }
}
