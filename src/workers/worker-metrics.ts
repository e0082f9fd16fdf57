// The primary's own metrics about its worker processes (README "Worker processes"). Each worker's
// registry is collected over IPC at scrape time and merged by metrics-merge.ts.
import { Counter, Gauge } from 'prom-client';
import type { Metrics } from '../util/metrics.ts';

export interface WorkerMetrics {
  readonly servedVersion: Gauge<'worker'>;
  readonly restarts: Counter<'worker' | 'reason'>;
  readonly malformed: Counter<'side'>;
  readonly requests: Gauge<'worker'>;
  readonly refused: Counter;
}

const cache = new WeakMap<Metrics, WorkerMetrics>();

export function workerMetrics(m: Metrics): WorkerMetrics {
  const hit = cache.get(m);
  if (hit) return hit;
  const made: WorkerMetrics = {
    servedVersion: new Gauge({
      name: 'portico_worker_snapshot_version',
      help: 'Version of the Snapshot each worker process acknowledged serving.',
      labelNames: ['worker'] as const,
      registers: [m.registry],
    }),
    restarts: new Counter({
      name: 'portico_worker_restarts_total',
      help: 'Worker processes replaced, by worker and reason (exit, ack-timeout, rolling).',
      labelNames: ['worker', 'reason'] as const,
      registers: [m.registry],
    }),
    malformed: new Counter({
      name: 'portico_worker_ipc_malformed_total',
      help: 'Messages between the primary and a worker that were not understood (a bug; the receiver ignored them), by receiving side.',
      labelNames: ['side'] as const,
      registers: [m.registry],
    }),
    requests: new Gauge({
      name: 'portico_worker_http_requests',
      help: 'HTTP requests each worker process served since it started (its portico_http_requests_total), read at scrape time: how the kernel spreads connections.',
      labelNames: ['worker'] as const,
      registers: [m.registry],
    }),
    refused: new Counter({
      name: 'portico_worker_connections_refused_total',
      help: 'Connections the primary accepted (--worker-accept primary) and closed because no worker could take them: all restarting, or each with too many connections still queued on its channel.',
      registers: [m.registry],
    }),
  };
  made.malformed.inc({ side: 'primary' }, 0);
  made.malformed.inc({ side: 'worker' }, 0);
  cache.set(m, made);
  return made;
}
