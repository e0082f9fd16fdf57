// Errors that escaped every handler. The process keeps serving (README "Bad input"), so the count
// is what tells an operator a bug was hit (deploy/monitoring alert PorticoUncaughtExceptions).

import { Counter } from 'prom-client';
import type { Metrics } from './metrics.ts';

const NAME = 'portico_uncaught_exceptions_total';

/** Registered at start so the series exists (at 0) before anything goes wrong. */
export function uncaughtCounter(metrics: Metrics): Counter<'kind'> {
  const existing = metrics.registry.getSingleMetric(NAME) as Counter<'kind'> | undefined;
  if (existing) return existing;
  const c = new Counter({
    name: NAME,
    help: 'Exceptions and promise rejections no handler caught (the process kept running), by kind.',
    labelNames: ['kind'] as const,
    registers: [metrics.registry],
  });
  c.inc({ kind: 'exception' }, 0);
  c.inc({ kind: 'rejection' }, 0);
  return c;
}
