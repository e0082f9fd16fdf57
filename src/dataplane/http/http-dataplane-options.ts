// Options of the HTTP dataplane (src/dataplane/http/dataplane.ts), built from the flag table by app.ts.
import type { Logger } from '../../util/logger.ts';
import type { Metrics } from '../../util/metrics.ts';
import type { EscapedSlashes } from './request-target.ts';
import type { Tracer } from './tracing.ts';

export interface HttpDataplaneOptions {
  logger: Logger;
  metrics: Metrics;
  trustProxy: string[];
  connectTimeoutMs: number;
  upstreamTimeoutMs: number;
  httpsPort: number | null;
  hsts: string | null;
  /** --proxy-body-size in bytes; 0 (the default) = unlimited. */
  maxBodyBytes?: number;
  /** request-target.ts normalizePath: %2F/%5C in paths (default 'keep'). */
  escapedSlashes?: EscapedSlashes;
  /** request-screen.ts: forward TRACE instead of answering 405. */
  allowTrace?: boolean;
  /** error-response.ts: error bodies carry the internal detail (endpoints, object names). */
  verboseErrors?: boolean;
  /** client-timeouts.ts (0 = off). */
  clientBodyTimeoutMs?: number;
  clientSendTimeoutMs?: number;
  /** Upstream connections per endpoint (0 = unbounded). */
  upstreamMaxConnections?: number;
  /** request-buffer.ts: bodies up to this many bytes are read whole before dispatch (0 = stream all). */
  requestBufferBytes?: number;
  /** External auth subrequest timeout (connect + response); default 5 s. */
  authTimeoutMs?: number;
  /** Rate limits (policies/rate-limit.ts): answer statuses and the per-route client table bound. */
  limitReqStatusCode?: number;
  limitConnStatusCode?: number;
  limitClients?: number;
  /** Access log format and extra fields (README "Access log"); default JSON, today's fields. */
  accessLog?: { format: 'json' | 'combined'; fields: readonly import('./access-log.ts').AccessLogField[] };
  /** X-Request-Id generated when absent and passed upstream. */
  requestIds?: boolean;
  /** null/absent: tracing off. */
  tracer?: Tracer | null;
  /** --max-header-count: HTTP/1 requests with more header fields get 431 (request-screen.ts). */
  maxHeaderCount?: number;
  /** 'remote' in worker processes: the primary probes, this dataplane applies its verdicts (health-checkers.ts). */
  healthChecks?: import('../health/health-checkers.ts').HealthSource;
  /** --http1-engine, for `portico explain` (the listeners pick the engine; default node). */
  http1Engine?: 'node' | 'lean';
}
