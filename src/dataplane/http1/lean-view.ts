// What the lean engine needs of the HTTP dataplane (src/dataplane/http/dataplane.ts leanView()):
// the same route table, trusted proxies, access log / metrics recording and timeouts the node
// path uses, so both engines route and report alike.
import type { Metrics } from '../../util/metrics.ts';
import type { RequestContext } from '../http/request-context.ts';
import type { RouteTable } from '../http/route-table.ts';
import type { TrustedProxies } from '../http/forwarded-headers.ts';
import type { EscapedSlashes } from '../http/request-target.ts';
import type { IncomingMessage } from 'node:http';

export interface LeanView {
  readonly escapedSlashes: EscapedSlashes;
  readonly trusted: TrustedProxies;
  readonly hsts: string | null;
  readonly metrics: Metrics;
  readonly connectTimeoutMs: number;
  readonly upstreamTimeoutMs: number;
  readonly clientBodyTimeoutMs: number;
  readonly clientSendTimeoutMs: number;
  /**
   * The Ingress route table, or null while a dataplane-wide feature the engine leaves to node:http
   * is on (Gateway API routes, request ids / tracing, request buffering, a global body limit,
   * bounded upstream pools): then every request is handed over.
   */
  table(): RouteTable | null;
  /** Access log line, route metrics (dataplane.ts record()). */
  record(ctx: RequestContext): void;
  /** Whether access-log lines are written (response bytes are counted only then). */
  logInfo(): boolean;
  /** X-Request-Id on the upstream header list (and ctx), or null when request ids are off. */
  readonly decorate: ((ctx: RequestContext, headers: string[]) => void) | null;
  /** --upstream-max-connections (0 = unbounded): requests beyond wait for a free connection. */
  readonly maxConnectionsPerEndpoint: number;
}

/** The dataplane parts a view is made of (dataplane.ts leanView()). */
export interface LeanViewSource {
  opts: {
    hsts: string | null; metrics: Metrics; connectTimeoutMs: number; upstreamTimeoutMs: number; clientBodyTimeoutMs?: number;
    clientSendTimeoutMs?: number; upstreamMaxConnections?: number; tracer?: unknown; requestBufferBytes?: number;
  };
  escapedSlashes: EscapedSlashes;
  trusted: TrustedProxies;
  maxBodyBytes: number;
  /** The access log reads the request object (combined format, TLS fields). */
  needsRequest: boolean;
  decorator: { onRequest(ctx: RequestContext, req: IncomingMessage, headers: string[]): void } | null;
  table(): RouteTable;
  gatewayOn(): boolean;
  record: (ctx: RequestContext) => void;
  logInfo: () => boolean;
}

/**
 * Why every HTTP/1.1 request goes to node:http under this configuration (null: none does for a
 * dataplane-wide reason). Features that need node:http's request object or its whole-body
 * reading stay there.
 */
export function dataplaneHandOffReason(s: LeanViewSource): string | null {
  const o = s.opts;
  if (s.needsRequest) return 'the access log reads the request (combined format, tls-version, tls-cipher or sni fields)';
  if ((o.tracer ?? null) !== null) return 'tracing (--otlp-endpoint)';
  if ((o.requestBufferBytes ?? 0) > 0) return 'request buffering (--request-buffering)';
  if (s.maxBodyBytes > 0) return 'a global body size limit (--proxy-body-size)';
  if (s.gatewayOn()) return 'Gateway API routes are configured';
  return null;
}

export function leanViewOf(s: LeanViewSource): LeanView {
  const o = s.opts;
  const nodeOnly = dataplaneHandOffReason({ ...s, gatewayOn: () => false }) !== null;
  const deco = s.decorator;
  return {
    escapedSlashes: s.escapedSlashes, trusted: s.trusted, hsts: o.hsts, metrics: o.metrics,
    connectTimeoutMs: o.connectTimeoutMs, upstreamTimeoutMs: o.upstreamTimeoutMs,
    clientBodyTimeoutMs: o.clientBodyTimeoutMs ?? 0, clientSendTimeoutMs: o.clientSendTimeoutMs ?? 0,
    table: () => (nodeOnly || s.gatewayOn() ? null : s.table()),
    record: s.record,
    logInfo: s.logInfo,
    // X-Request-Id (request-decorator.ts): without keepRequest (nodeOnly above) it never reads the request.
    decorate: deco === null ? null : (ctx, headers) => deco.onRequest(ctx, null as unknown as IncomingMessage, headers),
    maxConnectionsPerEndpoint: o.upstreamMaxConnections ?? 0,
  };
}
