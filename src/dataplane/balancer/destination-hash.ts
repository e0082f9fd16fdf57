import type { Endpoint } from '../../model/endpoint.ts';
import { weightOf, type Balancer, type PickContext } from './balancer.ts';
import { isIPv4 } from 'node:net';

/** IP_VS_DH_TAB_BITS = 8: a 256-bucket table. */
const TAB_SIZE = 256;

/**
 * ipvs `dh` (ipvsadm(8): "assigns jobs to servers through looking up a statically assigned hash
 * table by their destination IP addresses"; net/netfilter/ipvs/ip_vs_dh.c): a 256-bucket table
 * whose buckets are assigned to the endpoints in turn (ip_vs_dh_reassign), indexed by the
 * destination address times 2654435761 (Knuth's multiplicative hash, ip_vs_dh_hashkey; IPv6
 * addresses folded by XOR of their four words). Every connection to the same local address goes
 * to the same endpoint. Deliberate difference: the kernel answers "no destination" when that
 * endpoint is unavailable; Portico, which retries connect failures on another endpoint (SPEC
 * §5.1), takes the next bucket's endpoint instead — the kernel's own `sh` fallback behaviour.
 * O(1) per pick.
 */
export class DestinationHashBalancer implements Balancer {
  readonly policy = 'destination-hash' as const;
  private endpoints: readonly Endpoint[] = [];
  private readonly table: (Endpoint | null)[] = new Array<Endpoint | null>(TAB_SIZE).fill(null);

  get size(): number {
    return this.endpoints.length;
  }

  update(endpoints: readonly Endpoint[]): void {
    this.endpoints = endpoints;
    const usable = endpoints.filter((e) => weightOf(e) > 0);
    for (let i = 0; i < TAB_SIZE; i++) this.table[i] = usable.length === 0 ? null : usable[i % usable.length];
  }

  pick(ctx: PickContext, exclude?: ReadonlySet<string> | null): Endpoint | null {
    const t = this.table;
    const b = dhBucket(ctx.destination ?? '');
    for (let k = 0; k < TAB_SIZE; k++) {
      const e = t[(b + k) & (TAB_SIZE - 1)];
      if (e === null) return null;
      if (!exclude || !exclude.has(e.id)) return e;
    }
    return null;
  }
}

/** ip_vs_dh_hashkey: (ntohl(addr) · 2654435761) & 255 over the host-order 32-bit address. */
export function dhBucket(address: string): number {
  const a = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
  let word = 0;
  if (isIPv4(a)) {
    const p = a.split('.');
    word = ((+p[0] << 24) | (+p[1] << 16) | (+p[2] << 8) | +p[3]) >>> 0;
  } else if (a !== '') {
    word = foldIPv6(a);
  }
  // Only the low 8 bits of the product are kept, and they depend only on the low 8 bits of each
  // factor: 2654435761 = 0x9E3779B1.
  return Math.imul(word & 0xff, 0xb1) & 0xff;
}

function foldIPv6(a: string): number {
  const [head, tail = ''] = a.includes('::') ? a.split('::') : [a, ''];
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = [...h, ...new Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t].map((g) => parseInt(g, 16) || 0);
  let w = 0;
  for (let i = 0; i < 8; i += 2) w ^= ((groups[i] << 16) | groups[i + 1]) >>> 0;
  return w >>> 0;
}
