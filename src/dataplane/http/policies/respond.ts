// Writing a policy's answer (a Denial) on a response or on the raw socket of an upgrade, and
// applying the headers an allowing policy sets on the upstream request.

import type { OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { writeHead, type AnyResponse } from '../error-response.ts';
import type { Denial } from './policy.ts';

export function sendDenial(res: AnyResponse, d: Denial): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  // 204 carries no content and no Content-Length (RFC 9110 §8.6, §15.3.5).
  writeHead(res, d.status, (d.status === 204 ? { server: 'portico', ...d.headers } : {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(d.body),
    server: 'portico',
    ...d.headers,
  }));
  res.end(d.body);
}

export function writeRawDenial(socket: Duplex, d: Denial): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  let head = `HTTP/1.1 ${d.status} ${STATUS_CODES[d.status] ?? 'Error'}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(d.body)}\r\nserver: portico\r\nconnection: close\r\n`;
  for (const [k, v] of Object.entries(d.headers)) {
    for (const x of typeof v === 'string' ? [v] : v) head += `${k}: ${x}\r\n`;
  }
  socket.end(`${head}\r\n${d.body}`);
}

/** Flat [name, value, …] list with `set` applied: same-named entries removed, non-empty values added. */
export function applySet(list: string[], set: readonly (readonly [string, string])[]): string[] {
  const names = new Set(set.map(([n]) => n));
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) if (!names.has(list[i].toLowerCase())) out.push(list[i], list[i + 1]);
  for (const [n, v] of set) if (v !== '') out.push(n, v);
  return out;
}

export function applySetObject(h: OutgoingHttpHeaders, set: readonly (readonly [string, string])[]): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const names = new Set(set.map(([n]) => n));
  for (const k of Object.keys(h)) if (!names.has(k.toLowerCase())) out[k] = h[k];
  for (const [n, v] of set) if (v !== '') out[n] = v;
  return out;
}
