import { Registry, Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';

/**
 * Every Portico metric in one registry, created once by app.ts and handed to each layer.
 * prom-client (the choice); admin/ only renders it.
 */
export class Metrics {
  readonly registry = new Registry();

  // HTTP dataplane (README "Admin server")
  readonly httpRequests = new Counter({
    name: 'portico_http_requests_total',
    help: 'HTTP requests served, by Ingress, Service and status class.',
    labelNames: ['ingress', 'service', 'code'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'portico_http_request_duration_seconds',
    help: 'Time from request to the end of the response.',
    labelNames: ['ingress', 'service'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly upstreamErrors = new Counter({
    name: 'portico_upstream_errors_total',
    help: 'Failed upstream attempts, by Service and error code.',
    labelNames: ['service', 'code'] as const,
    registers: [this.registry],
  });
  // Balancing and health (dataplane/upstream outlier ejection, dataplane/health active checks)
  readonly upstreamEjections = new Counter({
    name: 'portico_upstream_ejections_total',
    help: 'Endpoints ejected by passive health (outlier detection), by cluster and reason (connect, 5xx, timeout).',
    labelNames: ['cluster', 'reason'] as const,
    registers: [this.registry],
  });
  readonly upstreamPanics = new Counter({
    name: 'portico_upstream_panic_total',
    help: 'Picks that found no healthy endpoint and used an unhealthy one (panic mode), by cluster.',
    labelNames: ['cluster'] as const,
    registers: [this.registry],
  });
  readonly healthCheckResults = new Counter({
    name: 'portico_health_check_results_total',
    help: 'Active health-check probes, by cluster and result (healthy, unhealthy).',
    labelNames: ['cluster', 'result'] as const,
    registers: [this.registry],
  });
  /**
   * Filled at scrape time from the served snapshot (upstreamInfoSource, set by the HTTP dataplane
   * on apply), nothing per request and nothing per apply: join with the request metrics on
   * ingress/service.
   */
  upstreamInfoSource: ((g: Metrics['upstreamInfo']) => void) | null = null;
  readonly upstreamInfo: Gauge<'ingress' | 'service' | 'route' | 'protocol' | 'tls_verify'> = new Gauge({
    name: 'portico_route_upstream_info',
    help: 'Upstream protocol and TLS verification of each route (value 1), by Ingress, Service, protocol and tls_verify.',
    labelNames: ['ingress', 'service', 'route', 'protocol', 'tls_verify'] as const,
    registers: [this.registry],
    collect: () => this.upstreamInfoSource?.(this.upstreamInfo),
  });
  // Faults contained per request (handler-fault.ts); the last resort's count is
  // portico_uncaught_exceptions_total (process-metrics.ts). Each is a bug: alert on any increase.
  readonly requestHandlerErrors = new Counter({
    name: 'portico_request_handler_errors_total',
    help: 'Exceptions thrown while handling a request (answered 500 or the stream/connection closed).',
    registers: [this.registry],
  });
  // Which HTTP/1.1 engine answered (src/dataplane/http1/handoff.ts): lean, or node when the lean
  // engine handed the connection to node:http.
  readonly http1EngineRequests = new Counter({
    name: 'portico_http1_engine_requests_total',
    help: 'HTTP/1.1 requests taken by the lean engine (engine="lean") or handed by it to node:http (engine="node").',
    labelNames: ['engine'] as const,
    registers: [this.registry],
  });
  readonly activeConnections = new Gauge({
    name: 'portico_active_connections',
    help: 'Open client connections, by listener.',
    labelNames: ['listener'] as const,
    registers: [this.registry],
  });

  // Control plane
  readonly snapshotVersion = new Gauge({
    name: 'portico_snapshot_version',
    help: 'Version of the Snapshot being served.',
    registers: [this.registry],
  });
  readonly dataplaneSnapshotVersion = new Gauge({
    name: 'portico_dataplane_snapshot_version',
    help: 'Version of the Snapshot each dataplane serves; behind portico_snapshot_version when its last apply failed.',
    labelNames: ['dataplane'] as const,
    registers: [this.registry],
  });
  readonly configReloads = new Counter({
    name: 'portico_config_reloads_total',
    help: 'Snapshots applied.',
    registers: [this.registry],
  });
  readonly configReloadErrors = new Counter({
    name: 'portico_config_reload_errors_total',
    help: 'Snapshot builds or applies that failed (the last good snapshot kept serving).',
    registers: [this.registry],
  });
  readonly diagnostics = new Gauge({
    name: 'portico_config_diagnostics',
    help: 'Diagnostics in the current configuration, by severity.',
    labelNames: ['severity'] as const,
    registers: [this.registry],
  });
  readonly propagation = new Histogram({
    name: 'portico_config_propagation_seconds',
    help: 'Time from a source event to the dataplane serving it, by kind.',
    labelNames: ['kind'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly sourceSynced = new Gauge({
    name: 'portico_source_synced',
    help: '1 when the source has delivered its initial state and is watching, else 0.',
    labelNames: ['source', 'kind'] as const,
    registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'portico_' });
  }
}
