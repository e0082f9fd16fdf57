// Worker process entry (README "Worker processes"), forked by the primary (workers/worker-pool.ts)
// with an IPC channel. Like main.ts it only wires: the first message says what to build; this
// process then runs the HTTP, HTTPS and L4 dataplanes on SO_REUSEPORT listeners and takes every
// later message from the primary (workers/worker-runtime.ts). Nothing here reads Kubernetes.
import { buildDataplanes, buildHttpListener, tuneV8 } from './app.ts';
import type { PorticoConfig } from './config/config.ts';
import { listenDefaults } from './dataplane/listen.ts';
import { createLogger, flushLogger } from './util/logger.ts';
import { Metrics } from './util/metrics.ts';
import { uncaughtCounter } from './util/process-metrics.ts';
import { parseToWorker, type FromWorker, type WorkerInit } from './workers/protocol.ts';
import { WorkerRuntime } from './workers/worker-runtime.ts';
import { HandedConnections } from './workers/handed-connections.ts';
import type { Socket } from 'node:net';

const send = (m: FromWorker): void => {
  if (process.connected) process.send?.(m);
};

async function start(init: WorkerInit<PorticoConfig>, queued: unknown[]): Promise<void> {
  tuneV8();
  // Same settings as the primary's logger; every line says which worker wrote it.
  const logger = createLogger({ level: init.config.logLevel }).child({ worker: init.id });
  const metrics = new Metrics();
  const uncaught = uncaughtCounter(metrics);
  process.on('uncaughtException', (err) => {
    uncaught.inc({ kind: 'exception' });
    logger.error({ err }, 'uncaught exception');
  });
  process.on('unhandledRejection', (err) => {
    uncaught.inc({ kind: 'rejection' });
    logger.error({ err }, 'unhandled rejection');
  });
  // `--worker-accept primary` (workers/primary-accept.ts): the listeners register instead of
  // binding, and the primary's connections arrive with their socket as the message's handle.
  const handed = init.accept === 'primary' ? new HandedConnections() : null;
  if (handed === null) listenDefaults.reusePort = true;
  else {
    listenDefaults.via = handed.listen;
    process.on('message', (m: unknown, socket: unknown) => {
      if (typeof m === 'object' && m !== null && (m as { t?: unknown }).t === 'conn') handed.accept(Number((m as { port?: unknown }).port), socket as Socket | undefined);
    });
  }
  const config: PorticoConfig = { ...init.config, httpPort: init.ports.http, httpsPort: init.ports.https };
  // Active health checks run in the primary, which sends their verdicts (workers/shared-health.ts).
  const dp = buildDataplanes(config, logger, metrics, 'remote');
  const httpListener = buildHttpListener(config, dp, logger, metrics);
  try {
    await httpListener.listen();
    await dp.tls?.listen();
  } catch (err) {
    logger.error({ err }, 'worker could not listen');
    send({ t: 'listen-failed', error: (err as Error).message });
    await flushLogger(logger);
    process.exit(1);
  }
  dp.http.setHttpsPort(config.sslRedirectPort ?? init.ports.https);
  const runtime = new WorkerRuntime({
    // With the primary accepting, the L4 listeners (TCP and UDP, ports from the snapshot) are the
    // primary's own (README "Worker processes"): a worker applies no L4 routes.
    targets: handed === null ? dp.all : dp.all.filter((d) => d !== dp.l4),
    setUnhealthy: (plane, clusterId, ids) => (plane === 'http' ? dp.http : dp.l4).setUnhealthy(clusterId, ids),
    close: async (drainMs) => {
      await Promise.all([httpListener.close(drainMs), dp.tls?.close(drainMs), dp.gatewayPorts.close(drainMs), dp.l4.close(Math.min(drainMs, config.l4DrainTimeoutMs))]);
      await dp.http.close(0);
      await dp.tracer?.close();
    },
  }, {
    send, logger, metrics,
    onDrained: () => void flushLogger(logger).then(() => process.exit(0)),
  });
  process.off('message', queue);
  process.on('message', (m) => runtime.handle(m));
  process.once('disconnect', () => void runtime.drain(config.drainTimeoutMs));
  // SIGTERM from a terminal's process group or a container runtime reaches the workers too: the
  // primary orders the drain, a worker alone does not stop early.
  process.on('SIGTERM', () => {});
  process.on('SIGINT', () => {});
  logger.info({ pid: process.pid, http: init.ports.http, https: init.ports.https }, 'worker listening');
  send({ t: 'listening' });
  for (const m of queued) runtime.handle(m);
}

// Messages that arrive while the dataplanes are being built wait for them, in order.
const queued: unknown[] = [];
let started = false;
function queue(raw: unknown): void {
  if (started) {
    queued.push(raw);
    return;
  }
  const m = parseToWorker(raw);
  if (m?.t !== 'init') {
    process.stderr.write('portico worker: the first message from the primary was not init\n');
    process.exit(1);
  }
  started = true;
  void start(m as WorkerInit<PorticoConfig>, queued);
}
process.on('message', queue);
