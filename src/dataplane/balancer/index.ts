import type { Balancer, BalancerOptions } from './balancer.ts';
import { RoundRobinBalancer } from './round-robin.ts';
import { LeastConnectionsBalancer } from './least-connections.ts';
import { SourceHashBalancer } from './source-hash.ts';
import { AffinityBalancer } from './affinity.ts';

export type { Balancer, BalancerOptions, PickContext } from './balancer.ts';

const NO_INFLIGHT = (): number => 0;

/**
 * The one place a policy name becomes a Balancer (README "TCP and UDP services (L4)": `portico.io/l4-balance`), wrapped in
 * ClientIP affinity when the Service asks for it (SPEC §5.2).
 */
export function createBalancer(opts: BalancerOptions): Balancer {
  let b: Balancer;
  switch (opts.policy) {
    case 'least-connections':
      b = new LeastConnectionsBalancer(opts.inflight ?? NO_INFLIGHT);
      break;
    case 'source-hash':
      b = new SourceHashBalancer();
      break;
    default:
      b = new RoundRobinBalancer();
  }
  if (opts.affinity?.type === 'ClientIP') b = new AffinityBalancer(b, opts.affinity.timeoutSeconds, opts.now);
  return b;
}
