import type { Endpoint } from '../../model/endpoint.ts';
import { weightOf, type Balancer, type PickContext } from './balancer.ts';

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * ipvs `wrr` (ipvsadm(8): "assigns jobs to real servers proportionally to their weights";
 * net/netfilter/ipvs/ip_vs_wrr.c ip_vs_wrr_schedule): interleaved weighted round robin. A
 * position `i` and a current weight `cw` step through the list; when `i` wraps, `cw` drops by
 * the gcd of the weights (back to the maximum below 1); the first endpoint whose weight ≥ `cw`
 * is chosen. Weight-0 endpoints are never chosen. With equal weights (every Kubernetes
 * endpoint) it is plain round robin. Cost per pick: O(1) amortised for equal weights, at most
 * n·(max/gcd) steps otherwise, as in the kernel.
 */
export class WeightedRoundRobinBalancer implements Balancer {
  readonly policy = 'weighted-round-robin' as const;
  private endpoints: readonly Endpoint[] = [];
  private i = -1;
  private cw = 0;
  private max = 0;
  private g = 1;

  get size(): number {
    return this.endpoints.length;
  }

  update(endpoints: readonly Endpoint[]): void {
    this.endpoints = endpoints;
    let max = 0;
    let g = 0;
    for (const e of endpoints) {
      const w = weightOf(e);
      if (w > max) max = w;
      if (w > 0) g = g === 0 ? w : gcd(g, w);
    }
    this.max = max;
    this.g = g === 0 ? 1 : g;
    // ip_vs_wrr_dest_changed: restart the scan, cw capped at the new maximum.
    if (this.i >= endpoints.length) this.i = -1;
    if (this.cw > max) this.cw = max;
  }

  pick(_ctx: PickContext, exclude?: ReadonlySet<string> | null): Endpoint | null {
    const eps = this.endpoints;
    const n = eps.length;
    if (n === 0 || this.max <= 0) return null;
    // One full cycle visits every (endpoint, cw) pair once: n · max/gcd steps.
    const steps = n * Math.ceil(this.max / this.g);
    for (let s = 0; s < steps; s++) {
      this.i = this.i + 1 === n ? 0 : this.i + 1;
      if (this.i === 0) {
        this.cw -= this.g;
        if (this.cw <= 0) this.cw = this.max;
      }
      const e = eps[this.i];
      if (weightOf(e) >= this.cw && (!exclude || !exclude.has(e.id))) return e;
    }
    return null;
  }
}
