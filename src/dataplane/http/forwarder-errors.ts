// What an upstream failure before the response head means for the forwarder (forwarder.ts): the
// typed error the client is answered with, and whether it is the kept-alive reuse race that is
// retried on a new connection (SPEC §1.7, RFC 9112 §9.3.1).

import { PorticoError } from '../../util/errors.ts';
import { isNonIdempotent, type CompiledUpstream } from '../upstream/compiled-upstream.ts';
import { fromReusedConnection } from '../upstream/interim-filter.ts';
import type { ForwardJob } from './forwarder.ts';

/** Error → typed error; retryable only when nothing of the request can have been used upstream. */
export function classify(err: Error, job: ForwardJob, endpoint: string): PorticoError {
  if (err instanceof PorticoError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  // undici refused the request itself before connecting (a target or header it cannot send): that
  // says nothing about the endpoint, so it is neither a connect failure nor retried.
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') {
    return new PorticoError('PORTICO_ERR_INTERNAL', `request could not be sent upstream: ${code}`, { cause: err });
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new PorticoError('PORTICO_ERR_UPSTREAM_TIMEOUT',
      `upstream ${endpoint} did not answer within ${job.fw.upstreamTimeoutMs} ms`, { cause: err });
  }
  // No onRequestStart: the connection never came up, nothing was sent.
  if (job.controller === null || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new PorticoError('PORTICO_ERR_UPSTREAM_CONNECT', `connect to ${endpoint} failed: ${code}`, { retryable: true, cause: err });
  }
  return new PorticoError('PORTICO_ERR_UPSTREAM_RESET', `upstream ${endpoint} closed the connection: ${code}`,
    { retryable: false, cause: err });
}

/**
 * The kept-alive reuse race (RFC 9112 §9.3.1): the upstream closed an idle connection just as this
 * request was written on it. The connection had carried an earlier request, so the close is its
 * idle timeout, not this request's doing; it is retried when the request can be sent again (no
 * body byte consumed) and its method allows it — nginx's rule, a non-idempotent method (POST,
 * LOCK, PATCH) only with proxy-next-upstream non_idempotent, and never with `off` or without
 * `error` (ngx_http_upstream_next).
 */
export function reuseRace(err: Error, job: ForwardJob, u: CompiledUpstream | null): boolean {
  if (!fromReusedConnection(err) || !job.bodyUnread()) return false;
  if (u !== null && u.custom) return u.onError && (u.nonIdempotent || !isNonIdempotent(job.ctx.method));
  return !isNonIdempotent(job.ctx.method);
}

/** Which proxy-next-upstream condition an error is (compiled-upstream.ts mayRetry), or null: never retried. */
export function retryKind(code: string, connectFailed: boolean): 'connect' | 'connect-timeout' | 'error' | 'timeout' | null {
  return code === 'PORTICO_ERR_UPSTREAM_TIMEOUT' ? (connectFailed ? 'connect-timeout' : 'timeout')
    : code === 'PORTICO_ERR_UPSTREAM_CONNECT' || code === 'PORTICO_ERR_UPSTREAM_TLS' ? (connectFailed ? 'connect' : 'error')
      : code === 'PORTICO_ERR_UPSTREAM_RESET' ? 'error' : null;
}
