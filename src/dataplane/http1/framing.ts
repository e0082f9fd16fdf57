// Message framing from the header fields of a parsed head: Content-Length, Transfer-Encoding,
// Connection, Upgrade, Expect. RFC 9112 §6 (message body length), §9.3 (persistence), RFC 9110
// §7.6.1 (Connection), §7.8 (Upgrade), §10.1.1 (Expect).
import { trimOws } from './grammar.ts';
import type { MessageHead, ParseFailure } from './types.ts';

const f = (status: ParseFailure['status'], code: string): ParseFailure => Object.freeze({ status, code });
export const F_DUP_CL = f(400, 'duplicate_content_length');
export const F_BAD_CL = f(400, 'bad_content_length');
export const F_CL_TE = f(400, 'cl_and_te');
export const F_TE_UNSUPPORTED = f(501, 'unsupported_transfer_encoding');
export const F_BAD_TE = f(400, 'bad_transfer_encoding');
export const F_TE_HTTP10 = f(400, 'transfer_encoding_in_http10');

/** Response body read until the connection closes (RFC 9112 §6.3 items 4 and 8). */
export const UNTIL_CLOSE = 1;

const MAX_CL = Number.MAX_SAFE_INTEGER;

function parseLength(v: string): number {
  // Content-Length = 1*DIGIT (RFC 9110 §8.6). A list ("5, 5") is rejected like llhttp does, not
  // merged: a sender that repeats it is not to be trusted with framing (RFC 9112 §6.3 item 5).
  const n = v.length;
  if (n === 0 || n > 16) return -1;
  let x = 0;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    x = x * 10 + c;
  }
  return x > MAX_CL ? -1 : x;
}

/** Lower-cased comma-separated list elements, OWS (SP / HTAB only) trimmed, empty elements dropped (RFC 9110 §5.6.1). */
function eachToken(v: string, out: string[]): void {
  for (const part of v.split(',')) {
    const t = trimOws(part);
    if (t !== '') out.push(t.toLowerCase());
  }
}

/**
 * Fills head.contentLength/chunked/keepAlive/upgrade/expectContinue from head.headers. Returns a
 * failure, UNTIL_CLOSE (responses only), or 0.
 */
export function applyFraming(head: MessageHead, isRequest: boolean): ParseFailure | number {
  const h = head.headers;
  let cl = -1;
  let te: string[] | null = null;
  let close = false;
  let keep = false;
  let connUpgrade = false;
  let hasUpgrade = false;
  let expect = false;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i];
    switch (name.length) {
      case 14:
        if (name.toLowerCase() !== 'content-length') break;
        if (cl !== -1) return F_DUP_CL;
        cl = parseLength(h[i + 1]);
        if (cl === -1) return F_BAD_CL;
        break;
      case 17:
        if (name.toLowerCase() !== 'transfer-encoding') break;
        eachToken(h[i + 1], te ??= []);
        break;
      case 10:
        if (name.toLowerCase() !== 'connection') break;
        for (const t of h[i + 1].toLowerCase().split(',')) {
          const tok = trimOws(t);
          if (tok === 'close') close = true;
          else if (tok === 'keep-alive') keep = true;
          else if (tok === 'upgrade') connUpgrade = true;
        }
        break;
      case 7:
        if (name.toLowerCase() === 'upgrade') hasUpgrade = true;
        break;
      case 6:
        if (name.toLowerCase() === 'expect' && h[i + 1].toLowerCase() === '100-continue') expect = true;
        break;
    }
  }
  const v11 = head.versionMinor === 1;
  head.keepAlive = !close && (v11 || keep);
  head.expectContinue = isRequest && v11 && expect;
  head.upgrade = isRequest && ((connUpgrade && hasUpgrade) || head.method === 'CONNECT');
  head.contentLength = cl;
  head.chunked = false;
  if (te === null) return 0;
  // Both present: a smuggling vector; RFC 9112 §6.1 lets a server reject it, llhttp strict does.
  if (cl !== -1) return F_CL_TE;
  // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
  if (!v11) return F_TE_HTTP10;
  const last = te.length - 1;
  let chunkedCount = 0;
  for (let i = 0; i <= last; i++) if (te[i] === 'chunked') chunkedCount++;
  // RFC 9112 §6.1: chunked MUST NOT be applied more than once: faulty framing on either side.
  if (chunkedCount > 1) return F_BAD_TE;
  for (let i = 0; i < last; i++) if (te[i] === 'chunked') return isRequest ? F_BAD_TE : (head.keepAlive = false, UNTIL_CLOSE);
  if (last >= 0 && te[last] === 'chunked') {
    // A request coding other than chunked is not implemented here (RFC 9112 §6.1: 501).
    if (isRequest && last > 0) return F_TE_UNSUPPORTED;
    head.chunked = true;
    return 0;
  }
  // RFC 9112 §6.3 item 4: a request whose final coding is not chunked has no determinable length: 400.
  if (isRequest) return F_BAD_TE;
  // RFC 9112 §6.3 item 4: a response whose final coding is not chunked is read until close.
  head.keepAlive = false;
  return UNTIL_CLOSE;
}
