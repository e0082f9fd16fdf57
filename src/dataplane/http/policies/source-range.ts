// Source ranges (ingress-nginx ipallowlist/ipdenylist, nginx `allow`/`deny` ... `deny all`): a
// client outside a non-empty allow list, or inside the deny list, gets 403. The lists arrive
// normalised by translate (src/k8s/annotations/cidr.ts); node:net BlockList does the matching.

import { BlockList, isIPv6 } from 'node:net';
import type { SourceRangePolicy } from '../../../model/access.ts';
import { denial, type Denial, type PolicyRequest, type SyncPolicy } from './policy.ts';

function blockList(cidrs: readonly string[]): BlockList {
  const b = new BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split('/');
    b.addSubnet(addr, Number(bits), isIPv6(addr) ? 'ipv6' : 'ipv4');
  }
  return b;
}

const FORBIDDEN = denial(403, 'SOURCE_RANGE_DENIED', 'forbidden: client address not allowed\n');

export class SourceRangeCheck implements SyncPolicy {
  readonly step = 'source-range' as const;
  private readonly allow: BlockList | null;
  private readonly deny: BlockList | null;

  constructor(p: SourceRangePolicy) {
    this.allow = p.allow.length > 0 ? blockList(p.allow) : null;
    this.deny = p.deny.length > 0 ? blockList(p.deny) : null;
  }

  check(r: PolicyRequest): Denial | null {
    const ip = r.clientIp;
    // No address (a socket already gone) matches no allow list: denied, never waved through.
    if (ip === '') return FORBIDDEN;
    const family = isIPv6(ip) ? 'ipv6' : 'ipv4';
    // nginx evaluates deny rules before the allow list's final `deny all` (ipdenylist first).
    if (this.deny !== null && this.deny.check(ip, family)) return FORBIDDEN;
    if (this.allow !== null && !this.allow.check(ip, family)) return FORBIDDEN;
    return null;
  }
}
