// Responses Portico writes itself (ARCHITECTURE.md "Conventions": stable codes and statuses from
// src/util/errors.ts). Small text bodies, `Server: portico`, never a stack trace.

import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { PorticoError } from '../../util/errors.ts';

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

export function sendError(res: AnyResponse, err: PorticoError, extra?: Record<string, string>): void {
  sendText(res, err.status, `${err.message}\n`, { 'x-portico-error': err.code, ...extra });
}
