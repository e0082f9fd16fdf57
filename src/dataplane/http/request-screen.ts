// Requests Portico answers itself before routing, where RFC 9110/9112 (and nginx) are strict:
// nothing of these is ever forwarded, and none of them can look like an upstream failure.
// - An HTTP/1 message claiming a major version other than 1 (Node's HTTP/1 parser accepts
//   'HTTP/2.0' and reports httpVersionMajor 2): 505 and close (RFC 9110 §15.6.6; nginx answers 505).
// - Asterisk-form '*' (RFC 9112 §3.2.4) is only for a server-wide OPTIONS: answered here with 200
//   and Allow (RFC 9110 §9.3.7); with any other method it is a malformed target → 400.
// - TRACE → 405 unless allowed (RFC 9110 §9.3.8: it reflects credentials back; nginx answers 405).
//   CONNECT → 405 (RFC 9110 §9.3.6: Portico is not a tunnel).
// - More than one Host line, or a Host that is not a valid host[:port] → 400 (RFC 9112 §3.2, RFC
//   9110 §7.2 with the authority grammar of RFC 3986 §3.2). Node already answers a missing Host on
//   HTTP/1.1 with 400 (requireHostHeader).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { PorticoError } from '../../util/errors.ts';
import { sendError, sendText } from './error-response.ts';
import type { RequestContext } from './request-context.ts';

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

/** Methods a route may receive (the Allow of OPTIONS * and of a 405). */
export const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

export interface ScreenOptions {
  allowTrace: boolean;
  /**
   * --max-header-count for HTTP/1 (RFC 6585 §5: 431). node:http's own maxHeadersCount drops the
   * fields past it silently, so the listeners turn that off and the count is refused here.
   */
  maxHeaderCount?: number;
}

/**
 * Answer the request here when it must not be routed; false when it may go on. `h2`: the request
 * came over HTTP/2 (its stream object exists), not merely claims version 2.
 */
export function screenRequest(req: AnyRequest, res: AnyResponse, ctx: RequestContext, h2: boolean, opts: ScreenOptions): boolean {
  let err: PorticoError | null = null;
  if (!h2 && req.httpVersionMajor !== 1) {
    err = new PorticoError('PORTICO_ERR_VERSION_NOT_SUPPORTED', `HTTP/${req.httpVersionMajor}.${req.httpVersionMinor} is not supported on this connection`);
  } else if (req.url === '*') {
    if (req.method === 'OPTIONS') {
      ctx.status = 200;
      drain(req);
      sendText(res, 200, '', { allow: ALLOWED_METHODS });
      return true;
    }
    err = new PorticoError('PORTICO_ERR_BAD_REQUEST', 'asterisk-form target is only valid for OPTIONS');
  } else if (req.method === 'TRACE' && !opts.allowTrace) {
    err = new PorticoError('PORTICO_ERR_METHOD_NOT_ALLOWED', 'TRACE is not allowed');
  } else if (req.method === 'CONNECT') {
    err = new PorticoError('PORTICO_ERR_METHOD_NOT_ALLOWED', 'CONNECT is not allowed');
  } else if (!h2 && opts.maxHeaderCount !== undefined && req.rawHeaders.length > 2 * opts.maxHeaderCount) {
    err = new PorticoError('PORTICO_ERR_HEADERS_TOO_LARGE', `more than ${opts.maxHeaderCount} header fields`);
  } else {
    const bad = h2 ? checkHostValue((req.headers[':authority'] as string | undefined) ?? req.headers.host) : checkHostLines(req.rawHeaders);
    if (bad !== null) err = new PorticoError('PORTICO_ERR_BAD_REQUEST', bad);
  }
  if (err === null) return false;
  ctx.status = err.status;
  ctx.error = err.code;
  if (!h2) (res as ServerResponse).shouldKeepAlive = false;
  drain(req);
  sendError(res, err, err.status === 405 ? { allow: ALLOWED_METHODS } : undefined, ctx);
  return true;
}

function drain(req: AnyRequest): void {
  if (!req.readableEnded) req.resume();
}

/**
 * HTTP/1: at most one Host line, and a valid one; a Transfer-Encoding whose final coding is not
 * chunked → 400 (RFC 9112 §6.1: the body length cannot be determined; Node's parser reports it
 * only after it has emitted the request, so it is refused here before anything is forwarded).
 * Null when fine.
 */
function checkHostLines(raw: readonly string[]): string | null {
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 4 && (name.charCodeAt(0) | 0x20) === 104 && name.toLowerCase() === 'host') {
      if (host !== undefined) return 'more than one Host header';
      host = raw[i + 1];
    } else if (name.length === 17 && (name.charCodeAt(0) | 0x20) === 116 && name.toLowerCase() === 'transfer-encoding') {
      if (!/(^|,)[ \t]*chunked[ \t]*$/i.test(raw[i + 1])) return 'Transfer-Encoding must end with chunked';
    }
  }
  return checkHostValue(host);
}

/** RFC 3986 §3.2.2/§3.2.3: reg-name or IP-literal, then an optional port. Null when fine. */
export function checkHostValue(host: string | undefined): string | null {
  if (host === undefined || host === '') return null;
  let i = 0;
  const n = host.length;
  if (host.charCodeAt(0) === 91 /* '[' */) {
    const end = host.indexOf(']');
    if (end === -1) return 'invalid Host header';
    for (let j = 1; j < end; j++) if (!isLiteralChar(host.charCodeAt(j))) return 'invalid Host header';
    i = end + 1;
  } else {
    while (i < n && host.charCodeAt(i) !== 58 /* ':' */) {
      if (!isRegNameChar(host.charCodeAt(i))) return 'invalid Host header';
      i++;
    }
  }
  if (i === n) return null;
  if (host.charCodeAt(i) !== 58) return 'invalid Host header';
  for (let j = i + 1; j < n; j++) {
    const c = host.charCodeAt(j);
    if (c < 48 || c > 57) return 'invalid Host header';
  }
  return n - i - 1 > 5 ? 'invalid Host header' : null;
}

/** unreserved / pct-encoded / sub-delims (RFC 3986 §3.2.2). */
function isRegNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) ||
    c === 45 || c === 46 || c === 95 || c === 126 || c === 37 || // - . _ ~ %
    c === 33 || c === 36 || c === 38 || c === 39 || c === 40 || c === 41 || // ! $ & ' ( )
    c === 42 || c === 43 || c === 44 || c === 59 || c === 61; // * + , ; =
}

/** IPv6 / IPvFuture literal body: hex digits, ':', '.', and the zone/future characters. */
function isLiteralChar(c: number): boolean {
  return isRegNameChar(c) || c === 58;
}
