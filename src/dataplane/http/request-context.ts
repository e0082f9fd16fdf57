// Per-request record shared by the dataplane, forwarder and access log. One class, every field
// initialised in the constructor (hot-path rule 2: one shape).

import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { CompiledRoute } from './compiled-route.ts';
import type { TraceContext } from './tracing.ts';

export class RequestContext {
  readonly start: number;
  readonly method: string;
  readonly host: string | null;
  readonly path: string;
  /** The client address (src/dataplane/http/client-address.ts): logs, balancing, policies, X-Real-IP. */
  readonly clientIp: string;
  /** The TCP peer: who X-Forwarded-For is extended with and who --trust-proxy is asked about. */
  readonly peerIp: string;
  route: CompiledRoute | null = null;
  endpointId: string | null = null;
  /** Status sent to the client (0 until headers are written). */
  status = 0;
  bytesSent = 0;
  attempts = 0;
  /** Stable error code when Portico answered instead of the upstream. */
  error: string | null = null;
  /**
   * X-Request-Id: the one sent upstream (request-decorator.ts), or the one in the body of an error
   * Portico answered (error-response.ts); the access log repeats it.
   */
  requestId: string | null = null;
  /** The forwarding in progress, told when the client response closes (docs/benchmarks/http.md: one listener). */
  upstream: { clientClosed(): void } | null = null;
  /** This request's server span; null when tracing is off. */
  trace: TraceContext | null = null;
  /** Kept only when the access log reads it (combined format, TLS fields). */
  req: IncomingMessage | Http2ServerRequest | null = null;

  constructor(start: number, method: string, host: string | null, path: string, clientIp: string, peerIp: string = clientIp) {
    this.start = start;
    this.method = method;
    this.host = host;
    this.path = path;
    this.clientIp = clientIp;
    this.peerIp = peerIp;
  }
}
