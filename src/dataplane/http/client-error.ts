// What the HTTP/1 listeners (plain and the TLS fallback) do with a connection whose next request
// Node's parser refused ('clientError'), and which Upgrade requests leave the HTTP path.
//
// A refused request gets a status line only when no response is still being written on that
// connection: with pipelining, or a malformed request sent behind one whose response is streaming,
// raw bytes written at once would land inside that response's body (the client would read
// "0123456789HTTP/1.1 400" as its body). So the error waits until every response started on the
// connection has finished, then is written and the connection closed (RFC 9112 §9.3: responses go
// in request order); if the connection dies first, nothing is written.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../util/logger.ts';

const kOpen = Symbol('portico.openResponses');
const kPendingError = Symbol('portico.pendingClientError');
const kLast = Symbol('portico.lastResponse');

interface TrackedSocket {
  [kOpen]?: number;
  [kPendingError]?: string;
  [kLast]?: ServerResponse | null;
}

const CLIENT_ERROR_STATUS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
  HPE_INVALID_VERSION: '505 HTTP Version Not Supported',
};

/** A response started on its connection (call from 'request'). */
export function responseOpened(req: IncomingMessage, res: ServerResponse): void {
  const s = req.socket as unknown as TrackedSocket;
  s[kOpen] = (s[kOpen] ?? 0) + 1;
  s[kLast] = res;
}

/** That response closed (call from its 'close'); a deferred client error is written once none is open. */
export function responseClosed(res: ServerResponse): void {
  // At 'close' Node has detached the socket from the response; the request still has it.
  const s = res.req.socket as (Duplex & TrackedSocket) | null;
  if (s === null) return;
  const n = (s[kOpen] ?? 1) - 1;
  s[kOpen] = n;
  if (s[kLast] === res) s[kLast] = null;
  if (n === 0 && s[kPendingError] !== undefined) writeNow(s, s[kPendingError]);
}

/** 'clientError' handler: a status line when the connection is free, else after its responses. */
export function onClientError(err: NodeJS.ErrnoException, socket: Duplex, logger: Logger): void {
  const code = err.code ?? '';
  if (logger.isLevelEnabled('debug')) logger.debug({ code }, 'client error');
  if (code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = CLIENT_ERROR_STATUS[code] ?? '400 Bad Request';
  const s = socket as Duplex & TrackedSocket;
  if ((s[kOpen] ?? 0) > 0) {
    const last = s[kLast];
    if (last != null && !last.req.complete) {
      // The broken bytes are the body of the request still being answered (a bad chunk): that
      // request is the malformed one. Its answer becomes the error if nothing of it was sent yet;
      // otherwise the connection is cut (the client sees a failure, not a spliced body). Either
      // way the connection closes, which aborts whatever went upstream.
      if (last.headersSent) {
        socket.destroy();
        return;
      }
      last.shouldKeepAlive = false;
      s[kPendingError] = undefined;
      const body = `${status.slice(4)}\n`;
      last.writeHead(Number(status.slice(0, 3)), { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length,
        'x-content-type-options': 'nosniff', server: 'portico', connection: 'close' });
      last.end(body);
      return;
    }
    s[kPendingError] = status;
    return;
  }
  writeNow(s, status);
}

function writeNow(socket: Duplex, status: string): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${status.slice(4)}\n`;
  socket.end(`HTTP/1.1 ${status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n` +
    `x-content-type-options: nosniff\r\nserver: portico\r\nconnection: close\r\n\r\n${body}`);
}

/**
 * Node's shouldUpgradeCallback: only a WebSocket handshake (RFC 6455 §4.1: GET with
 * `Upgrade: websocket`) leaves the HTTP path. Any other Upgrade — h2c (RFC 9113 §3.1 removed it),
 * or an unknown protocol, or a POST — is served as the plain HTTP/1.1 request it also is
 * (RFC 9110 §7.8: a server may ignore Upgrade); the header is hop-by-hop and not forwarded.
 */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  if (req.method !== 'GET') return false;
  const up = req.headers.upgrade;
  return up !== undefined && /(^|,)\s*websocket\s*(,|$)/i.test(up);
}

/** CONNECT on HTTP/1 ('connect' event): Portico is not a tunnel (RFC 9110 §9.3.6) → 405. */
export function refuseConnect(socket: Duplex): void {
  socket.on('error', () => socket.destroy());
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = 'CONNECT is not allowed\n';
  socket.end(`HTTP/1.1 405 Method Not Allowed\r\nallow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n` +
    `content-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\nx-portico-error: PORTICO_ERR_METHOD_NOT_ALLOWED\r\n` +
    `x-content-type-options: nosniff\r\nserver: portico\r\nconnection: close\r\n\r\n${body}`);
}
