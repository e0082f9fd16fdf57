// A route's balancing compiled at apply time (ARCHITECTURE.md hot-path rule 2): which of its
// cluster's balancers it picks with (BalancerSet.get), how its hash key is made, and its affinity
// cookie. Precedence as ingress-nginx's balancer.lua get_implementation: cookie affinity, then
// `upstream-hash-by`, then `load-balance`, then the Service's own policy. Routes without any of
// these have no RouteBalancing and pick exactly as before (features that are off cost nothing).

import type { Route } from '../../model/route.ts';
import type { Endpoint } from '../../model/endpoint.ts';
import type { Balancer, PickContext } from '../balancer/index.ts';
import { specKey, type BalancerSpec } from '../balancer/balancer-set.ts';
import { PersistentCookieBalancer } from '../balancer/cookie-persistent.ts';
import { StickyCookie } from '../balancer/cookie-affinity.ts';
import { compileHashKey, cookieValue, headerValue, type HashInput, type HashKeyFn } from '../balancer/hash-key.ts';
import type { ClusterRuntime } from '../upstream/cluster-runtime.ts';

/** Re-draws of a balanced-mode key looking for one that lands on a non-failed endpoint. */
const REKEY_TRIES = 8;

export class RouteBalancing {
  readonly balancer: Balancer;
  readonly hashKey: HashKeyFn | null;
  readonly sticky: StickyCookie | null;
  readonly mode: 'balanced' | 'persistent' | null;
  /** The cluster whose balancer this is (the route's own, or its canary's: canary-affinity.ts). */
  readonly cluster: ClusterRuntime;
  private readonly route: Route;
  private readonly key: string;

  /** `cookieTag`: appended to the affinity cookie's values (StickyCookie.tag). */
  constructor(route: Route, cluster: ClusterRuntime, cookieTag = '') {
    this.route = route;
    this.cluster = cluster;
    const spec = specFor(route, cluster);
    this.key = specKey(spec);
    const b = route.balancing!;
    this.balancer = cluster.balancers.get(spec);
    this.hashKey = b.cookie === null && b.hashBy !== null ? compileHashKey(b.hashBy.parts) : null;
    this.sticky = b.cookie === null ? null : new StickyCookie(b.cookie, route.match.path, cookieTag);
    this.mode = b.cookie === null ? null : b.cookie.mode;
  }

  /** Whether this route still picks with the balancer its cluster's current Service settings give. */
  current(cluster: ClusterRuntime): boolean {
    return specKey(specFor(this.route, cluster)) === this.key;
  }

  /** The per-request picker; `input` is read here and not kept. */
  request(input: HashInput, https: boolean): PickRequest {
    const s = this.sticky;
    if (s === null) return new PickRequest(this, input.clientIp, this.hashKey === null ? '' : this.hashKey(input), '', https, '');
    const cookieIn = s.accept(cookieValue(input.rawHeaders, s.name));
    const key = this.mode === 'balanced' && cookieIn === '' ? s.newKey() : cookieIn;
    const ua = s.cfg.conditionalSameSiteNone && s.cfg.sameSite === 'None' ? headerValue(input.rawHeaders, 'user-agent') : '';
    return new PickRequest(this, input.clientIp, key, cookieIn, https, ua);
  }
}

function specFor(route: Route, cluster: ClusterRuntime): BalancerSpec {
  const b = route.balancing!;
  const base = cluster.cluster;
  // Persistent cookies: new sessions are placed by the route's (or the Service's) policy.
  if (b.cookie !== null) return { policy: b.policy ?? base.balancer, affinity: null, subsetSize: 0, cookie: b.cookie.mode };
  if (b.hashBy !== null) {
    return { policy: b.policy === 'maglev' ? 'maglev' : 'ring-hash', affinity: null, subsetSize: b.hashBy.subsetSize, cookie: null };
  }
  return { policy: b.policy ?? base.balancer, affinity: base.sessionAffinity, subsetSize: 0, cookie: null };
}

/** One request's balancing: its key, the cookie it came with, and the answer's Set-Cookie. */
export class PickRequest implements PickContext {
  readonly rb: RouteBalancing;
  readonly clientIp: string;
  key: string;
  readonly cookieIn: string;
  readonly https: boolean;
  readonly userAgent: string;

  constructor(rb: RouteBalancing, clientIp: string, key: string, cookieIn: string, https: boolean, userAgent: string) {
    this.rb = rb;
    this.clientIp = clientIp;
    this.key = key;
    this.cookieIn = cookieIn;
    this.https = https;
    this.userAgent = userAgent;
  }

  pick(cluster: ClusterRuntime, exclude: ReadonlySet<string> | null, now: number): Endpoint | null {
    const rb = this.rb;
    if (rb.mode === 'balanced' && exclude !== null && exclude.size > 0 && rb.sticky!.cfg.changeOnFailure) {
      // change-on-failure (sticky_balanced.lua pick_new_upstream): a new session key whose
      // endpoint did not fail this request, so the new cookie leads there next time too.
      for (let i = 0; i < REKEY_TRIES; i++) {
        const k = rb.sticky!.newKey();
        const e = rb.balancer.pick({ clientIp: this.clientIp, key: k }, null);
        if (e !== null && !exclude.has(e.id)) {
          this.key = k;
          break;
        }
      }
    }
    return cluster.pickWith(rb.balancer, this, exclude, now);
  }

  /**
   * The Set-Cookie for the endpoint that answered, or null when the client's cookie already
   * leads there (or must be kept: change-on-failure off and its endpoint only failed this once).
   */
  setCookie(e: Endpoint, exclude: ReadonlySet<string> | null, now: number): string | null {
    const rb = this.rb;
    const s = rb.sticky;
    if (s === null) return null;
    let value: string;
    if (rb.mode === 'persistent') {
      const b = rb.balancer as PersistentCookieBalancer;
      value = b.tokenOf(e);
      if (value !== this.cookieIn && this.cookieIn !== '' && !s.cfg.changeOnFailure) {
        const named = b.endpointOf(this.cookieIn);
        if (named !== undefined && exclude !== null && exclude.has(named.id)) return null;
      }
    } else {
      value = this.key;
    }
    return value === this.cookieIn ? null : s.header(value, this.https, this.userAgent, now);
  }
}
