import type { Endpoint } from '../../model/endpoint.ts';
import { weightOf, type Balancer, type PickContext } from './balancer.ts';
import { indexFrom } from './random.ts';

/**
 * ingress-nginx `load-balance: ewma` (rootfs/etc/nginx/lua/balancer/ewma.lua): every endpoint
 * keeps an exponentially weighted moving average of its response time, decaying with a 10 s
 * time constant; a pick draws two endpoints at random and takes the lower score = decayed
 * average / weight. The averages live in the endpoint state (dataplane/upstream), so they are
 * shared by every route and survive config swaps; `latency(id)` reads them decayed to now.
 * O(1) per pick.
 */
export class EwmaBalancer implements Balancer {
  readonly policy = 'ewma' as const;
  private endpoints: readonly Endpoint[] = [];
  private readonly latency: (id: string) => number;
  private readonly random: () => number;

  constructor(latency: (id: string) => number, random: () => number = Math.random) {
    this.latency = latency;
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
    const d = Math.floor(this.random() * (n - 1));
    const j = indexFrom(eps, d >= i ? d + 1 : d, exclude);
    const a = eps[i];
    if (j === i) return a;
    const b = eps[j];
    return this.latency(b.id) / weightOf(b) < this.latency(a.id) / weightOf(a) ? b : a;
  }
}

/** ewma.lua DECAY_TIME. */
export const EWMA_DECAY_MS = 10_000;

/**
 * ewma.lua decay_ewma: the old average weighs exp(-Δt / decay), the new sample the rest. With
 * `sample` 0 it is the score read at pick time (an idle endpoint's average fades towards 0, so it
 * is tried again).
 */
export function decayEwma(ewma: number, lastMs: number, sample: number, nowMs: number): number {
  const td = nowMs > lastMs ? nowMs - lastMs : 0;
  const w = Math.exp(-td / EWMA_DECAY_MS);
  return ewma * w + sample * (1 - w);
}
