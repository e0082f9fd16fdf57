// Responses Portico writes itself (ARCHITECTURE.md "Conventions": stable codes and statuses from
// src/util/errors.ts). Small text bodies, `Server: portico`, never a stack trace.

import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { PorticoError } from '../../util/errors.ts';
import { requestId } from './ids.ts';

export type AnyResponse = ServerResponse | Http2ServerResponse;

/** writeHead on either response kind (the union is not callable as one signature). */
export function writeHead(res: AnyResponse, status: number, headers: OutgoingHttpHeaders): void {
  (res as ServerResponse).writeHead(status, headers);
}

export function sendText(res: AnyResponse, status: number, body: string, extra?: Record<string, string>): void {
  if (res.headersSent) {
    // Too late for a status: cut the response so the client sees a failure, not a short body.
    res.destroy();
    return;
  }
  const headers: Record<string, string | number> = {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    server: 'portico',
    // Generated bodies are text; never let a browser sniff them into something else.
    'x-content-type-options': 'nosniff',
    ...extra,
  };
  writeHead(res, status, headers);
  res.end(body);
}

/** Status texts of the errors Portico answers with. */
const REASON: Record<number, string> = {
  400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout', 413: 'Content Too Large', 500: 'Internal Server Error',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout', 505: 'HTTP Version Not Supported',
};

/**
 * Error bodies say what happened (status, stable code) and carry a request id the access log line
 * repeats, but no endpoint address, Service or Ingress name: those are for operators, in the log
 * (`--verbose-errors` puts the detail into the body too, for debugging). nginx's error pages say
 * as little.
 */
let verbose = false;

export function setVerboseErrors(on: boolean): void {
  verbose = on;
}

/** A request id unique within this process run; the same form X-Request-Id takes upstream (ids.ts). */
export function nextRequestId(): string {
  return requestId();
}

/** The body of an error answer: status, code, request id, and the detail only when verbose. */
export function errorBody(err: PorticoError, id: string): string {
  const head = `${err.status} ${reasonPhrase(err.status)}\ncode: ${err.code}\nrequest-id: ${id}\n`;
  return verbose ? `${head}detail: ${err.message}\n` : head;
}

export function reasonPhrase(status: number): string {
  return REASON[status] ?? 'Error';
}

/** Answer with `err`; `ctx` (when given) records the request id for the access log. */
export function sendError(res: AnyResponse, err: PorticoError, extra?: Record<string, string>, ctx?: { requestId: string | null }): void {
  // The id the upstream already got (request-decorator.ts), else a new one: body and log agree.
  const id = ctx?.requestId ?? nextRequestId();
  if (ctx !== undefined) ctx.requestId = id;
  sendText(res, err.status, errorBody(err, id), { 'x-portico-error': err.code, 'x-request-id': id, ...extra });
}
