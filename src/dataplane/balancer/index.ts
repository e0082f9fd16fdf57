import type { Balancer, BalancerOptions } from './balancer.ts';
import { RoundRobinBalancer } from './round-robin.ts';
import { LeastConnectionsBalancer } from './least-connections.ts';
import { SourceHashBalancer } from './source-hash.ts';
import { AffinityBalancer } from './affinity.ts';
import { RandomBalancer } from './random.ts';
import { LeastRequestBalancer } from './least-request.ts';
import { EwmaBalancer } from './ewma.ts';
import { RingHashBalancer } from './ring-hash.ts';
import { MaglevBalancer } from './maglev.ts';
import { HashSubsetBalancer } from './hash-subset.ts';
import { WeightedRoundRobinBalancer } from './weighted-round-robin.ts';
import { WeightedLeastConnectionsBalancer } from './weighted-least-connections.ts';
import { ShortestExpectedDelayBalancer } from './shortest-expected-delay.ts';
import { NeverQueueBalancer } from './never-queue.ts';
import { DestinationHashBalancer } from './destination-hash.ts';
import { IndexedLeastLoadBalancer } from './indexed-least-load.ts';
import type { LoadProbe } from './bounded-load.ts';

export type { Balancer, BalancerOptions, PickContext, LoadSource, LoadListener, LoadWatch } from './balancer.ts';

const NO_INFLIGHT = (): number => 0;

/**
 * The one place a policy name becomes a Balancer, wrapped in ClientIP affinity when the Service
 * asks for it (SPEC §5.2).
 */
export function createBalancer(opts: BalancerOptions): Balancer {
  const inflight = opts.inflight ?? NO_INFLIGHT;
  const random = opts.random ?? Math.random;
  let b: Balancer;
  const watch = opts.watch;
  switch (opts.policy) {
    case 'least-connections':
    case 'weighted-least-connections':
    case 'shortest-expected-delay':
    case 'never-queue':
      // With a change feed, an index (O(1) pick, O(log n) per change); without, the ipvs scans.
      if (watch !== undefined) {
        b = new IndexedLeastLoadBalancer(opts.policy, inflight, watch);
        break;
      }
      b = leastLoadScan(opts.policy, inflight);
      break;
    case 'source-hash':
      b = new SourceHashBalancer();
      break;
    case 'random':
      b = new RandomBalancer(random);
      break;
    case 'least-request':
      b = new LeastRequestBalancer(inflight, random);
      break;
    case 'ewma':
      b = new EwmaBalancer(opts.latency ?? NO_INFLIGHT, random);
      break;
    case 'ring-hash':
      b = opts.subsetSize !== undefined && opts.subsetSize > 0
        ? new HashSubsetBalancer(opts.subsetSize, random)
        : new RingHashBalancer(loadProbe(opts));
      break;
    case 'maglev':
      b = new MaglevBalancer(loadProbe(opts));
      break;
    case 'weighted-round-robin':
      b = new WeightedRoundRobinBalancer();
      break;
    case 'destination-hash':
      b = new DestinationHashBalancer();
      break;
    default:
      b = new RoundRobinBalancer();
  }
  if (opts.affinity?.type === 'ClientIP') b = new AffinityBalancer(b, opts.affinity.timeoutSeconds, opts.now);
  return b;
}

/** The scans that define lc, wlc, sed and nq (the indexed balancer's oracle). */
export function leastLoadScan(policy: 'least-connections' | 'weighted-least-connections' | 'shortest-expected-delay' | 'never-queue',
  inflight: (id: string) => number): Balancer {
  switch (policy) {
    case 'least-connections': return new LeastConnectionsBalancer(inflight);
    case 'weighted-least-connections': return new WeightedLeastConnectionsBalancer(inflight);
    case 'shortest-expected-delay': return new ShortestExpectedDelayBalancer(inflight);
    default: return new NeverQueueBalancer(inflight);
  }
}

/** Bounded load needs in-flight counts; without them the hashing is plain. */
function loadProbe(opts: BalancerOptions): LoadProbe | null {
  const inflight = opts.inflight;
  if (inflight === undefined) return null;
  const total = opts.total;
  if (total === undefined) return null;
  return { inflight, total };
}
