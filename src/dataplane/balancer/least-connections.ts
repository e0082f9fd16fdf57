import type { Endpoint } from '../../model/endpoint.ts';
import type { Balancer, PickContext } from './balancer.ts';

/**
 * Fewest active connections first (SPEC §5.3 IPVS `lc`;  `portico.io/l4-balance`).
 * Ties are broken by a rotating start so that equal endpoints share new connections in turn
 * instead of piling onto the first one. No allocation per pick.
 */
export class LeastConnectionsBalancer implements Balancer {
  readonly policy = 'least-connections' as const;
  private endpoints: readonly Endpoint[] = [];
  private start = 0;
  private readonly inflight: (endpointId: string) => number;

  constructor(inflight: (endpointId: string) => number, endpoints: readonly Endpoint[] = []) {
    this.inflight = inflight;
    this.update(endpoints);
  }

  get size(): number {
    return this.endpoints.length;
  }

  update(endpoints: readonly Endpoint[]): void {
    this.endpoints = endpoints;
    if (this.start >= endpoints.length) this.start = 0;
  }

  pick(_ctx: PickContext, exclude?: ReadonlySet<string> | null): Endpoint | null {
    const eps = this.endpoints;
    const n = eps.length;
    let best: Endpoint | null = null;
    let bestCount = Infinity;
    let bestIdx = 0;
    for (let k = 0; k < n; k++) {
      const i = this.start + k < n ? this.start + k : this.start + k - n;
      const e = eps[i];
      if (exclude && exclude.has(e.id)) continue;
      const c = this.inflight(e.id);
      if (c < bestCount) {
        best = e;
        bestCount = c;
        bestIdx = i;
        if (c === 0) break;
      }
    }
    if (best) this.start = bestIdx + 1 === n ? 0 : bestIdx + 1;
    return best;
  }
}
