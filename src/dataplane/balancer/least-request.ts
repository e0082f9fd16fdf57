import type { Endpoint } from '../../model/endpoint.ts';
import type { Balancer } from './balancer.ts';
import { TwoChoicesBalancer } from './two-choices.ts';

/**
 * Power of two choices on in-flight requests (Mitzenmacher, "The Power of Two Choices in
 * Randomized Load Balancing", 2001; Envoy's LEAST_REQUEST default `choice_count: 2`): draw two
 * distinct endpoints at random and take the one with fewer requests in flight. O(1) per pick,
 * and unlike a full least-connections scan it does not send a burst of new requests to the one
 * endpoint that just went idle.
 */
export class LeastRequestBalancer extends TwoChoicesBalancer implements Balancer {
  readonly policy = 'least-request' as const;
  private readonly inflight: (id: string) => number;

  constructor(inflight: (id: string) => number, random: () => number = Math.random) {
    super(random);
    this.inflight = inflight;
  }

  protected prefer(b: Endpoint, a: Endpoint): boolean {
    return this.inflight(b.id) < this.inflight(a.id);
  }
}
