// PROXY protocol v1 (text) and v2 (binary), as specified by HAProxy's proxy-protocol.txt.
// README "TCP and UDP services (L4)": sent upstream on `:PROXY` mappings, read on inbound TCP with
// --l4-accept-proxy-protocol.

import { isIPv4, isIPv6 } from 'node:net';

export interface ProxyAddresses {
  /** 'TCP4' / 'TCP6', or 'UNKNOWN' (v1 UNKNOWN, v2 LOCAL or unsupported family): use the socket's own. */
  readonly family: 'TCP4' | 'TCP6' | 'UNKNOWN';
  readonly srcAddress: string;
  readonly srcPort: number;
  readonly dstAddress: string;
  readonly dstPort: number;
}

export const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** v1 lines are at most 107 bytes including CRLF. */
const V1_MAX = 107;
/** Upper bound we accept for a v2 header (addresses + TLVs); larger is treated as garbage. */
const V2_MAX = 16 + 2048;

/** `::ffff:1.2.3.4` → `1.2.3.4`, so that an IPv4 client on a dual-stack socket is sent as TCP4. */
export function unmapIPv4(a: string): string {
  return a.startsWith('::ffff:') && isIPv4(a.slice(7)) ? a.slice(7) : a;
}

function familyOf(src: string, dst: string): 'TCP4' | 'TCP6' | 'UNKNOWN' {
  if (isIPv4(src) && isIPv4(dst)) return 'TCP4';
  if (isIPv6(src) && isIPv6(dst)) return 'TCP6';
  return 'UNKNOWN';
}

export function encodeV1(srcAddress: string, srcPort: number, dstAddress: string, dstPort: number): Buffer {
  const s = unmapIPv4(srcAddress);
  const d = unmapIPv4(dstAddress);
  const fam = familyOf(s, d);
  if (fam === 'UNKNOWN') return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  return Buffer.from(`PROXY ${fam} ${s} ${d} ${srcPort} ${dstPort}\r\n`, 'latin1');
}

export function encodeV2(srcAddress: string, srcPort: number, dstAddress: string, dstPort: number): Buffer {
  const s = unmapIPv4(srcAddress);
  const d = unmapIPv4(dstAddress);
  const fam = familyOf(s, d);
  if (fam === 'UNKNOWN') {
    // LOCAL command, AF_UNSPEC: the receiver uses the connection's own addresses.
    const b = Buffer.alloc(16);
    V2_SIGNATURE.copy(b, 0);
    b[12] = 0x20;
    return b;
  }
  const v4 = fam === 'TCP4';
  const alen = v4 ? 12 : 36;
  const b = Buffer.alloc(16 + alen);
  V2_SIGNATURE.copy(b, 0);
  b[12] = 0x21; // version 2, PROXY
  b[13] = v4 ? 0x11 : 0x21; // AF_INET/AF_INET6, STREAM
  b.writeUInt16BE(alen, 14);
  if (v4) {
    writeIPv4(b, 16, s);
    writeIPv4(b, 20, d);
    b.writeUInt16BE(srcPort, 24);
    b.writeUInt16BE(dstPort, 26);
  } else {
    writeIPv6(b, 16, s);
    writeIPv6(b, 32, d);
    b.writeUInt16BE(srcPort, 48);
    b.writeUInt16BE(dstPort, 50);
  }
  return b;
}

function writeIPv4(b: Buffer, off: number, a: string): void {
  const p = a.split('.');
  for (let i = 0; i < 4; i++) b[off + i] = Number(p[i]);
}

function writeIPv6(b: Buffer, off: number, a: string): void {
  const groups = expandIPv6(a);
  for (let i = 0; i < 8; i++) b.writeUInt16BE(groups[i], off + 2 * i);
}

function expandIPv6(a: string): number[] {
  let s = a.split('%')[0];
  const i = s.lastIndexOf(':');
  const v4 = s.slice(i + 1);
  if (isIPv4(v4)) {
    // Embedded IPv4 tail (`::ffff:1.2.3.4` on the IPv6 side): two more hex groups.
    const p = v4.split('.').map(Number);
    s = `${s.slice(0, i + 1)}${((p[0] << 8) | p[1]).toString(16)}:${((p[2] << 8) | p[3]).toString(16)}`;
  }
  const parse = (x: string): number[] => (x === '' ? [] : x.split(':').map((h) => parseInt(h, 16)));
  const dbl = s.indexOf('::');
  if (dbl < 0) return parse(s);
  const h = parse(s.slice(0, dbl));
  const r = parse(s.slice(dbl + 2));
  return [...h, ...new Array<number>(8 - h.length - r.length).fill(0), ...r];
}

function formatIPv6(b: Buffer, off: number): string {
  const g: string[] = [];
  for (let i = 0; i < 8; i++) g.push(b.readUInt16BE(off + 2 * i).toString(16));
  // Compress the longest run of zero groups (RFC 5952), so that the result equals Node's own form.
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
}

export type ParseResult =
  | { readonly state: 'partial' }
  | { readonly state: 'error'; readonly message: string }
  | { readonly state: 'done'; readonly consumed: number; readonly addresses: ProxyAddresses };

const UNKNOWN: ProxyAddresses = { family: 'UNKNOWN', srcAddress: '', srcPort: 0, dstAddress: '', dstPort: 0 };

/** Parse a v1 or v2 header at the start of `b` (what has arrived so far). */
export function parseProxyHeader(b: Buffer): ParseResult {
  if (b.length === 0) return { state: 'partial' };
  if (b[0] === 0x0d) return parseV2(b);
  if (b[0] === 0x50) return parseV1(b);
  return { state: 'error', message: 'no PROXY protocol header' };
}

function parseV1(b: Buffer): ParseResult {
  const prefix = 'PROXY ';
  for (let i = 0; i < Math.min(b.length, prefix.length); i++) {
    if (b[i] !== prefix.charCodeAt(i)) return { state: 'error', message: 'no PROXY protocol header' };
  }
  const end = b.indexOf('\r\n', 0, 'latin1');
  if (end < 0) return b.length >= V1_MAX ? { state: 'error', message: 'PROXY v1 line too long' } : { state: 'partial' };
  if (end + 2 > V1_MAX) return { state: 'error', message: 'PROXY v1 line too long' };
  const parts = b.toString('latin1', 6, end).split(' ');
  if (parts[0] === 'UNKNOWN') return { state: 'done', consumed: end + 2, addresses: UNKNOWN };
  if (parts.length !== 5 || (parts[0] !== 'TCP4' && parts[0] !== 'TCP6')) return { state: 'error', message: 'malformed PROXY v1 line' };
  const ok = parts[0] === 'TCP4' ? isIPv4 : isIPv6;
  const sp = Number(parts[3]);
  const dp = Number(parts[4]);
  if (!ok(parts[1]) || !ok(parts[2]) || !validPort(parts[3], sp) || !validPort(parts[4], dp)) {
    return { state: 'error', message: 'malformed PROXY v1 addresses' };
  }
  return {
    state: 'done', consumed: end + 2,
    addresses: { family: parts[0], srcAddress: parts[1], srcPort: sp, dstAddress: parts[2], dstPort: dp },
  };
}

function validPort(text: string, n: number): boolean {
  return /^[0-9]{1,5}$/.test(text) && n <= 65535;
}

function parseV2(b: Buffer): ParseResult {
  const n = Math.min(b.length, 12);
  for (let i = 0; i < n; i++) if (b[i] !== V2_SIGNATURE[i]) return { state: 'error', message: 'no PROXY protocol header' };
  if (b.length < 16) return { state: 'partial' };
  const verCmd = b[12];
  if (verCmd >> 4 !== 2) return { state: 'error', message: 'unsupported PROXY v2 version' };
  const len = b.readUInt16BE(14);
  if (16 + len > V2_MAX) return { state: 'error', message: 'PROXY v2 header too long' };
  if (b.length < 16 + len) return { state: 'partial' };
  const cmd = verCmd & 0x0f;
  const consumed = 16 + len;
  if (cmd === 0) return { state: 'done', consumed, addresses: UNKNOWN }; // LOCAL
  if (cmd !== 1) return { state: 'error', message: 'unsupported PROXY v2 command' };
  const fam = b[13] >> 4;
  if (fam === 1 && len >= 12) {
    return {
      state: 'done', consumed,
      addresses: {
        family: 'TCP4',
        srcAddress: `${b[16]}.${b[17]}.${b[18]}.${b[19]}`,
        dstAddress: `${b[20]}.${b[21]}.${b[22]}.${b[23]}`,
        srcPort: b.readUInt16BE(24),
        dstPort: b.readUInt16BE(26),
      },
    };
  }
  if (fam === 2 && len >= 36) {
    return {
      state: 'done', consumed,
      addresses: { family: 'TCP6', srcAddress: formatIPv6(b, 16), dstAddress: formatIPv6(b, 32), srcPort: b.readUInt16BE(48), dstPort: b.readUInt16BE(50) },
    };
  }
  // AF_UNSPEC / AF_UNIX: keep the connection's own addresses (spec: receiver must ignore).
  return { state: 'done', consumed, addresses: UNKNOWN };
}
