// CIDR lists of the source-range annotations and flags, parsed with ipaddr.js (strict four-part
// IPv4, IPv6 without zone). ingress-nginx parses them with Go's net.ParseCIDR/ParseIP
// (internal/net ParseIPNets, called from internal/ingress/annotations/ipallowlist/main.go):
// `10.0.0.1/8` is accepted and means the network 10.0.0.0/8.

import ipaddr from 'ipaddr.js';

export type Parsed<T> = { value: T } | { error: string };

/** One address or CIDR → normalised `addr/bits`, or null when it is neither. */
export function normaliseCidr(text: string): string | null {
  const s = text.trim();
  if (s === '') return null;
  const slash = s.indexOf('/');
  const addr = slash === -1 ? s : s.slice(0, slash);
  const bitsText = slash === -1 ? null : s.slice(slash + 1);
  let family: 4 | 6;
  if (ipaddr.IPv4.isValidFourPartDecimal(addr)) family = 4;
  else if (addr.includes(':') && !addr.includes('%') && ipaddr.IPv6.isValid(addr)) family = 6;
  else return null;
  const max = family === 4 ? 32 : 128;
  let bits = max;
  if (bitsText !== null) {
    if (!/^\d{1,3}$/.test(bitsText)) return null;
    bits = Number(bitsText);
    if (bits > max) return null;
  }
  const parsed = ipaddr.parse(addr);
  // IPv4-mapped IPv6 (::ffff:1.2.3.4) is the IPv4 address: clients are compared unmapped.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    const v4 = (parsed as ipaddr.IPv6).toIPv4Address();
    return `${ipaddr.IPv4.networkAddressFromCIDR(`${v4.toString()}/${bits - 96}`).toString()}/${bits - 96}`;
  }
  const net = family === 4 ? ipaddr.IPv4.networkAddressFromCIDR(`${addr}/${bits}`) : ipaddr.IPv6.networkAddressFromCIDR(`${addr}/${bits}`);
  return `${net.toString()}/${bits}`;
}

/**
 * Comma-separated list (the annotation syntax) → sorted, de-duplicated normalised CIDRs. One bad
 * entry rejects the whole value: a partly read allow list would silently let through or shut out
 * the wrong clients. An empty list is an error too (an annotation present but empty is a mistake).
 */
export function parseCidrList(raw: string): Parsed<string[]> {
  const out = new Set<string>();
  const bad: string[] = [];
  for (const part of raw.split(',')) {
    if (part.trim() === '') continue;
    const n = normaliseCidr(part);
    if (n === null) bad.push(part.trim());
    else out.add(n);
  }
  if (bad.length > 0) return { error: `not an IP address or CIDR: ${bad.map((b) => JSON.stringify(b)).join(', ')}` };
  if (out.size === 0) return { error: 'empty list of addresses' };
  return { value: [...out].sort() };
}
