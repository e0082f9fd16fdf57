import type { Endpoint } from '../../model/endpoint.ts';
import type { Balancer, PickContext } from './balancer.ts';
import { hashString } from './hash.ts';


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
