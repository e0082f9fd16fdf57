// Bounds on what one HTTP/1 client may hold (`--max-header-size`, `--client-header-timeout`,
// `--keepalive-timeout`), as node:http server options. The body and send timeouts are armed per
// request (client-timeouts.ts).
import type { ServerOptions } from 'node:http';

export interface Http1Limits {
  /** Request head bound in bytes → 431 (nginx large_client_header_buffers is 4 × 8 KiB). */
  maxHeaderSize: number;
  /** Time to receive a whole request head → 408 (nginx client_header_timeout 60 s). */
  headerTimeoutMs: number;
  /** Idle keep-alive connection lifetime. */
  keepaliveTimeoutMs: number;
  /** --max-header-count (the dataplane screens it on the node path; the lean parser enforces it). */
  maxHeaderCount?: number;
}

export function http1ServerOptions(l: Http1Limits | undefined): ServerOptions {
  if (l === undefined) return {};
  return {
    maxHeaderSize: l.maxHeaderSize,
    headersTimeout: l.headerTimeoutMs,
    // Node checks header and request timeouts on this interval (30 s by default, which would let
    // a 1 s header timeout run to 31 s); a quarter of the timeout, within [250 ms, 5 s].
    connectionsCheckingInterval: Math.max(250, Math.min(5000, Math.floor(l.headerTimeoutMs / 4))),
    // Whole-request bound stays Node's 300 s but never below the header timeout (Node requires it).
    requestTimeout: Math.max(300_000, l.headerTimeoutMs),
  };
}
