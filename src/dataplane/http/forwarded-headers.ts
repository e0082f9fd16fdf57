// Header handling between client and upstream (issue #2 item 4).
// - Hop-by-hop headers (RFC 9110 §7.6.1) are removed in both directions: Connection and every
//   header it lists, Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade, Trailer.
//   Upstream connections are ours (keep-alive Agent), so a client's Connection never goes up.
// - X-Forwarded-For/-Proto/-Host/-Port and X-Real-IP are set by us. A client's own values are
//   dropped unless the peer is in the trusted CIDRs (ARCHITECTURE.md hot-path rule 5 and the
//   http-proxy-3 trap: never append to an untrusted X-Forwarded-For).
// - HTTP/2 pseudo-headers (':authority'…) are never forwarded (node:http2 compat requests).

import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'trailer']);
const FORWARDED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip']);

/** CIDR list → matcher; built once per dataplane. */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(cidrs: readonly string[]) {
    for (const c of cidrs) {
      const [addr, bits] = c.split('/');
      const family = isIPv6(addr) ? 'ipv6' : 'ipv4';
      if (!isIPv4(addr) && !isIPv6(addr)) throw new Error(`trustProxy: not an IP/CIDR: ${c}`);
      if (bits === undefined) this.list.addAddress(addr, family);
      else this.list.addSubnet(addr, Number(bits), family);
    }
    this.empty = cidrs.length === 0;
  }

  has(ip: string): boolean {
    if (this.empty || ip === '') return false;
    return isIPv6(ip) ? this.list.check(ip, 'ipv6') : this.list.check(ip, 'ipv4');
  }
}

/** '::ffff:1.2.3.4' (dual-stack listener) → '1.2.3.4'. */
export function clientAddress(remote: string | undefined): string {
  if (remote === undefined) return '';
  return remote.startsWith('::ffff:') && remote.includes('.') ? remote.slice(7) : remote;
}

/** Names listed in Connection (lower-case), or null. */
function connectionTokens(value: string | string[] | undefined): Set<string> | null {
  if (value === undefined) return null;
  const text = Array.isArray(value) ? value.join(',') : value;
  let set: Set<string> | null = null;
  for (const t of text.split(',')) {
    const name = t.trim().toLowerCase();
    if (name !== '' && name !== 'close' && name !== 'keep-alive') (set ??= new Set()).add(name);
  }
  return set;
}

export interface ForwardInfo {
  /** Client peer address (normalised). */
  clientIp: string;
  scheme: 'http' | 'https';
  /** Host as received (with port), or null. */
  host: string | null;
  /** Port the client connected to. */
  localPort: number | undefined;
  trusted: boolean;
  /** Keep Upgrade/Connection (WebSocket handshake goes through http-proxy-3, which needs them). */
  upgrade: boolean;
}

/** Request headers to send upstream. */
export function upstreamRequestHeaders(src: IncomingHttpHeaders, info: ForwardInfo): OutgoingHttpHeaders {
  const listed = connectionTokens(src.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in src) {
    if (name.charCodeAt(0) === 58 /* ':' pseudo-header */) continue;
    if (HOP_BY_HOP.has(name) || (listed !== null && listed.has(name))) continue;
    if (FORWARDED.has(name) && !info.trusted) continue;
    const v = src[name];
    if (v !== undefined) out[name] = v;
  }
  if (info.host !== null) out.host = info.host;
  const prior = info.trusted ? src['x-forwarded-for'] : undefined;
  out['x-forwarded-for'] = prior === undefined || prior === '' ? info.clientIp
    : `${Array.isArray(prior) ? prior.join(', ') : prior}, ${info.clientIp}`;
  if (out['x-forwarded-proto'] === undefined) out['x-forwarded-proto'] = info.scheme;
  if (out['x-forwarded-host'] === undefined && info.host !== null) out['x-forwarded-host'] = info.host;
  if (out['x-forwarded-port'] === undefined && info.localPort !== undefined) out['x-forwarded-port'] = String(info.localPort);
  if (out['x-real-ip'] === undefined) out['x-real-ip'] = info.clientIp;
  if (info.upgrade) {
    out.connection = 'upgrade';
    if (src.upgrade !== undefined) out.upgrade = src.upgrade;
  }
  return out;
}

/**
 * Response headers to send to the client: hop-by-hop removed, `Server: portico` when the upstream
 * sent none (SPEC §2 implied obligations), Content-Length kept so Node does not re-chunk.
 */
export function clientResponseHeaders(src: IncomingHttpHeaders, hsts: string | null): OutgoingHttpHeaders {
  const listed = connectionTokens(src.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in src) {
    if (HOP_BY_HOP.has(name) || (listed !== null && listed.has(name))) continue;
    const v = src[name];
    if (v !== undefined) out[name] = v;
  }
  if (out.server === undefined) out.server = 'portico';
  if (hsts !== null && out['strict-transport-security'] === undefined) out['strict-transport-security'] = hsts;
  return out;
}
