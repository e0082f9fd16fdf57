// Header handling between client and upstream (README "Routing rules"), from one rule table
// (REQUEST_HEADER_RULES below):
// - Hop-by-hop headers (RFC 9110 §7.6.1) are removed in both directions: Connection and every
//   header it lists, Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade, Trailer.
// - X-Forwarded-For/-Proto/-Host/-Port and X-Real-IP are set by us. A client's own values are
//   dropped unless the peer is in the trusted CIDRs (ARCHITECTURE.md hot-path rule 5 and the
//   http-proxy-3 trap: never append to an untrusted X-Forwarded-For).
// - HTTP/2 pseudo-headers (':authority'…) are never forwarded (node:http2 compat requests).

import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

// ---- The request-header policy, one table: every header name Portico does not copy upstream as
// it came, and what it does instead. The object form (upgrades through http-proxy-3), the flat
// list (the undici and lean paths) and the response side all derive from it.

/** Copied as is. */
const H_OTHER = 0;
/** Hop-by-hop (RFC 9110 §7.6.1): never forwarded, in either direction. */
const H_HOP = 1;
/** Hop-by-hop, and the names it lists are too (RFC 9110 §7.6.1). */
const H_CONNECTION = 2;
/** Ours (X-Forwarded-*, X-Real-IP): a client's own value only from a trusted peer. */
const H_XFF = 3;
const H_XFPROTO = 4;
const H_XFHOST = 5;
const H_XFPORT = 6;
const H_XREALIP = 7;
/** The host as received (or the upstream-vhost annotation's). */
const H_HOST = 8;
/** Dropped on the undici path: Node already answered the client's 100-continue, undici refuses it. */
const H_EXPECT = 9;
/** Copied; a value other than 0 announces a body. */
const H_CONTENT_LENGTH = 10;
/** Hop-by-hop (undici frames the body itself); announces a body. */
const H_TRANSFER_ENCODING = 11;
/**
 * `Forwarded` (RFC 7239) says the same as X-Forwarded-*: an untrusted client's is dropped with them
 * (a backend reading `Forwarded: for=…` must not see a client-chosen address).
 */
const H_FORWARDED = 12;

/** Lower-case name → rule. Upstream connections are ours (keep-alive pools): a client's Connection never goes up. */
const REQUEST_HEADER_RULES: ReadonlyMap<string, number> = new Map([
  ['connection', H_CONNECTION],
  ['keep-alive', H_HOP],
  ['proxy-connection', H_HOP],
  ['te', H_HOP],
  ['transfer-encoding', H_TRANSFER_ENCODING],
  ['upgrade', H_HOP],
  ['trailer', H_HOP],
  ['x-forwarded-for', H_XFF],
  ['x-forwarded-proto', H_XFPROTO],
  ['x-forwarded-host', H_XFHOST],
  ['x-forwarded-port', H_XFPORT],
  ['x-real-ip', H_XREALIP],
  ['forwarded', H_FORWARDED],
  // What Portico says of a client certificate (README "Client certificates"): as X-Forwarded-*, a
  // client's own copy only from a trusted peer, on every route — a backend reachable through a
  // host without client certificates must not read a client-written ssl-client-verify.
  ['ssl-client-verify', H_FORWARDED],
  ['ssl-client-subject-dn', H_FORWARDED],
  ['ssl-client-issuer-dn', H_FORWARDED],
  ['ssl-client-cert', H_FORWARDED],
  ['host', H_HOST],
  ['expect', H_EXPECT],
  ['content-length', H_CONTENT_LENGTH],
]);

function namesWith(kinds: readonly number[]): Set<string> {
  const out = new Set<string>();
  for (const [name, kind] of REQUEST_HEADER_RULES) if (kinds.includes(kind)) out.add(name);
  return out;
}

/** Removed in both directions (the object form and the response side). */
const HOP_BY_HOP = namesWith([H_HOP, H_CONNECTION, H_TRANSFER_ENCODING]);
/** A client's own value kept only from a trusted peer (the object form). */
const FORWARDED = namesWith([H_XFF, H_XFPROTO, H_XFHOST, H_XFPORT, H_XREALIP, H_FORWARDED]);

/**
 * The table indexed for headerKind by (name length, first letter, either case), so most raw names
 * are told apart by one array load and the rest by one in-place comparison, with no lower-cased
 * copy per header (the flat list is on the request path: docs/benchmarks/http.md).
 */
interface Slot { readonly names: string[]; readonly kinds: number[] }
const slotOf = (length: number, first: number): number => length * 32 + (first & 31);
const SLOTS: (Slot | undefined)[] = [];
for (const [name, kind] of REQUEST_HEADER_RULES) {
  const slot = (SLOTS[slotOf(name.length, name.charCodeAt(0))] ??= { names: [], kinds: [] });
  slot.names.push(name);
  slot.kinds.push(kind);
}

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
  /** Client peer address (normalised): appended to X-Forwarded-For. */
  clientIp: string;
  /** The resolved client address (src/dataplane/http/client-address.ts) sent as X-Real-IP; default clientIp. */
  realIp?: string;
  scheme: 'http' | 'https';
  /** Host as received (with port), or null. */
  host: string | null;
  /** Port the client connected to. */
  localPort: number | undefined;
  trusted: boolean;
  /** Keep Upgrade/Connection (WebSocket handshake goes through http-proxy-3, which needs them). */
  upgrade: boolean;
  /** Set by upstreamHeaderList: the request announced a body (Content-Length > 0 or Transfer-Encoding). */
  hasBody?: boolean;
  /** upstream-vhost annotation: Host sent upstream instead of `host` (X-Forwarded-Host keeps `host`). */
  upstreamHost?: string | null;
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
  if (info.realIp !== undefined) out['x-real-ip'] = info.realIp;
  else if (out['x-real-ip'] === undefined) out['x-real-ip'] = info.clientIp;
  if (info.upgrade) {
    out.connection = 'upgrade';
    if (src.upgrade !== undefined) out.upgrade = src.upgrade;
  }
  return out;
}

// ---- Flat header lists for the undici forwarder (docs/benchmarks/http.md): one pass over the request's
// rawHeaders, names compared without lower-casing copies, output as [name, value, …] which undici
// takes without building an object; the client side is written from undici's parsed object into a
// flat list Node serialises as is.

/** ASCII case-insensitive equality against a lower-case literal. */
function eqi(name: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    if ((name.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** A raw (any-case) header name's rule. */
function headerKind(name: string): number {
  const slot = SLOTS[slotOf(name.length, name.charCodeAt(0))];
  if (slot === undefined) return H_OTHER;
  const names = slot.names;
  for (let i = 0; i < names.length; i++) if (eqi(name, names[i])) return slot.kinds[i];
  return H_OTHER;
}

/**
 * Request headers for undici as a flat [name, value, …] list, from the request's rawHeaders
 * (HTTP/1 order and case kept; HTTP/2 pseudo-headers skipped). Same rules as
 * upstreamRequestHeaders: hop-by-hop and Connection-listed names dropped, X-Forwarded-* and
 * X-Real-IP ours unless the peer is trusted, Host = the host as received. `Expect` is dropped too:
 * Node already answered the client's 100-continue, and undici refuses the header.
 */
export function upstreamHeaderList(raw: readonly string[], info: ForwardInfo): string[] {
  const out: string[] = [];
  let listed: Set<string> | null = null;
  let xff: string | null = null;
  let proto: string | null = null;
  let fhost: string | null = null;
  let fport: string | null = null;
  let realIp: string | null = null;
  const trusted = info.trusted;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.charCodeAt(0) === 58 /* ':' pseudo-header */) continue;
    const value = raw[i + 1];
    switch (headerKind(name)) {
      case H_OTHER: out.push(name, value); break;
      case H_CONNECTION: listed = addConnectionTokens(listed, value); break;
      case H_XFF: if (trusted) xff = xff === null ? value : `${xff}, ${value}`; break;
      case H_XFPROTO: if (trusted && proto === null) proto = value; break;
      case H_XFHOST: if (trusted && fhost === null) fhost = value; break;
      case H_XFPORT: if (trusted && fport === null) fport = value; break;
      case H_XREALIP: if (trusted && realIp === null) realIp = value; break;
      case H_FORWARDED: if (trusted) out.push(name, value); break;
      case H_HOST: if (info.host === null && info.upstreamHost == null) out.push('host', value); break;
      case H_CONTENT_LENGTH:
        out.push(name, value);
        if (value !== '0') info.hasBody = true;
        break;
      case H_TRANSFER_ENCODING: info.hasBody = true; break; // hop-by-hop: undici frames the body itself
      default: break; // hop-by-hop, Expect
    }
  }
  const result = listed === null ? out : dropListed(out, listed);
  if (info.upstreamHost != null) result.push('host', info.upstreamHost);
  else if (info.host !== null) result.push('host', info.host);
  result.push('x-forwarded-for', xff === null || xff === '' ? info.clientIp : `${xff}, ${info.clientIp}`);
  result.push('x-forwarded-proto', proto ?? info.scheme);
  if (fhost !== null) result.push('x-forwarded-host', fhost);
  else if (info.host !== null) result.push('x-forwarded-host', info.host);
  if (fport !== null) result.push('x-forwarded-port', fport);
  else if (info.localPort !== undefined) result.push('x-forwarded-port', String(info.localPort));
  // nginx realip: X-Real-IP is $remote_addr after real_ip_recursive, the one client address.
  result.push('x-real-ip', info.realIp ?? realIp ?? info.clientIp);
  return result;
}

/** The Host header among HTTP/1 rawHeaders, without building req.headers (Node builds it lazily). */
export function findHost(raw: readonly string[]): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 4 && eqi(name, 'host')) return raw[i + 1];
  }
  return undefined;
}

function addConnectionTokens(set: Set<string> | null, value: string): Set<string> | null {
  for (const t of value.split(',')) {
    const name = t.trim().toLowerCase();
    if (name !== '' && name !== 'close' && name !== 'keep-alive') (set ??= new Set()).add(name);
  }
  return set;
}

function dropListed(list: string[], listed: Set<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) {
    if (!listed.has(list[i].toLowerCase())) out.push(list[i], list[i + 1]);
  }
  return out;
}

/**
 * Client response headers as a flat list from undici's parsed (lower-case) object: hop-by-hop and
 * Connection-listed names removed, `Server: portico` when absent, HSTS on HTTPS, Content-Length
 * kept so Node does not re-chunk.
 */
export function clientResponseHeaderList(src: Record<string, string | string[] | undefined>, hsts: string | null): string[] {
  const conn = src.connection;
  const listed = conn === undefined ? null : connectionTokens(conn);
  const out: string[] = [];
  let server = false;
  let sts = false;
  for (const name in src) {
    if (HOP_BY_HOP.has(name) || (listed !== null && listed.has(name))) continue;
    const v = src[name];
    if (v === undefined) continue;
    if (typeof v === 'string') out.push(name, v);
    else for (let i = 0; i < v.length; i++) out.push(name, v[i]);
    if (name === 'server') server = true;
    else if (name === 'strict-transport-security') sts = true;
  }
  if (!server) out.push('server', 'portico');
  if (hsts !== null && !sts) out.push('strict-transport-security', hsts);
  return out;
}
