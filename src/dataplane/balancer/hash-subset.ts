import type { Endpoint } from '../../model/endpoint.ts';
import type { Balancer, PickContext } from './balancer.ts';
import { RingHashBalancer } from './ring-hash.ts';
import { hashString } from './hash.ts';
import { makeEndpoint } from '../../model/endpoint.ts';

/**
 * `upstream-hash-by-subset` (ingress-nginx rootfs/etc/nginx/lua/balancer/chashsubset.lua): the
 * endpoints, in order, are cut into ceil(n / size) subsets of `size` (the last one topped up
 * from the start of the list, so all have the same size); the key's consistent hash picks a
 * subset, and a random member of it serves. A key thus stays on a small group of endpoints
 * instead of one. O(log n) per pick.
 */
export class HashSubsetBalancer implements Balancer {
  readonly policy = 'ring-hash' as const;
  private endpoints: readonly Endpoint[] = [];
  private subsets: Endpoint[][] = [];
  private readonly ring = new RingHashBalancer();
  private readonly subsetSize: number;
  private readonly random: () => number;

  constructor(subsetSize: number, random: () => number = Math.random) {
    this.subsetSize = Math.max(1, subsetSize);
    this.random = random;
  }

  get size(): number {
    return this.endpoints.length;
  }

  update(endpoints: readonly Endpoint[]): void {
    this.endpoints = endpoints;
    const n = endpoints.length;
    const size = this.subsetSize;
    const count = Math.ceil(n / size);
    const subsets: Endpoint[][] = [];
    const names: Endpoint[] = [];
    for (let s = 0; s < count; s++) {
      const members: Endpoint[] = [];
      for (let k = 0; k < size; k++) members.push(endpoints[(s * size + k) % n]);
      subsets.push(members);
      // The ring hashes subset names ("set1", …) as chashsubset.lua does: a placeholder endpoint
      // per subset carries the name, and its index as the port.
      names.push(makeEndpoint(`set${s + 1}`, s));
    }
    this.subsets = subsets;
    this.ring.update(names);
  }

  pick(ctx: PickContext, exclude?: ReadonlySet<string> | null): Endpoint | null {
    if (this.endpoints.length === 0) return null;
    const h = hashString(ctx.key || ctx.clientIp);
    const set = this.ring.pickHash(h);
    if (set === null) return null;
    const members = this.subsets[set.port];
    const m = members.length;
    const start = Math.floor(this.random() * m);
    for (let k = 0; k < m; k++) {
      const e = members[start + k < m ? start + k : start + k - m];
      if (!exclude || !exclude.has(e.id)) return e;
    }
    // The whole subset is excluded (a retry after its members failed): any other endpoint.
    for (let i = 0; i < this.endpoints.length; i++) {
      const e = this.endpoints[i];
      if (!exclude || !exclude.has(e.id)) return e;
    }
    return null;
  }
}
