import type { Balancer, BalancerOptions } from './balancer.ts';
import { RoundRobinBalancer } from './round-robin.ts';

export type { Balancer, BalancerOptions, PickContext } from './balancer.ts';

/**
 * The one place a policy name becomes a Balancer. least-connections, source-hash and the ClientIP
 * affinity wrapper arrive with the L4 work (issue #5); until then every policy is round-robin.
 */
export function createBalancer(opts: BalancerOptions): Balancer {
  switch (opts.policy) {
    default:
      return new RoundRobinBalancer();
  }
}
