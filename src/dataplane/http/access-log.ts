// One structured line per request after the response (README "Admin server", hot-path rule 8): nothing is
// built when info is disabled.

import type { Duplex } from 'node:stream';
import type { Logger } from '../../util/logger.ts';
import type { PorticoError } from '../../util/errors.ts';
import type { RequestContext } from './request-context.ts';
import { errorBody, nextRequestId, reasonPhrase } from './error-response.ts';

export function logRequest(logger: Logger, ctx: RequestContext, seconds: number): void {
  if (!logger.isLevelEnabled('info')) return;
  logger.info({
    method: ctx.method,
    host: ctx.host,
    path: ctx.path,
    status: ctx.status,
    endpoint: ctx.endpointId,
    durationMs: Math.round(seconds * 1e6) / 1e3,
    bytes: ctx.bytesSent,
    route: ctx.route === null ? null : ctx.route.id,
    protocol: ctx.route === null ? null : ctx.route.upstream === null ? 'HTTP' : ctx.route.upstream.protocol,
    attempts: ctx.attempts,
    client: ctx.clientIp,
    error: ctx.error,
    requestId: ctx.requestId,
  }, 'request');
}

/** An error answer on a raw socket (upgrade path, client errors): never throws. */
export function writeRawError(socket: Duplex, err: PorticoError, ctx?: { requestId: string | null }): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const id = nextRequestId();
  if (ctx !== undefined) ctx.requestId = id;
  const body = errorBody(err, id);
  socket.end(`HTTP/1.1 ${err.status} ${reasonPhrase(err.status)}\r\n` +
    'content-type: text/plain; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    `x-portico-error: ${err.code}\r\nx-request-id: ${id}\r\nx-content-type-options: nosniff\r\nserver: portico\r\nconnection: close\r\n\r\n${body}`);
}
