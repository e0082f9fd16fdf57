// Every Portico metric, registered once on one registry, for README's metrics reference. Each
// module that defines metrics is listed here; test/scripts/gen-docs.test.ts fails when a
// `portico_*` name in src/ is missing from the result (a module not listed here).
import { emptySnapshot } from '../src/model/snapshot.ts';
import { registerServedMetrics } from '../src/admin/served-metrics.ts';
import { Tracer } from '../src/dataplane/http/tracing.ts';
import { l4Metrics } from '../src/dataplane/l4/l4-metrics.ts';
import { tlsMetrics } from '../src/dataplane/tls/tls-metrics.ts';
import { silentLogger } from '../src/util/logger.ts';
import { Metrics } from '../src/util/metrics.ts';
import { uncaughtCounter } from '../src/util/process-metrics.ts';
import { webhookMetrics } from '../src/webhook/webhook-server.ts';
import { workerMetrics } from '../src/workers/worker-metrics.ts';

export interface MetricDoc {
  readonly name: string;
  readonly type: string;
  readonly labels: readonly string[];
  readonly help: string;
}

export function metricsCatalog(): MetricDoc[] {
  const m = new Metrics({ defaultMetrics: false });
  l4Metrics(m);
  tlsMetrics(m);
  registerServedMetrics(m, { snapshot: () => emptySnapshot(), endpoints: () => new Map() });
  uncaughtCounter(m);
  webhookMetrics(m);
  workerMetrics(m);
  // Registers its counters in the constructor; nothing is queued, so close() has nothing to send.
  void new Tracer({ endpoint: 'http://127.0.0.1:9/v1/traces', samplingRatio: 0, metrics: m, logger: silentLogger() }).close();
  return m.registry.getMetricsAsArray()
    .map((x) => {
      const o = x as unknown as { name: string; help: string; labelNames?: readonly string[]; constructor: { name: string } };
      return { name: o.name, type: o.constructor.name.toLowerCase(), labels: [...(o.labelNames ?? [])], help: o.help };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

export function metricsMarkdown(): string {
  const rows = metricsCatalog().map((d) => `| \`${d.name}\` | ${d.type} | ${d.labels.join(', ') || '—'} | ${d.help.replaceAll('|', '\\|')} |`);
  return ['| metric | type | labels | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
