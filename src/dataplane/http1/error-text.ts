// Answers the lean engine writes itself, byte for byte the node path's (error-response.ts
// sendError, client-error.ts): text body with status, stable code and request id.
import type { PorticoError } from '../../util/errors.ts';
import { errorBody, nextRequestId, reasonPhrase } from '../http/error-response.ts';

const PARSE_REASON: Record<number, string> = {
  400: 'Bad Request', 408: 'Request Timeout', 413: 'Content Too Large', 414: 'URI Too Long',
  431: 'Request Header Fields Too Large', 501: 'Not Implemented', 505: 'HTTP Version Not Supported',
};

/** A request Portico could not parse (or whose head timed out): status line and a one-line body, then close. */
export function parseErrorResponse(status: number): string {
  const reason = PARSE_REASON[status] ?? 'Bad Request';
  const body = `${reason}\n`;
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n` +
    `x-content-type-options: nosniff\r\nserver: portico\r\nconnection: close\r\n\r\n${body}`;
}

/** An error answer to a parsed request; the request id goes to the access log through ctx. */
export function errorResponse(err: PorticoError, ctx: { requestId: string | null }, date: string, keepAlive: boolean): string {
  const id = ctx.requestId ?? nextRequestId();
  ctx.requestId = id;
  const body = errorBody(err, id);
  return `HTTP/1.1 ${err.status} ${reasonPhrase(err.status)}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nserver: portico\r\nx-content-type-options: nosniff\r\n` +
    `x-portico-error: ${err.code}\r\nx-request-id: ${id}\r\ndate: ${date}\r\n` +
    (keepAlive ? 'connection: keep-alive\r\n\r\n' : 'connection: close\r\n\r\n') + body;
}
