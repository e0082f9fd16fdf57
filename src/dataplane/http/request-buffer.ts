// `--request-buffering` (ingress-nginx's proxy-request-buffering): a request body whose declared
// length fits `--request-buffer-size` is read whole before an upstream connection is taken, so a
// slow upload holds a client connection and a bounded buffer, never an upstream connection (1,000
// slow uploads held 1,000 backend connections when bodies were streamed). Bodies of unknown length
// (chunked) or above the bound stream as before. The body timeout (client-timeouts.ts) bounds
// the wait; a client that leaves while its body is buffered costs nothing upstream.

import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';

type AnyRequest = IncomingMessage | Http2ServerRequest;

/** Declared body length to buffer, or -1 (stream it). */
export function bufferableLength(req: AnyRequest, limit: number): number {
  if (limit <= 0) return -1;
  const cl = req.headers['content-length'];
  if (cl === undefined || req.headers['transfer-encoding'] !== undefined) return -1;
  const n = Number(cl);
  return Number.isInteger(n) && n > 0 && n <= limit ? n : -1;
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
