// What the lean engine needs of the HTTP dataplane (src/dataplane/http/dataplane.ts leanView()):
// the same route table, trusted proxies, access log / metrics recording and timeouts the node
// path uses, so both engines route and report alike.
import type { Metrics } from '../../util/metrics.ts';
import type { RequestContext } from '../http/request-context.ts';
import type { RouteTable } from '../http/route-table.ts';
import type { TrustedProxies } from '../http/forwarded-headers.ts';
import type { EscapedSlashes } from '../http/request-target.ts';

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
