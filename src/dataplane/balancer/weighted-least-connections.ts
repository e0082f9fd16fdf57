import type { Endpoint } from '../../model/endpoint.ts';
import { weightOf, type Balancer, type PickContext } from './balancer.ts';

/**
 * ipvs `wlc` (ipvsadm(8): "assigns more jobs to servers with fewer jobs and relative to the real
 * servers' weight (Ci/Wi)"; net/netfilter/ipvs/ip_vs_wlc.c): the endpoint with the least
 * connections ÷ weight. The kernel compares C_i·W_j < C_j·W_i to stay in integers and keeps the
 * first of equals; weight-0 endpoints are skipped. Portico counts active connections only (the
 * kernel's overhead adds inactive ones/256, which a proxy does not have). O(n) per pick, as in
 * the kernel.
 */
export class WeightedLeastConnectionsBalancer implements Balancer {
  readonly policy: 'weighted-least-connections' | 'shortest-expected-delay' | 'never-queue' = 'weighted-least-connections';
  protected endpoints: readonly Endpoint[] = [];
  protected readonly inflight: (id: string) => number;

  constructor(inflight: (id: string) => number) {
    this.inflight = inflight;
  }

  get size(): number {
    return this.endpoints.length;
  }

  update(endpoints: readonly Endpoint[]): void {
    this.endpoints = endpoints;
  }

  /** The overhead the scheduler minimises (÷ weight): C for wlc, C + 1 for sed/nq. */
  protected overhead(c: number): number {
    return c;
  }

  pick(_ctx: PickContext, exclude?: ReadonlySet<string> | null): Endpoint | null {
    const eps = this.endpoints;
    let best: Endpoint | null = null;
    let bestOh = 0;
    let bestW = 1;
    for (let i = 0; i < eps.length; i++) {
      const e = eps[i];
      const w = weightOf(e);
      if (w <= 0 || (exclude && exclude.has(e.id))) continue;
      const oh = this.overhead(this.inflight(e.id));
      // oh/w < bestOh/bestW without division.
      if (best === null || oh * bestW < bestOh * w) {
        best = e;
        bestOh = oh;
        bestW = w;
      }
    }
    return best;
  }
}
