import type { Endpoint } from '../../model/endpoint.ts';
import type { Balancer, PickContext } from './balancer.ts';

/**
 * Static hash on the client source IP (SPEC §5.3 IPVS `sh`): the same client lands on the same
 * endpoint while the endpoint list is unchanged. A plain modulo over the sorted endpoint list:
 * a change of the list may move clients, which is what `sh` does as well. When the hashed
 * endpoint is excluded (failed dial, README "TCP and UDP services (L4)") the next ones are probed in order.
 */
export class SourceHashBalancer implements Balancer {
  readonly policy = 'source-hash' as const;
  private endpoints: readonly Endpoint[] = [];

  constructor(endpoints: readonly Endpoint[] = []) {
    this.update(endpoints);
  }

  get size(): number {
    return this.endpoints.length;
  }

  update(endpoints: readonly Endpoint[]): void {
    this.endpoints = endpoints;
  }

  pick(ctx: PickContext, exclude?: ReadonlySet<string> | null): Endpoint | null {
    const eps = this.endpoints;
    const n = eps.length;
    if (n === 0) return null;
    const h = hashString(ctx.clientIp) % n;
    for (let k = 0; k < n; k++) {
      const e = eps[h + k < n ? h + k : h + k - n];
      if (!exclude || !exclude.has(e.id)) return e;
    }
    return null;
  }
}

/** FNV-1a over UTF-16 code units, then a murmur3 finaliser for spread; unsigned 32-bit. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
