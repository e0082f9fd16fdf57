// What one HTTP/2 connection may hold (RFC 9113 §5.1.2, §6.5.2, §10.5; the limits nginx applies by
// default: http2_max_concurrent_streams 128, keepalive_timeout, a header-size bound):
// - SETTINGS_MAX_CONCURRENT_STREAMS and SETTINGS_MAX_HEADER_LIST_SIZE are advertised in the first
//   SETTINGS frame and enforced by nghttp2 (streams beyond are refused with REFUSED_STREAM; Node
//   closes a session that keeps opening them: maxSessionRejectedStreams).
// - Idle: a connection with no open stream closes after `idleTimeoutMs` of silence. That also ends
//   a header block that stopped arriving (no stream exists until its END_HEADERS). A stream whose
//   body stops arriving is ended by the body timeout (client-timeouts.ts), one a client stops
//   reading by the send timeout; a stream waiting for its upstream by the upstream timeout.
// - Resets: more than `maxResets` streams ending in RST_STREAM (sent by the client — rapid reset,
//   CVE-2023-44487 — or by Portico after a timeout) within 10 s → GOAWAY ENHANCE_YOUR_CALM and
//   close. Invalid frames and floods of SETTINGS/PING are bounded by Node/nghttp2 options set here.

import http2 from 'node:http2';
import type { SecureServerOptions, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';

export interface Http2Limits {
  maxConcurrentStreams: number;
  /** Bytes, as nghttp2 counts a header list (names + values + 32 per field). */
  maxHeaderListSize: number;
  idleTimeoutMs: number;
  /** RST_STREAM-ended streams per connection per RESET_WINDOW_MS. */
  maxResets: number;
}

export const RESET_WINDOW_MS = 10_000;

export function http2ServerOptions(l: Http2Limits): SecureServerOptions {
  return {
    settings: { maxConcurrentStreams: l.maxConcurrentStreams, maxHeaderListSize: l.maxHeaderListSize },
    maxHeaderListPairs: 256,
    // Node's defaults are 1000 invalid frames and 100 refused streams per session; a client that
    // sends even 100 frames the protocol forbids is not a browser.
    maxSessionInvalidFrames: 100,
    maxSessionRejectedStreams: 100,
    maxOutstandingPings: 10,
    maxSettings: 32,
    // Node's own reset rate limit (token bucket) as a second line behind the window count below.
    streamResetBurst: l.maxResets,
    streamResetRate: Math.max(1, Math.ceil(l.maxResets / (RESET_WINDOW_MS / 1000))),
  };
}

const kGuard = Symbol('portico.http2Guard');

class SessionGuard {
  readonly session: ServerHttp2Session;
  readonly limits: Http2Limits;
  open = 0;
  resets = 0;
  windowStart = Date.now();
  /** GOAWAY for abuse already sent. */
  closed = false;

  constructor(session: ServerHttp2Session, limits: Http2Limits) {
    this.session = session;
    this.limits = limits;
  }
}

function onIdle(this: ServerHttp2Session): void {
  // Nothing open and nothing received for the idle time: a polite GOAWAY, then close.
  if (!this.destroyed) this.close();
  const t = setTimeout(() => { if (!this.destroyed) this.destroy(); }, 1000);
  t.unref();
}

function onStream(this: ServerHttp2Session, stream: ServerHttp2Stream): void {
  const g = (this as unknown as Record<symbol, SessionGuard>)[kGuard];
  (stream as unknown as Record<symbol, SessionGuard>)[kGuard] = g;
  if (g.open++ === 0) this.setTimeout(0);
  stream.once('close', onStreamClose);
}

function onStreamClose(this: ServerHttp2Stream): void {
  const g = (this as unknown as Record<symbol, SessionGuard>)[kGuard];
  const s = g.session;
  if (this.rstCode !== http2.constants.NGHTTP2_NO_ERROR) {
    const now = Date.now();
    if (now - g.windowStart > RESET_WINDOW_MS) {
      g.windowStart = now;
      g.resets = 0;
    }
    if (++g.resets > g.limits.maxResets && !g.closed && !s.destroyed) {
      g.closed = true;
      s.destroy(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM as unknown as Error);
      return;
    }
  }
  if (--g.open === 0 && !s.destroyed) s.setTimeout(g.limits.idleTimeoutMs);
}

/** Apply the per-connection limits to a new session ('session' event). */
export function guardSession(session: ServerHttp2Session, limits: Http2Limits): void {
  (session as unknown as Record<symbol, SessionGuard>)[kGuard] = new SessionGuard(session, limits);
  session.on('timeout', onIdle);
  session.setTimeout(limits.idleTimeoutMs);
  session.on('stream', onStream);
}
