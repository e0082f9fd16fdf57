// One /metrics for the whole process tree (README "Worker processes"): the primary's registry and
// every worker's, collected as JSON over IPC at scrape time, merged by prom-client's
// AggregatorRegistry.aggregate (the function node:cluster's AggregatorRegistry uses, without
// needing node:cluster): counters summed, histograms merged bucket by bucket. Gauges are per
// process (heap, open connections), so each worker's get a `worker` label instead of a sum.
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

export interface WorkerMetricsJson {
  readonly id: number;
  readonly metrics: readonly unknown[];
}

type Json = MetricObjectWithValues<MetricValue<string>>;

function isMetric(m: unknown): m is Json {
  const o = m as Partial<Json> | null;
  return typeof o === 'object' && o !== null && typeof o.name === 'string' && typeof o.type === 'string' && Array.isArray(o.values);
}

/** A worker's metrics with `worker="<id>"` on every gauge value; anything not a metric is dropped. */
export function labelGauges(w: WorkerMetricsJson): Json[] {
  const worker = String(w.id);
  return w.metrics.filter(isMetric).map((m) => (String(m.type) === 'gauge'
    ? { ...m, values: m.values.map((v) => ({ ...v, labels: { ...v.labels, worker } })) }
    : m));
}

/** Sum of one counter's values in a worker's metrics (0 when absent). */
export function counterTotal(w: WorkerMetricsJson, name: string): number {
  let sum = 0;
  for (const m of w.metrics) if (isMetric(m) && m.name === name) for (const v of m.values) sum += v.value;
  return sum;
}

export function mergeMetrics(primary: readonly unknown[], workers: readonly WorkerMetricsJson[]): Registry {
  return AggregatorRegistry.aggregate([primary.filter(isMetric), ...workers.map(labelGauges)]);
}
