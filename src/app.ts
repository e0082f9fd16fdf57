// Composition root: the only module that wires every layer, and the owner of shutdown order
// (ARCHITECTURE.md rule 5). It constructs and connects; the behaviour lives in the layers.
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import type { KubeConfig } from '@kubernetes/client-node';
import { AdminServer, type AdminState } from './admin/admin-server.ts';
import { certificatesView } from './admin/certificates-view.ts';
import { explainTarget } from './admin/api-v1.ts';
import { sourceMode, type PorticoConfig } from './config/config.ts';
import { Controller } from './controller/controller.ts';
import { HttpDataplane } from './dataplane/http/dataplane.ts';
import { HttpListener } from './dataplane/http/listener.ts';
import { GatewayPortListeners } from './dataplane/http/gateway-ports.ts';
import { withListenFailures } from './translate/gateway/listen-failures.ts';
import { GatewayPortAccept } from './workers/gateway-accept.ts';
import { Tracer } from './dataplane/http/tracing.ts';
import { L4Dataplane } from './dataplane/l4/l4-dataplane.ts';
import { TlsDataplane } from './dataplane/tls/tls-dataplane.ts';
import { HealthCheckers, httpCheckHooks, type HealthSource } from './dataplane/health/health-checkers.ts';
import type { Http1Limits } from './dataplane/http/http1-limits.ts';
import type { Dataplane } from './model/dataplane.ts';
import { FileSource } from './sources/file/file-source.ts';
import type { Source } from './sources/source.ts';
import type { StatusController } from './status/status-controller.ts';
import { Store } from './store/store.ts';
import type { TranslateOptions } from './translate/index.ts';
import { startWebhook } from './webhook/start-webhook.ts';
import { registerServedMetrics } from './admin/served-metrics.ts';
import { uncaughtCounter } from './util/process-metrics.ts';
import { createLogger, type Logger } from './util/logger.ts';
import { Metrics } from './util/metrics.ts';
import { WorkerPool } from './workers/worker-pool.ts';
import { concretePort, initMessage, reusePortWorks, workerExecArgv } from './workers/worker-front.ts';
import { PrimaryAccept } from './workers/primary-accept.ts';
import { workerMetrics } from './workers/worker-metrics.ts';
import { LazyView } from './workers/lazy-view.ts';
import { reduceMemoryWhenIdle } from './util/idle-memory.ts';

export interface AppOptions {
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Cluster mode: a ready KubeConfig (tests point it at the fake API server). */
  readonly kubeConfig?: KubeConfig;
  /** Cluster mode: leader-election timings and identity (tests shorten them). */
  readonly leaderElection?: { identity?: string; leaseDurationSeconds?: number; renewDeadlineMs?: number; retryPeriodMs?: number; resyncMs?: number };
  /** Cluster mode: how long a cold start waits for a kind the API denies. */
  readonly deniedGraceMs?: number;
  /** Cluster mode: how often Gateway API CRD discovery runs again (default 30 s). */
  readonly gatewayDiscoveryIntervalMs?: number;
  /** Worker processes: how long a worker may take to acknowledge a snapshot, and its crash backoff (tests shorten them). */
  readonly workers?: { readonly ackTimeoutMs?: number; readonly backoff?: { readonly minMs: number; readonly maxMs: number } };
}

export interface RunningApp {
  readonly config: PorticoConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly controller: Controller;
  readonly http: HttpDataplane;
  /** Cluster mode only: leader election, Ingress status, Events. */
  readonly status: StatusController | null;
  /** `--workers N` with N > 1: the worker processes that serve traffic; null in a single process. */
  readonly workers: WorkerPool | null;
  readonly ports: { readonly http: number; readonly https: number | null; readonly admin: number; readonly webhook: number | null };
  /** Resolves when every source synced and the first snapshot is applied. */
  ready(): Promise<void>;
  /** SIGHUP: the source reads everything again (files, or lists from the API), then the snapshot is rebuilt and applied. */
  reload(): Promise<void>;
  /** Graceful stop: not ready → stop accepting → drain in-flight → close (README "Admin server"). */
  stop(drainTimeoutMs?: number): Promise<void>;
}

export function translateOptionsFrom(c: PorticoConfig): Omit<TranslateOptions, 'version'> {
  return {
    controllerName: c.controllerName,
    ingressClass: c.ingressClass,
    watchWithoutClass: c.watchWithoutClass,
    allowExternalName: c.allowExternalName,
    // Without an HTTPS listener there is nothing to redirect to (a redirect would loop behind a
    // TLS-terminating load balancer that forwards plain HTTP).
    sslRedirect: c.sslRedirect && c.httpsPort !== null,
    defaultTlsSecret: c.defaultTlsSecret,
    tcpServicesConfigMap: c.tcpServicesConfigMap,
    udpServicesConfigMap: c.udpServicesConfigMap,
    allowlistSourceRange: c.allowlistSourceRange,
    denylistSourceRange: c.denylistSourceRange,
    serveUnenforcedAnnotations: c.serveUnenforcedAnnotations,
    sslPassthrough: c.enableSslPassthrough,
    gatewayControllerName: c.gatewayControllerName,
    gatewayPorts: { http: c.httpPort, https: c.httpsPort, offset: c.gatewayPortOffset },
  };
}

// Every response body read from an upstream socket is a fresh external ArrayBuffer, and by default
// V8 starts a full mark-compact after each 64 MB of external allocation whatever the heap size,
// each marking Portico's whole live heap. With external memory accounted in the global limit those
// collections follow the heap's own growth heuristics instead (measured in docs/benchmarks/http.md,
// 64 KiB responses). The price is a higher peak RSS when the old space is not capped (the
// Deployment caps it). Set before any traffic; an operator's own choice wins:
// `--no-external-memory-accounted-in-global-limit` in NODE_OPTIONS or on the command line.
export function tuneV8(): void {
  if (![...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('external-memory-accounted-in-global-limit'))) {
    setFlagsFromString('--external-memory-accounted-in-global-limit');
  }
  // Memory back after a connection burst (util/idle-memory.ts); PORTICO_MEMORY_DEFAULTS=off, like
  // bin/portico.js's allocator and semi-space defaults, keeps V8's own behaviour.
  if (process.env.PORTICO_MEMORY_DEFAULTS !== 'off') reduceMemoryWhenIdle();
}

/** Every `namespace/name` a flag holds (Secrets and ConfigMaps Portico reads by name). */
function objectRefsIn(config: PorticoConfig): string[] {
  return Object.values(config).flat().filter((v): v is string => typeof v === 'string' && /^[a-z0-9][-a-z0-9]*\/[a-z0-9][-a-z0-9.]*$/.test(v));
}

export interface Dataplanes {
  readonly http: HttpDataplane;
  /** null unless --otlp-endpoint (README "Tracing"). */
  readonly tracer: Tracer | null;
  readonly tls: TlsDataplane | null;
  readonly l4: L4Dataplane;
  /** Gateway HTTP/HTTPS listeners on ports of their own (src/dataplane/http/gateway-ports.ts). */
  readonly gatewayPorts: GatewayPortListeners;
  readonly all: readonly Dataplane[];
}

/** `healthChecks` 'remote': another process runs the active checks (worker processes, workers/shared-health.ts). */
export function buildDataplanes(config: PorticoConfig, logger: Logger, metrics: Metrics, healthChecks: HealthSource = 'probe'): Dataplanes {
  const tracer = config.otlpEndpoint === null ? null : new Tracer({ endpoint: config.otlpEndpoint, samplingRatio: config.traceSamplingRatio, metrics, logger });
  const http = new HttpDataplane({
    logger,
    metrics,
    trustProxy: [...config.trustProxy],
    connectTimeoutMs: config.connectTimeoutMs,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    maxBodyBytes: config.proxyBodySize,
    httpsPort: config.httpsPort,
    hsts: config.hstsMaxAge > 0 ? `max-age=${config.hstsMaxAge}${config.hstsIncludeSubdomains ? '; includeSubDomains' : ''}` : null,
    authTimeoutMs: config.authTimeoutMs,
    limitReqStatusCode: config.limitReqStatusCode,
    limitConnStatusCode: config.limitConnStatusCode,
    limitClients: config.limitClients,
    escapedSlashes: config.escapedSlashes,
    allowTrace: config.allowTrace,
    verboseErrors: config.verboseErrors,
    clientBodyTimeoutMs: config.clientBodyTimeoutMs,
    clientSendTimeoutMs: config.clientSendTimeoutMs,
    upstreamMaxConnections: config.upstreamMaxConnections,
    requestBufferBytes: config.requestBuffering ? config.requestBufferSize : 0,
    accessLog: { format: config.accessLogFormat, fields: config.accessLogFields },
    requestIds: config.requestId,
    maxHeaderCount: config.maxHeaderCount,
    tracer,
    healthChecks,
    http1Engine: config.http1Engine,
  });
  const tlsOptions = {
    sessionResumption: config.tlsSessionResumption,
    http2: { maxConcurrentStreams: config.http2MaxConcurrentStreams, maxHeaderListSize: config.maxHeaderSize, idleTimeoutMs: config.http2IdleTimeoutMs, maxResets: config.http2MaxResets },
    http1: { engine: config.http1Engine, limits: http1Limits(config) },
  };
  const tls = config.httpsPort === null ? null : new TlsDataplane(http, { host: config.bindAddress, port: config.httpsPort, logger, metrics, ...tlsOptions });
  const l4 = buildL4(config, logger, metrics, healthChecks);
  // After `http` in `all`: a new port opens with its routes already in the table.
  const gatewayPorts = new GatewayPortListeners(http, { bindAddress: config.bindAddress, logger, metrics, drainTimeoutMs: config.drainTimeoutMs,
    http: { limits: http1Limits(config), engine: config.http1Engine }, tls: tlsOptions });
  return { http, tracer, tls, l4, gatewayPorts, all: tls ? [http, tls, l4, gatewayPorts] : [http, l4, gatewayPorts] };
}

function buildL4(config: PorticoConfig, logger: Logger, metrics: Metrics, healthChecks: HealthSource): L4Dataplane {
  return new L4Dataplane({
    logger,
    metrics,
    bindAddress: config.bindAddress,
    tcpIdleTimeoutMs: config.tcpIdleTimeoutMs,
    udpSessionTimeoutMs: config.udpSessionTimeoutMs,
    udpMaxSessions: config.udpMaxSessions,
    drainTimeoutMs: config.l4DrainTimeoutMs,
    acceptProxyProtocol: config.l4AcceptProxyProtocol,
    healthChecks,
  });
}

/** The plain-HTTP front end of `dp.http` (a worker process builds the same one, src/worker.ts). */
export function buildHttpListener(config: PorticoConfig, dp: Dataplanes, logger: Logger, metrics: Metrics): HttpListener {
  return new HttpListener(dp.http, { host: config.bindAddress, port: config.httpPort, logger, metrics,
    limits: http1Limits(config), engine: config.http1Engine });
}

function http1Limits(config: PorticoConfig): Http1Limits {
  return { maxHeaderSize: config.maxHeaderSize, headerTimeoutMs: config.clientHeaderTimeoutMs, keepaliveTimeoutMs: config.keepaliveTimeoutMs, maxHeaderCount: config.maxHeaderCount };
}

/** The one configuration source; in cluster mode also the KubeConfig the status writer uses. */
async function buildSource(config: PorticoConfig, opts: AppOptions, logger: Logger, metrics: Metrics): Promise<{ source: Source; kubeConfig: KubeConfig | null }> {
  if (sourceMode(config) === 'file') {
    logger.info({ resources: config.resources }, 'configuration source: manifest files (standalone)');
    return { source: new FileSource({ paths: config.resources, logger, watch: config.watch }), kubeConfig: null };
  }
  // Cluster-mode modules load only in cluster mode: @kubernetes/client-node alone is ~15 MB of
  // heap that file mode never uses (and every major GC walks).
  const [{ makeKubeConfig }, { KubeSource }] = await Promise.all([import('./sources/kube/config.ts'), import('./sources/kube/kube-source.ts')]);
  const kubeConfig = opts.kubeConfig ?? makeKubeConfig({ ...(config.kubeconfig ? { kubeconfigPath: config.kubeconfig } : {}), inCluster: config.inCluster });
  const source = new KubeSource({ kubeConfig, namespace: config.watchNamespace, logger, metrics, ...(opts.deniedGraceMs !== undefined ? { deniedGraceMs: opts.deniedGraceMs } : {}),
    ...(opts.gatewayDiscoveryIntervalMs !== undefined ? { gatewayApi: { intervalMs: opts.gatewayDiscoveryIntervalMs } } : {}) });
  logger.info({ server: kubeConfig.getCurrentCluster()?.server, namespace: config.watchNamespace ?? '(all)' }, 'configuration source: Kubernetes API (cluster mode)');
  return { source, kubeConfig };
}

/** Cluster mode: Ingress status and Events, written by the elected leader only. */
async function buildStatus(config: PorticoConfig, opts: AppOptions, logger: Logger, kubeConfig: KubeConfig, controller: Controller, store: Store): Promise<StatusController> {
  const { StatusController } = await import('./status/status-controller.ts');
  const status = new StatusController({
    kubeConfig,
    logger,
    namespace: process.env.POD_NAMESPACE || config.watchNamespace || 'default',
    leaseName: config.electionId,
    publishService: config.publishService,
    publishAddresses: config.publishAddress,
    served: () => controller.served,
    ingresses: () => store.list('Ingress'),
    diagnostics: () => controller.diagnostics(),
    gateway: { controllerName: config.gatewayControllerName, report: () => withListenFailures(controller.gatewayStatus, controller.diagnostics()), lookup: (kind, key) => store.get(kind, key), ready: () => controller.isReady() },
    ...(opts.leaderElection ?? {}),
  });
  controller.subscribe({ onApplied: () => status.onApplied(), onDiagnostics: (_all, added) => status.onDiagnostics(added) });
  return status;
}

function adminState(controller: Controller, dp: Dataplanes, draining: () => boolean, pool: WorkerPool | null, view: LazyView | null): AdminState {
  // With workers, the primary's HTTP/TLS dataplanes compile when a view reads them (lazy-view.ts).
  const fresh = (): Dataplanes => {
    view?.current();
    return dp;
  };
  return {
    isLive: () => true,
    isReady: () => controller.isReady() && !draining() && (pool?.isServing() ?? true),
    snapshot: () => controller.snapshot,
    servedBy: () => (pool ? { workers: controller.servedBy().workers, ...pool.servedBy() } : controller.servedBy()),
    endpoints: () => controller.endpointSet,
    diagnostics: () => controller.diagnostics(),
    debugViews: {
      explain: (q) => fresh().http.explain(q.host, q.path ?? '/', explainTarget(q.scheme, q.port)),
      certificates: () => (dp.tls ? certificatesView(controller.snapshot, fresh().tls!.sniTable, controller.diagnostics()) : { https: 'off' }),
      ...(pool ? { workers: () => pool.view() } : {}),
    },
    dashboard: {
      endpointHealth: (id) => fresh().http.endpointHealth(id),
      certificates: () => (dp.tls ? certificatesView(controller.snapshot, fresh().tls!.sniTable, controller.diagnostics()) : null),
      explain: (host, path, target) => fresh().http.explain(host, path, target),
      sources: () => controller.sourceStatus(),
    },
  };
}

/** Where traffic is accepted: this process's listeners, or worker processes (README "Worker processes"). */
interface Front {
  readonly targets: readonly Dataplane[];
  readonly pool: WorkerPool | null;
  readonly view: LazyView | null;
  listen(): Promise<{ http: number; https: number | null }>;
  close(drainTimeoutMs: number): Promise<void>;
}

function singleProcessFront(config: PorticoConfig, dp: Dataplanes, logger: Logger, metrics: Metrics): Front {
  const httpListener = buildHttpListener(config, dp, logger, metrics);
  return {
    targets: dp.all,
    pool: null,
    view: null,
    listen: async () => ({ http: await httpListener.listen(), https: dp.tls ? await dp.tls.listen() : null }),
    close: async (drainTimeoutMs) => {
      await Promise.all([httpListener.close(drainTimeoutMs), dp.tls?.close(drainTimeoutMs), dp.gatewayPorts.close(drainTimeoutMs), dp.l4.close(Math.min(drainTimeoutMs, config.l4DrainTimeoutMs))]);
    },
  };
}

/**
 * `--workers N`: the workers serve; the primary's HTTP and TLS dataplanes stay unlistened and
 * compile only when explain, the dashboard or /debug/certificates read them (lazy-view.ts).
 * `--worker-accept primary` (primary-accept.ts): the primary binds the HTTP and HTTPS ports and
 * hands each connection to a worker, and runs the L4 dataplane itself (its ports come and go with
 * the snapshot, and a UDP flow must stay on one socket).
 */
async function workersFront(config: PorticoConfig, count: number, opts: AppOptions, dp: Dataplanes, logger: Logger, metrics: Metrics): Promise<Front> {
  const accept = config.workerAccept === 'auto' ? (await reusePortWorks(config.bindAddress) ? 'reuseport' : 'primary') : config.workerAccept;
  const acceptor = accept === 'primary' ? new PrimaryAccept(() => pool.pickAcceptor(), logger, () => workerMetrics(metrics).refused.inc()) : null;
  const bind = (port: number): Promise<number> => (acceptor ? acceptor.listen(config.bindAddress, port) : concretePort(config.bindAddress, port));
  const ports = { http: await bind(config.httpPort), https: config.httpsPort === null ? null : await bind(config.httpsPort) };
  // The primary's own L4 dataplane probes its clusters itself; the pool checks HTTP clusters only then.
  const l4 = acceptor ? buildL4(config, logger, metrics, 'probe') : null;
  const pool: WorkerPool = new WorkerPool({
    count, entry: fileURLToPath(new URL('./worker.ts', import.meta.url)), execArgv: workerExecArgv(config.workerMaxOldSpaceSize, count),
    initFor: (id) => initMessage(id, config, ports, accept), logger, metrics, drainTimeoutMs: config.drainTimeoutMs,
    ackTimeoutMs: opts.workers?.ackTimeoutMs ?? 60_000, ...(opts.workers?.backoff ? { backoff: opts.workers.backoff } : {}),
    // The checkers each plane's dataplane would run in one process (HttpDataplane, L4Dataplane).
    healthCheckers: (plane) => (plane === 'http' ? new HealthCheckers('http', httpCheckHooks(metrics, logger)) : new HealthCheckers('tcp', {}, l4 ? 'remote' : 'probe')),
    onHealth: (m) => (m.plane === 'http' ? dp.http.setUnhealthy(m.clusterId, m.unhealthy) : undefined),
  });
  const view = new LazyView(dp.tls ? [dp.http, dp.tls] : [dp.http]);
  logger.info({ workers: count, accept }, accept === 'primary' ? 'worker processes: the primary accepts and hands connections out' : 'worker processes: SO_REUSEPORT listeners');
  return {
    // Gateway listener ports of their own: the workers register them (pool), then the primary binds them.
    targets: acceptor && l4 ? [pool, view, l4, new GatewayPortAccept(acceptor, config.bindAddress, logger)] : [pool, view],
    pool,
    view,
    listen: async () => {
      await pool.start();
      return ports;
    },
    close: async (drainTimeoutMs) => {
      await acceptor?.close();
      await Promise.all([pool.close(drainTimeoutMs), l4?.close(Math.min(drainTimeoutMs, config.l4DrainTimeoutMs))]);
    },
  };
}

export async function startApp(config: PorticoConfig, opts: AppOptions = {}): Promise<RunningApp> {
  sourceMode(config);
  tuneV8();
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  const metrics = opts.metrics ?? new Metrics();
  const store = new Store();
  // `auto` is resolved by the CLI (main.ts); a caller that passes it as is gets one process.
  const workerCount = typeof config.workers === 'number' ? config.workers : 1;
  // With workers, the primary's dataplanes count nothing (the workers' registries are the series)
  // and the active health checks run once, in the pool (workers/shared-health.ts), not in these.
  const dp = buildDataplanes(config, logger, workerCount > 1 ? new Metrics({ defaultMetrics: false }) : metrics, workerCount > 1 ? 'remote' : 'probe');
  const front = workerCount > 1 ? await workersFront(config, workerCount, opts, dp, logger, metrics) : singleProcessFront(config, dp, logger, metrics);
  const { source, kubeConfig } = await buildSource(config, opts, logger, metrics);
  const controller = new Controller({ store, translateOptions: translateOptionsFrom(config), configuredRefs: objectRefsIn(config), targets: front.targets, sources: [source.name], logger, metrics });
  const status = kubeConfig ? await buildStatus(config, opts, logger, kubeConfig, controller, store) : null;
  registerServedMetrics(metrics, { snapshot: () => controller.snapshot, endpoints: () => controller.endpointSet });
  uncaughtCounter(metrics);
  let draining = false;
  // Validating admission webhook (README "Admission webhook"): reviews run translate on the store.
  const webhook = config.webhookPort === null ? null : startWebhook(config, { store, logger, metrics, ready: () => controller.isReady(), translate: translateOptionsFrom(config) });
  if (webhook) controller.subscribe({ onApplied: () => webhook.storeChanged() });
  const pool = front.pool;
  const admin = new AdminServer({ host: config.adminAddress, port: config.adminPort, logger, metrics, state: adminState(controller, dp, () => draining, pool, front.view),
    ...(pool ? { metricsText: () => pool.metricsText(), actions: { 'workers/restart': () => pool.rollingRestart() } } : {}) });

  // Listeners open before the first snapshot: until then requests get 404 and /readyz says 503,
  // which is what keeps a load balancer from sending traffic early.
  const adminPort = await admin.listen();
  const listening = await front.listen();
  const ports = { admin: adminPort, http: listening.http, https: listening.https, webhook: webhook ? await webhook.listen() : null };
  logger.info({ http: ports.http, https: ports.https }, 'traffic listening');
  dp.http.setHttpsPort(config.sslRedirectPort ?? ports.https);
  await source.start(controller);
  status?.start();

  let stopping: Promise<void> | null = null;
  const stop = (drainTimeoutMs = config.drainTimeoutMs): Promise<void> => {
    stopping ??= (async () => {
      draining = true;
      logger.info({ drainTimeoutMs }, 'shutting down: not ready, draining');
      await status?.stop().catch((err) => logger.warn({ err }, 'status stop failed'));
      await source.stop().catch((err) => logger.warn({ err }, 'source stop failed'));
      controller.stop();
      // Front ends first (they bound the in-flight requests), then the HTTP dataplane's upstream pools.
      await front.close(drainTimeoutMs);
      await dp.http.close(0);
      await dp.tracer?.close();
      await webhook?.close();
      await admin.close();
      logger.info('stopped');
    })();
    return stopping;
  };

  const reload = async (): Promise<void> => {
    logger.info({ source: source.name }, 'reload requested');
    await source.reload?.();
    await controller.flush();
  };

  return { config, logger, metrics, controller, http: dp.http, status, workers: pool, ports, ready: () => controller.whenReady(), reload, stop };
}
