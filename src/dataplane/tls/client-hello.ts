// Reading the server name out of a TLS ClientHello without terminating TLS (README "TLS
// passthrough"). The grammar is RFC 8446 §5.1 (records), §4.1.2 (ClientHello), §4.2 (extensions:
// no type twice) and RFC 6066 §3 (server_name: one host_name, no trailing dot). The hello may be
// fragmented over several handshake records (RFC 8446 §5.1); the total read is bounded by
// MAX_HELLO_BYTES. Every length is checked against what encloses it: a hostile hello can only be
// 'invalid', never a throw or an out-of-bounds read.

/** RFC 8446 §5.1: a record's fragment is at most 2^14 bytes. */
const MAX_RECORD = 16384;
/** Largest ClientHello accepted (post-quantum key shares make ~2 KiB hellos; 16 KiB is generous). */
export const MAX_HELLO_BYTES = 16384;
const RECORD_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const EXT_SERVER_NAME = 0;
/** RFC 6066 §3 / RFC 1035: a host name is at most 255 octets, LDH labels separated by dots. */
const HOST_NAME = /^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/;

export type HelloResult =
  /** More bytes are needed. */
  | { readonly state: 'partial' }
  /** Not a TLS handshake at all (plain HTTP on the HTTPS port, SSLv2): let TLS answer it. */
  | { readonly state: 'not-tls' }
  | { readonly state: 'invalid'; readonly reason: string }
  /** `serverName` lower-case, or null when the hello carries no SNI. */
  | { readonly state: 'done'; readonly serverName: string | null };

const PARTIAL: HelloResult = { state: 'partial' };
const NOT_TLS: HelloResult = { state: 'not-tls' };
const invalid = (reason: string): HelloResult => ({ state: 'invalid', reason });

/** Parse what has arrived so far: `buf` holds the first bytes of the connection. */
export function parseClientHello(buf: Buffer): HelloResult {
  if (buf.length === 0) return PARTIAL;
  if (buf[0] !== RECORD_HANDSHAKE) return NOT_TLS;
  // Reassemble the handshake message out of consecutive handshake records.
  const parts: Buffer[] = [];
  let have = 0;
  let need = -1;
  let off = 0;
  while (need < 0 || have < need) {
    if (buf.length < off + 5) return PARTIAL;
    if (buf[off] !== RECORD_HANDSHAKE) return invalid('non-handshake record inside the ClientHello');
    // legacy_record_version: 0x0301 for compatibility, 0x0300–0x0303 seen in the wild.
    if (buf[off + 1] !== 3) return off === 0 ? NOT_TLS : invalid('bad record version');
    const len = buf.readUInt16BE(off + 3);
    if (len === 0 || len > MAX_RECORD) return invalid('bad record length');
    if (buf.length < off + 5 + len) return PARTIAL;
    parts.push(buf.subarray(off + 5, off + 5 + len));
    have += len;
    off += 5 + len;
    if (need < 0 && have >= 4) {
      const first = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      if (first[0] !== HANDSHAKE_CLIENT_HELLO) return invalid('first handshake message is not a ClientHello');
      need = 4 + ((first[1] << 16) | (first[2] << 8) | first[3]);
      if (need > MAX_HELLO_BYTES) return invalid('ClientHello too large');
    }
    if (have > MAX_HELLO_BYTES + MAX_RECORD) return invalid('ClientHello too large');
  }
  const msg = (parts.length === 1 ? parts[0] : Buffer.concat(parts)).subarray(4, need);
  return parseBody(msg);
}

/** RFC 8446 §4.1.2 ClientHello body (also TLS 1.2's, RFC 5246 §7.4.1.2). */
function parseBody(b: Buffer): HelloResult {
  let p = 2 + 32; // legacy_version, random
  if (b.length < p + 1) return invalid('truncated ClientHello');
  const sid = b[p];
  if (sid > 32) return invalid('session id too long');
  p += 1 + sid;
  if (b.length < p + 2) return invalid('truncated ClientHello');
  const suites = b.readUInt16BE(p);
  if (suites < 2 || suites % 2 !== 0) return invalid('bad cipher_suites length');
  p += 2 + suites;
  if (b.length < p + 1) return invalid('truncated ClientHello');
  const comp = b[p];
  if (comp < 1) return invalid('no compression method');
  p += 1 + comp;
  if (b.length < p) return invalid('truncated ClientHello');
  // A TLS 1.2 hello may end here: no extensions, hence no SNI.
  if (b.length === p) return { state: 'done', serverName: null };
  if (b.length < p + 2) return invalid('truncated extensions');
  const extLen = b.readUInt16BE(p);
  p += 2;
  if (p + extLen !== b.length) return invalid('extensions length does not match the ClientHello');
  const seen = new Set<number>();
  let serverName: string | null = null;
  while (p < b.length) {
    if (b.length < p + 4) return invalid('truncated extension');
    const type = b.readUInt16BE(p);
    const len = b.readUInt16BE(p + 2);
    p += 4;
    if (b.length < p + len) return invalid('truncated extension');
    if (seen.has(type)) return invalid('duplicate extension');
    seen.add(type);
    if (type === EXT_SERVER_NAME) {
      const r = parseServerName(b.subarray(p, p + len));
      if (typeof r !== 'string') return invalid(r.error);
      if (r !== '') serverName = r;
    }
    p += len;
  }
  return { state: 'done', serverName };
}

/** RFC 6066 §3 ServerNameList; '' when the list holds no host_name. */
function parseServerName(e: Buffer): string | { error: string } {
  // An empty extension_data is what a server sends back; from a client it is malformed.
  if (e.length < 2) return { error: 'empty server_name' };
  const listLen = e.readUInt16BE(0);
  if (listLen + 2 !== e.length || listLen === 0) return { error: 'bad server_name list length' };
  let p = 2;
  let host: string | null = null;
  while (p < e.length) {
    if (e.length < p + 3) return { error: 'truncated server_name' };
    const type = e[p];
    const len = e.readUInt16BE(p + 1);
    p += 3;
    if (len === 0 || e.length < p + len) return { error: 'bad server name length' };
    if (type === 0) {
      if (host !== null) return { error: 'two host_name entries' };
      const name = e.toString('latin1', p, p + len).toLowerCase();
      if (name.length > 255 || !HOST_NAME.test(name)) return { error: 'server name is not a host name' };
      host = name;
    }
    p += len;
  }
  return host ?? '';
}
