// Affinity through a canary split (ingress-nginx rootfs/etc/nginx/lua/balancer.lua
// route_to_alternative_balancer, balancer/sticky.lua is_affinitized, and
// internal/ingress/controller/controller.go mergeAlternativeBackend):
// - the canary backend balances with the main route's cookie affinity (mergeAlternativeBackend
//   copies the primary's SessionAffinity to the alternative unless the canary Ingress says
//   `affinity-canary-behavior: legacy`), else with the canary Ingress's own `upstream-hash-by` or
//   `load-balance` (the only other annotations a canary keeps, docs "Canary"; balancer.lua
//   get_implementation: cookie affinity first);
// - a request whose affinity cookie was issued by one side stays on that side, before any
//   header, cookie or weight rule is looked at (is_affinitized on the primary, then on the
//   alternative); the cookie value carries the side, as ingress-nginx's `value|backend_key` does:
//   the main side's values are unchanged, the canary side's end in a tag derived from its cluster;
// - on hashing routes (upstream-hash-by on the main Ingress) the weight rule places a key by its
//   hash instead of a random draw, so one key keeps one side while the weight stays (deliberate difference: ingress-nginx re-draws per request unless its
//   bounded-load hashing remembers the key; README "Balancing and health").

import { createHash } from 'node:crypto';
import type { Route } from '../../model/route.ts';
import type { CanaryAction } from '../../model/route-actions.ts';
import { cookieValue, type HashInput } from '../balancer/hash-key.ts';
import { hashString } from '../balancer/hash.ts';
import type { ClusterRuntime } from '../upstream/cluster-runtime.ts';
import { RouteBalancing } from './route-balancing.ts';

export class CanaryAffinity {
  /** The route's own balancing (null: its cluster's balancer). */
  private readonly main: RouteBalancing | null;
  /** The canary side's balancing; null: the canary cluster's own balancer. */
  readonly canary: RouteBalancing | null;
  private readonly weight: number;
  private readonly weightTotal: number;

  /** Null when neither side balances by anything of its own (nothing to do here). */
  static of(route: Route, main: RouteBalancing | null, canaryCluster: ClusterRuntime, k: CanaryAction): CanaryAffinity | null {
    const cookie = k.affinityLegacy === true ? null : route.balancing?.cookie ?? null;
    const own = k.balancing;
    const side = cookie !== null ? { policy: route.balancing?.policy ?? null, hashBy: null, cookie }
      : own !== undefined ? own : null;
    if (main === null && side === null) return null;
    const canary = side === null ? null : new RouteBalancing({ ...route, balancing: side }, canaryCluster, canaryTag(canaryCluster.id));
    return new CanaryAffinity(main, canary, k);
  }

  private constructor(main: RouteBalancing | null, canary: RouteBalancing | null, k: CanaryAction) {
    this.main = main;
    this.canary = canary;
    this.weight = k.weight;
    this.weightTotal = k.weightTotal;
  }

  /**
   * The side the request's affinity cookie holds it to: true = canary, false = main, null = no
   * (valid) cookie, the canary rules decide.
   */
  side(raw: readonly string[]): boolean | null {
    const s = this.main?.sticky ?? null;
    if (s === null) return null;
    const v = cookieValue(raw, s.name);
    if (v === '') return null;
    const c = this.canary?.sticky ?? null;
    if (c !== null && c.accept(v) !== '') return true;
    return s.accept(v) !== '' ? false : null;
  }

  /**
   * The weight rule for a hashing route: the key's place on [1, weightTotal] instead of a random
   * draw (null when the route does not hash or the key is empty: the random draw then).
   */
  byKey(input: HashInput): boolean | null {
    const h = this.main?.hashKey ?? null;
    if (h === null) return null;
    const key = h(input);
    if (key === '') return null;
    // A salt so the side is independent of the key's place on the endpoints' ring.
    return (hashString(`canary\0${key}`) % this.weightTotal) + 1 <= this.weight;
  }

  /** The canary side's balancing when `cluster` is the canary's, else null (the cluster's own balancer). */
  balancingFor(cluster: ClusterRuntime): RouteBalancing | null {
    return this.canary !== null && cluster === this.canary.cluster ? this.canary : null;
  }
}

/** `-` and 8 hex digits of SHA-256 over the canary cluster's id: opaque, stable across processes. */
function canaryTag(clusterId: string): string {
  return '-' + createHash('sha256').update(`portico-canary-v1\0${clusterId}`).digest('hex').slice(0, 8);
}
