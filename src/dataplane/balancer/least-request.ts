import type { Endpoint } from '../../model/endpoint.ts';
import type { Balancer, PickContext } from './balancer.ts';
import { indexFrom } from './random.ts';

/**
 * Power of two choices on in-flight requests (Mitzenmacher, "The Power of Two Choices in
 * Randomized Load Balancing", 2001; Envoy's LEAST_REQUEST default `choice_count: 2`): draw two
 * distinct endpoints at random and take the one with fewer requests in flight. O(1) per pick,
 * and unlike a full least-connections scan it does not send a burst of new requests to the one
 * endpoint that just went idle.
 */
export class LeastRequestBalancer implements Balancer {
  readonly policy = 'least-request' as const;
  private endpoints: readonly Endpoint[] = [];
  private readonly inflight: (id: string) => number;
  private readonly random: () => number;

  constructor(inflight: (id: string) => number, random: () => number = Math.random) {
    this.inflight = inflight;
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
    const n = eps.length;
    if (n === 0) return null;
    const i = indexFrom(eps, Math.floor(this.random() * n), exclude);
    if (i < 0 || n === 1) return i < 0 ? null : eps[i];
    // Second draw among the other n-1 slots, so the two choices are distinct.
    const d = Math.floor(this.random() * (n - 1));
    const j = indexFrom(eps, d >= i ? d + 1 : d, exclude);
    const a = eps[i];
    if (j === i) return a;
    const b = eps[j];
    return this.inflight(b.id) < this.inflight(a.id) ? b : a;
  }
}
