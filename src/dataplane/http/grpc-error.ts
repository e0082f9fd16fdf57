// Errors Portico itself answers to a gRPC call, in gRPC's own terms: HTTP 200, a "Trailers-Only"
// response (gRPC over HTTP/2 protocol, doc/PROTOCOL-HTTP2.md "Responses") carrying grpc-status and
// a percent-encoded grpc-message, so clients report UNAVAILABLE / DEADLINE_EXCEEDED instead of an
// unparseable text body. Status choice follows doc/http-grpc-status-mapping.md (404 → UNIMPLEMENTED,
// 502/503 → UNAVAILABLE, 413 → RESOURCE_EXHAUSTED), with a gateway timeout as DEADLINE_EXCEEDED.

import type { Http2ServerRequest, Http2ServerResponse, OutgoingHttpHeaders } from 'node:http2';
import type { IncomingMessage } from 'node:http';
import type { PorticoError } from '../../util/errors.ts';
import { writeHead, type AnyResponse } from './error-response.ts';

export const GRPC_STATUS = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16,
} as const;

export function grpcStatusFor(err: PorticoError): number {
  switch (err.code) {
    case 'PORTICO_ERR_UPSTREAM_TIMEOUT': return GRPC_STATUS.DEADLINE_EXCEEDED;
    case 'PORTICO_ERR_ROUTE_NOT_FOUND': return GRPC_STATUS.UNIMPLEMENTED;
    case 'PORTICO_ERR_BODY_TOO_LARGE': return GRPC_STATUS.RESOURCE_EXHAUSTED;
    case 'PORTICO_ERR_BAD_REQUEST': return GRPC_STATUS.INTERNAL;
    case 'PORTICO_ERR_CONFIG': return GRPC_STATUS.INTERNAL;
    default: return GRPC_STATUS.UNAVAILABLE;
  }
}

/** A request that is a gRPC call (content-type application/grpc, application/grpc+proto, …). */
export function isGrpcRequest(req: IncomingMessage | Http2ServerRequest): boolean {
  const ct = req.headers['content-type'];
  return typeof ct === 'string' && ct.startsWith('application/grpc');
}

/** percent-encoding of grpc-message: printable ASCII except '%' passes, the rest is %XX of UTF-8. */
export function encodeGrpcMessage(message: string): string {
  let out = '';
  for (const b of Buffer.from(message, 'utf8')) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function sendGrpcError(res: AnyResponse, err: PorticoError, status = grpcStatusFor(err)): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers = {
    'content-type': 'application/grpc',
    'grpc-status': String(status),
    'grpc-message': encodeGrpcMessage(err.message.trim()),
    'x-portico-error': err.code,
    server: 'portico',
  };
  if (isHttp2(res)) {
    respondTrailersOnly(res, headers);
    return;
  }
  writeHead(res, 200, headers);
  res.end();
}

function isHttp2(res: AnyResponse): res is Http2ServerResponse {
  return (res as Http2ServerResponse).stream !== undefined;
}

/**
 * A "Trailers-Only" response: one HEADERS frame with END_STREAM (PROTOCOL-HTTP2.md). The compat
 * API would send the head, then an empty trailer block, which gRPC clients read as a call that
 * "ended without gRPC status" (INTERNAL).
 */
export function respondTrailersOnly(res: Http2ServerResponse, headers: OutgoingHttpHeaders): void {
  const stream = res.stream;
  if (stream.destroyed || stream.headersSent) {
    res.destroy();
    return;
  }
  stream.respond({ ':status': 200, ...headers }, { endStream: true });
  res.end();
}

/** Flat [name, value, …] list → headers object (repeated names become arrays). */
export function headerObject(list: readonly string[]): OutgoingHttpHeaders {
  const o: Record<string, string | string[]> = {};
  for (let i = 0; i < list.length; i += 2) {
    const k = list[i].toLowerCase();
    const prev = o[k];
    o[k] = prev === undefined ? list[i + 1] : Array.isArray(prev) ? [...prev, list[i + 1]] : [prev, list[i + 1]];
  }
  return o;
}
