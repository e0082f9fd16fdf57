import type { Endpoint } from '../../model/endpoint.ts';
import type { Balancer, PickContext } from './balancer.ts';

interface AffinityEntry {
  endpoint: Endpoint;
  lastUsed: number;
}

/** Expired entries are swept lazily every this many new entries (SPEC §5.2 "swept periodically"). */
const SWEEP_EVERY = 1024;

/**
 * `sessionAffinity: ClientIP` (SPEC §5.2) around any policy: key = client IP (port ignored); a
 * client seen within `timeoutSeconds` of its last use goes back to the same endpoint and refreshes
 * the entry; otherwise the inner policy picks and the choice is recorded. Entries of endpoints
 * that disappear are dropped on `update`; `forget` resets a client after a failed dial; a pick
 * that excludes the remembered endpoint (a retry) also re-picks. No timer: time comes from the
 * injected clock and expired entries are swept lazily.
 */
export class AffinityBalancer implements Balancer {
  readonly inner: Balancer;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly table = new Map<string, AffinityEntry>();
  private ids = new Set<string>();
  private inserts = 0;

  constructor(inner: Balancer, timeoutSeconds: number, now: () => number = Date.now) {
    this.inner = inner;
    // SPEC §5.2: 0 means the default 10800 s (userspace proxier).
    this.timeoutMs = (timeoutSeconds > 0 ? timeoutSeconds : 10800) * 1000;
    this.now = now;
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

  /** Clients currently remembered (expired entries not yet swept included). */
  get entries(): number {
    return this.table.size;
  }

  update(endpoints: readonly Endpoint[]): void {
    this.inner.update(endpoints);
    const ids = new Set<string>();
    for (const e of endpoints) ids.add(e.id);
    this.ids = ids;
    for (const [ip, entry] of this.table) if (!ids.has(entry.endpoint.id)) this.table.delete(ip);
  }

  pick(ctx: PickContext, exclude?: ReadonlySet<string> | null): Endpoint | null {
    const t = this.now();
    const entry = this.table.get(ctx.clientIp);
    if (entry !== undefined) {
      const e = entry.endpoint;
      if (t - entry.lastUsed <= this.timeoutMs && this.ids.has(e.id) && (!exclude || !exclude.has(e.id))) {
        entry.lastUsed = t;
        return e;
      }
    }
    const e = this.inner.pick(ctx, exclude);
    if (e === null) {
      if (entry !== undefined) this.table.delete(ctx.clientIp);
      return null;
    }
    if (entry !== undefined) {
      entry.endpoint = e;
      entry.lastUsed = t;
    } else {
      this.table.set(ctx.clientIp, { endpoint: e, lastUsed: t });
      if (++this.inserts % SWEEP_EVERY === 0) this.sweep(t);
    }
    return e;
  }

  forget(clientIp: string): void {
    this.table.delete(clientIp);
  }

  /** Drop entries idle for longer than the timeout. */
  sweep(t: number = this.now()): void {
    for (const [ip, entry] of this.table) if (t - entry.lastUsed > this.timeoutMs) this.table.delete(ip);
  }
}
