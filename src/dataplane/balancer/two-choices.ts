import type { Endpoint } from '../../model/endpoint.ts';
import type { PickContext } from './balancer.ts';
import { indexFrom } from './random.ts';

/**
 * The draw the power-of-two-choices policies share (least-request, ewma): two distinct endpoints
 * at random, skipping excluded ones, and the one `prefer` says is better. O(1) per pick.
 * Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing", 2001.
 */
export abstract class TwoChoicesBalancer {
  private endpoints: readonly Endpoint[] = [];
  private readonly random: () => number;

  constructor(random: () => number) {
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
    return this.prefer(b, a) ? b : a;
  }

  /** Whether `b` should be picked over `a`; ties go to `a`, the first draw. */
  protected abstract prefer(b: Endpoint, a: Endpoint): boolean;
}
