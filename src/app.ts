// Composition root: the only module that wires every layer, and the owner of shutdown order
// (ARCHITECTURE.md rule 5).
import { AdminServer } from './admin/admin-server.ts';
import { certificatesView } from './admin/certificates-view.ts';
import { sourceMode, type PorticoConfig } from './config/config.ts';
import { Controller } from './controller/controller.ts';
import type { DataplaneTarget } from './controller/target.ts';
import { HttpDataplane } from './dataplane/http/dataplane.ts';
import { HttpListener } from './dataplane/http/listener.ts';
import { L4Dataplane } from './dataplane/l4/l4-dataplane.ts';
import { generateDefaultCertificate } from './dataplane/tls/default-certificate.ts';
import { HttpsListener } from './dataplane/tls/https-listener.ts';
import { SniTableBuilder } from './dataplane/tls/sni-table.ts';
import { emptySnapshot } from './model/snapshot.ts';
import { FileSource } from './sources/file/file-source.ts';
import type { StatusController } from './status/status-controller.ts';
import type { Source } from './sources/source.ts';
import { Store } from './store/store.ts';
import type { TranslateOptions } from './translate/index.ts';
import { diagnostic, type Diagnostic } from './model/diagnostic.ts';
import { splitKey } from './k8s/keys.ts';
import { setFlagsFromString } from 'node:v8';
import { startWebhook } from './webhook/start-webhook.ts';
import { registerServedMetrics } from './admin/served-metrics.ts';
import { uncaughtCounter } from './util/process-metrics.ts';
import { createLogger, type Logger } from './util/logger.ts';
import { Metrics } from './util/metrics.ts';

export interface AppOptions {
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** Cluster mode: a ready KubeConfig (tests point it at the fake API server). */
  readonly kubeConfig?: import('@kubernetes/client-node').KubeConfig;
  /** Cluster mode: leader-election timings and identity (tests shorten them). */
  readonly leaderElection?: { identity?: string; leaseDurationSeconds?: number; renewDeadlineMs?: number; retryPeriodMs?: number; resyncMs?: number };
  /** Cluster mode: how long a cold start waits for a kind the API denies. */
  readonly deniedGraceMs?: number;
}

export interface RunningApp {
  readonly config: PorticoConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly controller: Controller;
  readonly http: HttpDataplane;
  /** Cluster mode only: leader election, Ingress status, Events. */
  readonly status: StatusController | null;
  readonly ports: { readonly http: number; readonly https: number | null; readonly admin: number; readonly webhook: number | null };
  /** Resolves when every source synced and the first snapshot is applied. */
  ready(): Promise<void>;
  /** Graceful stop (issue #2 item 6): not ready → stop accepting → drain in-flight → close. */
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
  };
}

// Issue #6, 64 KiB case: every response body read from an upstream socket is a fresh external
// ArrayBuffer, and by default V8 starts a full mark-compact after each 64 MB of external
// allocation, whatever the heap size — 4–5 per second under load, each marking Portico's whole
// live heap (the routing table, the store). With the external memory accounted in the global
// limit, those collections follow the heap's own growth heuristics instead: measured 227 → 156 µs
// of CPU per 64 KiB request (docs/benchmarks/http.md). The price is a higher peak RSS when the
// old space is not capped (the Deployment caps it). Set when the app starts, before any
// traffic; V8 reads it when it recomputes its limits. An operator's own choice wins:
// `--no-external-memory-accounted-in-global-limit` in NODE_OPTIONS or on the command line.
function tuneV8(): void {
  if (![...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('external-memory-accounted-in-global-limit'))) {
    setFlagsFromString('--external-memory-accounted-in-global-limit');
  }
}

export async function startApp(config: PorticoConfig, opts: AppOptions = {}): Promise<RunningApp> {
  const mode = sourceMode(config);
  tuneV8();
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  const metrics = opts.metrics ?? new Metrics();
  const store = new Store();
  let draining = false;

  const http = new HttpDataplane({
    logger,
    metrics,
    trustProxy: [...config.trustProxy],
    connectTimeoutMs: config.connectTimeoutMs,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    httpsPort: config.httpsPort,
    hsts: config.hstsMaxAge > 0 ? `max-age=${config.hstsMaxAge}${config.hstsIncludeSubdomains ? '; includeSubDomains' : ''}` : null,
    authTimeoutMs: config.authTimeoutMs,
    escapedSlashes: config.escapedSlashes,
    allowTrace: config.allowTrace,
    clientBodyTimeoutMs: config.clientBodyTimeoutMs,
    clientSendTimeoutMs: config.clientSendTimeoutMs,
    upstreamMaxConnections: config.upstreamMaxConnections,
  });
  const targets: DataplaneTarget[] = [
    { name: 'http', apply: (s, e) => http.apply(s, e), updateEndpoints: (id, e) => http.updateEndpoints(id, e) },
  ];

  // TLS (issue #3): one SNI table per snapshot, swapped by reference; the generated default
  // certificate lives in memory only.
  const sni = config.httpsPort === null ? null : new SniTableBuilder({ generatedDefault: generateDefaultCertificate(), sessionResumption: config.tlsSessionResumption });
  let sniTable = sni?.build(emptySnapshot()) ?? null;
  const httpsListener = sni && sniTable
    ? new HttpsListener(http, { host: config.bindAddress, port: config.httpsPort!, logger, metrics, sni: sniTable, secureOptions: sni.secureOptions,
      http2: { maxConcurrentStreams: config.http2MaxConcurrentStreams, maxHeaderListSize: config.maxHeaderSize, idleTimeoutMs: config.http2IdleTimeoutMs, maxResets: config.http2MaxResets } })
    : null;
  if (sni && httpsListener) {
    targets.push({
      name: 'tls',
      apply: (s) => {
        sniTable = sni.build(s);
        httpsListener.setSniTable(sniTable);
      },
      updateEndpoints: () => {},
    });
  }

  // L4 (issue #5): listeners per tcp/udp services ConfigMap entry. A port that fails to bind is
  // reported against its ConfigMap and the others keep working.
  const l4 = new L4Dataplane({
    logger,
    metrics,
    bindAddress: config.bindAddress,
    tcpIdleTimeoutMs: config.tcpIdleTimeoutMs,
    udpSessionTimeoutMs: config.udpSessionTimeoutMs,
    udpMaxSessions: config.udpMaxSessions,
    drainTimeoutMs: config.l4DrainTimeoutMs,
    acceptProxyProtocol: config.l4AcceptProxyProtocol,
  });
  targets.push({
    name: 'l4',
    apply: async (s, e) => {
      const failures = await l4.apply(s.l4, s.clusters, e);
      controller.sourceDiagnostics('l4', failures.map((f) => l4Failure(config, f.routeId, f.error)));
    },
    updateEndpoints: (id, e) => l4.updateEndpoints(id, e),
  });

  const sources: Source[] = [];
  let status: StatusController | null = null;
  if (mode === 'file') {
    sources.push(new FileSource({ paths: config.resources, logger, watch: config.watch }));
    logger.info({ resources: config.resources }, 'configuration source: manifest files (standalone)');
  } else {
    // Cluster-mode modules load only in cluster mode: @kubernetes/client-node alone is ~15 MB of
    // heap that file mode never uses (and every major GC walks).
    const [{ makeKubeConfig }, { KubeSource }, { StatusController }] = await Promise.all([
      import('./sources/kube/config.ts'), import('./sources/kube/kube-source.ts'), import('./status/status-controller.ts'),
    ]);
    const kubeConfig = opts.kubeConfig ?? makeKubeConfig({ ...(config.kubeconfig ? { kubeconfigPath: config.kubeconfig } : {}), inCluster: config.inCluster });
    sources.push(new KubeSource({ kubeConfig, namespace: config.watchNamespace, logger, metrics, ...(opts.deniedGraceMs !== undefined ? { deniedGraceMs: opts.deniedGraceMs } : {}) }));
    logger.info({ server: kubeConfig.getCurrentCluster()?.server, namespace: config.watchNamespace ?? '(all)' }, 'configuration source: Kubernetes API (cluster mode)');
    const le = opts.leaderElection ?? {};
    status = new StatusController({
      kubeConfig,
      logger,
      namespace: process.env.POD_NAMESPACE || config.watchNamespace || 'default',
      leaseName: config.electionId,
      publishService: config.publishService,
      publishAddresses: config.publishAddress,
      served: () => controller.served,
      ingresses: () => store.list('Ingress'),
      ...le,
    });
  }

  const controller = new Controller({
    store,
    translateOptions: translateOptionsFrom(config),
    targets,
    sources: sources.map((s) => s.name),
    logger,
    metrics,
    onApplied: () => {
      status?.onApplied();
      webhook?.storeChanged();
    },
    onDiagnostics: (_all, added) => status?.onDiagnostics(added),
  });

  registerServedMetrics(metrics, { snapshot: () => controller.snapshot, endpoints: () => controller.endpointSet });
  uncaughtCounter(metrics);
  // Validating admission webhook (README "Admission webhook"): reviews run translate on the store.
  const webhook = config.webhookPort === null ? null : startWebhook(config, { store, logger, metrics, ready: () => controller.isReady(), translate: translateOptionsFrom(config) });
  const httpListener = new HttpListener(http, { host: config.bindAddress, port: config.httpPort, logger, metrics,
    limits: { maxHeaderSize: config.maxHeaderSize, headerTimeoutMs: config.clientHeaderTimeoutMs, keepaliveTimeoutMs: config.keepaliveTimeoutMs } });
  const admin = new AdminServer({
    host: config.adminAddress,
    port: config.adminPort,
    logger,
    metrics,
    state: {
      isLive: () => true,
      isReady: () => controller.isReady() && !draining,
      snapshot: () => controller.snapshot,
      endpoints: () => controller.endpointSet,
      diagnostics: () => controller.diagnostics(),
      debugViews: {
        explain: (q) => http.explain(q.host, q.path ?? '/'),
        certificates: () => (sniTable ? certificatesView(controller.snapshot, sniTable, controller.diagnostics()) : { https: 'off' }),
      },
      dashboard: {
        endpointHealth: (id) => http.endpointHealth(id),
        certificates: () => (sniTable ? certificatesView(controller.snapshot, sniTable, controller.diagnostics()) : null),
        explain: (host, path) => http.explain(host, path),
        sources: () => controller.sourceStatus(),
      },
    },
  });

  // Listeners open before the first snapshot: until then requests get 404 and /readyz says 503,
  // which is what keeps a load balancer from sending traffic early.
  const adminPort = await admin.listen();
  const httpPort = await httpListener.listen();
  const httpsPort = httpsListener ? await httpsListener.listen() : null;
  const webhookPort = webhook ? await webhook.listen() : null;
  http.setHttpsPort(config.sslRedirectPort ?? httpsPort);
  for (const s of sources) await s.start(controller);
  status?.start();

  let readyResolve!: () => void;
  const readyPromise = new Promise<void>((r) => (readyResolve = r));
  const poll = setInterval(() => {
    if (controller.isReady()) {
      clearInterval(poll);
      readyResolve();
    }
  }, 10);

  let stopping: Promise<void> | null = null;
  const stop = (drainTimeoutMs = config.drainTimeoutMs): Promise<void> => {
    if (stopping) return stopping;
    stopping = (async () => {
      draining = true;
      clearInterval(poll);
      logger.info({ drainTimeoutMs }, 'shutting down: not ready, draining');
      await status?.stop().catch((err) => logger.warn({ err }, 'status stop failed'));
      for (const s of sources) await s.stop().catch((err) => logger.warn({ err }, 'source stop failed'));
      controller.stop();
      await Promise.all([httpListener.close(drainTimeoutMs), httpsListener?.close(drainTimeoutMs), l4.close(Math.min(drainTimeoutMs, config.l4DrainTimeoutMs))]);
      http.close();
      await webhook?.close();
      await admin.close();
      logger.info('stopped');
    })();
    return stopping;
  };

  return {
    config,
    logger,
    metrics,
    controller,
    http,
    status,
    ports: { http: httpPort, https: httpsPort, admin: adminPort, webhook: webhookPort },
    ready: () => readyPromise,
    stop,
  };
}

function l4Failure(config: PorticoConfig, routeId: string, error: string): Diagnostic {
  const cm = routeId.startsWith('udp/') ? config.udpServicesConfigMap : config.tcpServicesConfigMap;
  const { namespace, name } = splitKey(cm ?? '');
  return diagnostic({ kind: 'ConfigMap', namespace, name }, 'ListenFailed', `${routeId}: cannot listen: ${error}`);
}
