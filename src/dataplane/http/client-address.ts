// The one client address of a request (source ranges, balancing by client, access log,
// X-Real-IP). nginx's realip module with `set_real_ip_from <--trust-proxy>`,
// `real_ip_header X-Forwarded-For` and `real_ip_recursive on`
// (https://nginx.org/en/docs/http/ngx_http_realip_module.html; ingress-nginx use-forwarded-headers
// + proxy-real-ip-cidr): when the peer is a trusted proxy, X-Forwarded-For is walked from the right
// and the first address not covered by --trust-proxy is the client. Entries left of it are
// whatever the client wrote and never count, so a spoofed leftmost value changes nothing. An entry
// that is not an address ends the walk at the last address read (nginx ngx_http_get_forwarded_addr
// returns NGX_DONE there); with every entry trusted the leftmost one is the client.

import { isIPv4, isIPv6 } from 'node:net';
import type { TrustedProxies } from './forwarded-headers.ts';

/** '::ffff:1.2.3.4' (dual-stack listener) → '1.2.3.4'. */
export function unmapAddress(remote: string | undefined): string {
  if (remote === undefined) return '';
  return remote.startsWith('::ffff:') && remote.includes('.') ? remote.slice(7) : remote;
}

/** One X-Forwarded-For element → address, accepting `a.b.c.d:port` and `[v6]:port`; else null. */
function entryAddress(text: string): string | null {
  const s = text.trim();
  if (s === '') return null;
  if (isIPv4(s)) return s;
  if (isIPv6(s)) return unmapAddress(s);
  if (s.charCodeAt(0) === 91 /* [ */) {
    const close = s.indexOf(']');
    const inner = close === -1 ? '' : s.slice(1, close);
    return isIPv6(inner) ? unmapAddress(inner) : null;
  }
  const colon = s.lastIndexOf(':');
  if (colon > 0 && s.indexOf(':') === colon && isIPv4(s.slice(0, colon))) return s.slice(0, colon);
  return null;
}

/** Every X-Forwarded-For value among rawHeaders, in order, joined as one list (RFC 9110 §5.3). */
function forwardedFor(raw: readonly string[]): string | null {
  let out: string | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 15 && name.toLowerCase() === 'x-forwarded-for') out = out === null ? raw[i + 1] : `${out},${raw[i + 1]}`;
  }
  return out;
}

/**
 * The client address of a request whose TCP (or PROXY protocol) peer is `peer` (already
 * unmapped). Costs one Set lookup when the peer is not trusted (the default: no --trust-proxy).
 */
export function resolveClientAddress(peer: string, raw: readonly string[], trusted: TrustedProxies): string {
  if (!trusted.has(peer)) return peer;
  const xff = forwardedFor(raw);
  if (xff === null) return peer;
  const items = xff.split(',');
  let client = peer;
  for (let i = items.length - 1; i >= 0; i--) {
    const a = entryAddress(items[i]);
    if (a === null) {
      if (items[i].trim() === '') continue; // empty list elements are allowed (RFC 9110 §5.6.1)
      return client;
    }
    client = a;
    if (!trusted.has(a)) return a;
  }
  return client;
}
