// `--request-buffering` (ingress-nginx's proxy-request-buffering): a request body whose declared
// length fits `--request-buffer-size` is read whole before an upstream connection is taken, so a
// slow upload holds a client connection and a bounded buffer, never an upstream connection (1,000
// slow uploads held 1,000 backend connections when bodies were streamed). Bodies of unknown length
// (chunked) or above the bound stream as before. The body timeout (client-timeouts.ts) bounds
// the wait; a client that leaves while its body is buffered costs nothing upstream.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { declaredLength } from './request-body.ts';

type AnyRequest = IncomingMessage | Http2ServerRequest;

/** Declared body length to buffer, or -1 (stream it: no Content-Length, chunked, or too large). */
export function bufferableLength(req: AnyRequest, limit: number): number {
  if (limit <= 0) return -1;
  const n = declaredLength(req.rawHeaders);
  return n > 0 && n <= limit ? n : -1;
}

/** The client response can no longer be answered (closed, ended, its connection or stream gone). */
export function responseGone(res: ServerResponse | Http2ServerResponse): boolean {
  if (res.writableEnded || res.destroyed) return true;
  const s = (res as Http2ServerResponse).stream ?? (res as ServerResponse).socket;
  return s === null || s === undefined || s.destroyed;
}

/**
 * Read `length` bytes of `req`, then call `onBody` with them (one Buffer); never called when the
 * request ends short, errors or is aborted (its response closes on its own then).
 */
export function bufferBody(req: AnyRequest, length: number, onBody: (body: Buffer) => void): void {
  const body = Buffer.allocUnsafe(length);
  let at = 0;
  let failed = false;
  req.on('data', (chunk: Buffer) => {
    if (failed) return;
    if (at + chunk.length > length) {
      failed = true; // more than declared: Node's parser refuses this on HTTP/1; HTTP/2 resets
      req.destroy();
      return;
    }
    chunk.copy(body, at);
    at += chunk.length;
  });
  req.once('end', () => {
    if (!failed && at === length) onBody(body);
  });
  req.once('error', () => { failed = true; });
}
