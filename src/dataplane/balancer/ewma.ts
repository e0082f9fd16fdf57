import type { Endpoint } from '../../model/endpoint.ts';
import { weightOf, type Balancer } from './balancer.ts';
import { TwoChoicesBalancer } from './two-choices.ts';

/**
 * ingress-nginx `load-balance: ewma` (rootfs/etc/nginx/lua/balancer/ewma.lua): every endpoint
 * keeps an exponentially weighted moving average of its response time, decaying with a 10 s
 * time constant; a pick draws two endpoints at random and takes the lower score = decayed
 * average / weight. The averages live in the endpoint state (dataplane/upstream), so they are
 * shared by every route and survive config swaps; `latency(id)` reads them decayed to now.
 * O(1) per pick.
 */
export class EwmaBalancer extends TwoChoicesBalancer implements Balancer {
  readonly policy = 'ewma' as const;
  private readonly latency: (id: string) => number;

  constructor(latency: (id: string) => number, random: () => number = Math.random) {
    super(random);
    this.latency = latency;
  }

  protected prefer(b: Endpoint, a: Endpoint): boolean {
    return this.latency(b.id) / weightOf(b) < this.latency(a.id) / weightOf(a);
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
