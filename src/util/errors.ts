// Typed data-plane errors with stable codes and the HTTP status they map to
// (ARCHITECTURE.md "Conventions"). Retry decisions come from `retryable`.

export type PorticoErrorCode =
  | 'PORTICO_ERR_ROUTE_NOT_FOUND'
  | 'PORTICO_ERR_BACKEND_UNAVAILABLE'
  | 'PORTICO_ERR_NO_HEALTHY_ENDPOINT'
  | 'PORTICO_ERR_UPSTREAM_CONNECT'
  | 'PORTICO_ERR_UPSTREAM_RESET'
  | 'PORTICO_ERR_UPSTREAM_TIMEOUT'
  /** TLS to the pod failed (handshake or verification, see src/dataplane/upstream/upstream-profile.ts). */
  | 'PORTICO_ERR_UPSTREAM_TLS'
  /** Request body over proxy-body-size / --proxy-body-size (RFC 9110 §15.5.14). */
  | 'PORTICO_ERR_BODY_TOO_LARGE'
  | 'PORTICO_ERR_BAD_REQUEST'
  | 'PORTICO_ERR_METHOD_NOT_ALLOWED'
  | 'PORTICO_ERR_CLIENT_TIMEOUT'
  | 'PORTICO_ERR_VERSION_NOT_SUPPORTED'
  | 'PORTICO_ERR_INTERNAL'
  | 'PORTICO_ERR_CONFIG'
  /** Gateway API: the rule's backendRef cannot be resolved (httproute_types.go BackendRefs: 500). */
  | 'PORTICO_ERR_BACKEND_INVALID'
  /** RFC 9110 §15.5.20: Host is not served by the listener the TLS connection's SNI chose. */
  | 'PORTICO_ERR_MISDIRECTED'
  /** A regex rewrite whose captures would cost more than the per-request bound (path-regex.ts). */
  | 'PORTICO_ERR_URI_TOO_LONG'
  /** More request header fields than --max-header-count (RFC 6585 §5). */
  | 'PORTICO_ERR_HEADERS_TOO_LARGE';

const STATUS: Record<PorticoErrorCode, number> = {
  PORTICO_ERR_ROUTE_NOT_FOUND: 404,
  PORTICO_ERR_BACKEND_UNAVAILABLE: 503,
  PORTICO_ERR_NO_HEALTHY_ENDPOINT: 503,
  PORTICO_ERR_UPSTREAM_CONNECT: 502,
  PORTICO_ERR_UPSTREAM_RESET: 502,
  PORTICO_ERR_UPSTREAM_TIMEOUT: 504,
  PORTICO_ERR_UPSTREAM_TLS: 502,
  PORTICO_ERR_BODY_TOO_LARGE: 413,
  PORTICO_ERR_BAD_REQUEST: 400,
  PORTICO_ERR_METHOD_NOT_ALLOWED: 405,
  PORTICO_ERR_CLIENT_TIMEOUT: 408,
  PORTICO_ERR_VERSION_NOT_SUPPORTED: 505,
  PORTICO_ERR_INTERNAL: 500,
  PORTICO_ERR_CONFIG: 500,
  PORTICO_ERR_BACKEND_INVALID: 500,
  PORTICO_ERR_MISDIRECTED: 421,
  PORTICO_ERR_URI_TOO_LONG: 414,
  PORTICO_ERR_HEADERS_TOO_LARGE: 431,
};

export class PorticoError extends Error {
  readonly code: PorticoErrorCode;
  readonly status: number;
  /** Safe to try another endpoint: nothing of the request reached the upstream. */
  readonly retryable: boolean;

  constructor(code: PorticoErrorCode, message: string, opts: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PorticoError';
    this.code = code;
    this.status = STATUS[code];
    this.retryable = opts.retryable ?? false;
  }
}
