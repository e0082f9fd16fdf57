// The client-side response head, rewritten from the upstream's in one pass into one string
// (written with the first body bytes in one socket write): hop-by-hop fields and those the
// upstream's Connection lists removed (RFC 9110 §7.6.1), `Server: portico` when absent, HSTS on
// HTTPS, `Date` when absent (RFC 9110 §6.6.1: an origin with a clock sends one; node:http adds
// it too), framing chosen for the client: the upstream's Content-Length kept, otherwise chunked.
import { trimOws } from './grammar.ts';
import type { MessageHead } from './types.ts';

function eqi(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) if ((name.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** Hop-by-hop fields (RFC 9110 §7.6.1) plus Content-Length / Transfer-Encoding, framed here. */
function hopKind(name: string): number {
  switch (name.length) {
    case 2: return eqi(name, 'te') ? 1 : 0;
    case 6: return eqi(name, 'server') ? 3 : 0;
    case 4: return eqi(name, 'date') ? 4 : 0;
    case 7: return eqi(name, 'upgrade') || eqi(name, 'trailer') ? 1 : 0;
    case 10: return eqi(name, 'connection') ? 2 : eqi(name, 'keep-alive') ? 1 : 0;
    case 14: return eqi(name, 'content-length') ? 5 : 0;
    case 16: return eqi(name, 'proxy-connection') ? 1 : 0;
    case 17: return eqi(name, 'transfer-encoding') ? 1 : 0;
    case 25: return eqi(name, 'strict-transport-security') ? 6 : 0;
    default: return 0;
  }
}

export interface ClientHeadOptions {
  hsts: string | null;
  date: string;
  /** Whether the client connection stays open after this response. */
  keepAlive: boolean;
  keepAliveSeconds: number;
  /** Flat extra fields (affinity Set-Cookie), or null. */
  extra: string[] | null;
  /** The client spoke HTTP/1.0: no chunked coding (RFC 9112 §7), an unknown length ends with the close. */
  http10: boolean;
}

/**
 * Returns the head text and sets `chunked` in `out` when the body must be chunk-framed to the
 * client (no Content-Length upstream and a body can follow), `close` when the connection must
 * close after it (asked for, or an HTTP/1.0 client and a body of unknown length).
 */
export function clientResponseHead(head: MessageHead, bodyless: boolean, o: ClientHeadOptions, out: { chunked: boolean; close: boolean }): string {
  const h = head.headers;
  let listed: string[] | null = null;
  for (let i = 0; i < h.length; i += 2) {
    if (hopKind(h[i]) === 2) for (const t of h[i + 1].split(',')) { const n = trimOws(t).toLowerCase(); if (n !== '') (listed ??= []).push(n); }
  }
  const code = head.statusCode;
  let s = `HTTP/1.1 ${code} ${head.reason}\r\n`;
  let server = false;
  let date = false;
  let sts = false;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i];
    const kind = hopKind(name);
    if (kind === 1 || kind === 2) continue;
    if (kind === 5 && code === 204) continue; // RFC 9110 §8.6: a 204 carries no Content-Length
    if (listed !== null && listed.includes(name.toLowerCase())) continue;
    if (kind === 3) server = true;
    else if (kind === 4) date = true;
    else if (kind === 6) sts = true;
    s += `${name}: ${h[i + 1]}\r\n`;
  }
  if (!server) s += 'server: portico\r\n';
  if (!date) s += `date: ${o.date}\r\n`;
  if (o.hsts !== null && !sts) s += `strict-transport-security: ${o.hsts}\r\n`;
  const extra = o.extra;
  if (extra !== null) for (let i = 0; i < extra.length; i += 2) s += `${extra[i]}: ${extra[i + 1]}\r\n`;
  const unknownLength = !bodyless && head.contentLength < 0;
  out.chunked = unknownLength && !o.http10;
  out.close = !o.keepAlive || (unknownLength && o.http10);
  if (out.chunked) s += 'transfer-encoding: chunked\r\n';
  s += !out.close ? `connection: keep-alive\r\nkeep-alive: timeout=${o.keepAliveSeconds}\r\n\r\n` : 'connection: close\r\n\r\n';
  return s;
}

/** The upstream request head: request line, the prepared flat list, our framing. */
export function upstreamRequestHead(method: string, path: string, headers: readonly string[], chunked: boolean): string {
  let s = `${method} ${path} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) s += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return chunked ? s + 'transfer-encoding: chunked\r\n\r\n' : s + '\r\n';
}
