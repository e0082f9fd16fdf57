import type { Endpoint } from '../../model/endpoint.ts';
import type { Balancer, PickContext } from './balancer.ts';

/**
 * Uniform random choice (iptables/nftables kube-proxy, SPEC §5.3: "random endpoint per new
 * connection (equal probability)"). O(1); an excluded draw is followed by a scan from the drawn
 * index, so a retry never loops.
 */
export class RandomBalancer implements Balancer {
  readonly policy = 'random' as const;
  private endpoints: readonly Endpoint[] = [];
  private readonly random: () => number;

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  get size(): number {
    return this.endpoints.length;
  }

  update(endpoints: readonly Endpoint[]): void {
    this.endpoints = endpoints;
  }

  pick(_ctx: PickContext, exclude?: ReadonlySet<string> | null): Endpoint | null {
    const eps = this.endpoints;
    const i = indexFrom(eps, Math.floor(this.random() * eps.length), exclude);
    return i < 0 ? null : eps[i];
  }
}

/** Index of eps[start], or of the next one not excluded (wrapping); -1 when all are. */
export function indexFrom(eps: readonly Endpoint[], start: number, exclude?: ReadonlySet<string> | null): number {
  const n = eps.length;
  for (let k = 0; k < n; k++) {
    const i = start + k < n ? start + k : start + k - n;
    if (!exclude || !exclude.has(eps[i].id)) return i;
  }
  return -1;
}
