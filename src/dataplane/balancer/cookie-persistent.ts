import { createHash } from 'node:crypto';
import type { Endpoint } from '../../model/endpoint.ts';
import type { Balancer, PickContext } from './balancer.ts';

/**
 * `affinity: cookie` with `affinity-mode: persistent` (ingress-nginx
 * rootfs/etc/nginx/lua/balancer/sticky_persistent.lua): the cookie names the endpoint itself, so
 * a session stays on its endpoint for as long as that endpoint exists, whatever the scaling.
 * The cookie value is an opaque token, never the address: a hash of the cluster id and the
 * endpoint id under a fixed domain-separation label, so every Portico process (and every restart)
 * derives the same token for the same endpoint, and a value nobody issued matches nothing. A
 * token that is unknown (tampered, or its endpoint is gone) or whose endpoint is excluded falls
 * to the inner policy; the caller then issues a new cookie. O(1) per pick (one Map lookup).
 */
export class PersistentCookieBalancer implements Balancer {
  readonly inner: Balancer;
  private readonly clusterId: string;
  private byToken = new Map<string, Endpoint>();
  private tokens = new Map<string, string>();

  constructor(inner: Balancer, clusterId: string) {
    this.inner = inner;
    this.clusterId = clusterId;
  }

  get policy(): Balancer['policy'] {
    return this.inner.policy;
  }

  get size(): number {
    return this.inner.size;
  }

  dispose(): void {
    this.inner.dispose?.();
  }

  update(endpoints: readonly Endpoint[]): void {
    this.inner.update(endpoints);
    const byToken = new Map<string, Endpoint>();
    const tokens = new Map<string, string>();
    for (const e of endpoints) {
      const t = this.tokens.get(e.id) ?? affinityToken(this.clusterId, e.id);
      byToken.set(t, e);
      tokens.set(e.id, t);
    }
    this.byToken = byToken;
    this.tokens = tokens;
  }

  pick(ctx: PickContext, exclude?: ReadonlySet<string> | null): Endpoint | null {
    const key = ctx.key;
    if (key) {
      const e = this.byToken.get(key);
      if (e !== undefined && (!exclude || !exclude.has(e.id))) return e;
    }
    return this.inner.pick(ctx, exclude);
  }

  /** The endpoint a cookie value names, if it names a current one. */
  endpointOf(token: string): Endpoint | undefined {
    return this.byToken.get(token);
  }

  tokenOf(e: Endpoint): string {
    return this.tokens.get(e.id) ?? affinityToken(this.clusterId, e.id);
  }
}

/** 128 bits of SHA-256("portico-affinity-v1\0" cluster "\0" endpoint), hex. */
export function affinityToken(clusterId: string, endpointId: string): string {
  return createHash('sha256').update(`portico-affinity-v1\0${clusterId}\0${endpointId}`).digest('hex').slice(0, 32);
}
