import type { Endpoint } from '../../model/endpoint.ts';
import type { Balancer, PickContext } from './balancer.ts';

/** Equal share in turn (SPEC §2.5: ingress-nginx's default `round_robin`). */
export class RoundRobinBalancer implements Balancer {
  readonly policy = 'round-robin' as const;
  private endpoints: readonly Endpoint[] = [];
  private next = 0;

  constructor(endpoints: readonly Endpoint[] = []) {
    this.update(endpoints);
  }

  get size(): number {
    return this.endpoints.length;
  }

  update(endpoints: readonly Endpoint[]): void {
    this.endpoints = endpoints;
    // SPEC §5.1: the userspace proxier reset its index on change; we keep the position modulo the
    // new length so a burst of slice updates does not pile load onto the first endpoint.
    if (this.next >= endpoints.length) this.next = 0;
  }

  pick(_ctx: PickContext, exclude?: ReadonlySet<string> | null): Endpoint | null {
    const eps = this.endpoints;
    const n = eps.length;
    for (let i = 0; i < n; i++) {
      const e = eps[this.next];
      this.next = this.next + 1 === n ? 0 : this.next + 1;
      if (!exclude || !exclude.has(e.id)) return e;
    }
    return null;
  }
}
