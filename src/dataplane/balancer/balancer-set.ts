// The balancers of one cluster, shared by the HTTP cluster runtime and the L4 cluster state: one
// per distinct balancing spec (the Service's own, and each one an Ingress asks for), kept across
// snapshots and rebuilt only when the spec changes — so round-robin positions, ClientIP affinity
// tables and hash rings survive a config swap — and all updated together on the EndpointSlice
// fast path.

import type { BalancerPolicy, SessionAffinity } from '../../model/cluster.ts';
import type { Endpoint } from '../../model/endpoint.ts';
import type { Balancer, LoadWatch, PickContext } from './balancer.ts';
import { createBalancer } from './index.ts';
import { PersistentCookieBalancer } from './cookie-persistent.ts';
import { RingHashBalancer } from './ring-hash.ts';

export interface BalancerSpec {
  readonly policy: BalancerPolicy;
  readonly affinity: SessionAffinity | null;
  /** Hash subsets (`upstream-hash-by-subset-size`); 0 = none. */
  readonly subsetSize: number;
  /** Cookie affinity mode; null = none. */
  readonly cookie: 'balanced' | 'persistent' | null;
}

/**
 * Whether two specs make the same balancer: equal specKeys, compared without building them. The
 * Record lists every BalancerSpec field, so a new one fails to compile until it is compared here.
 */
function sameSpec(a: BalancerSpec, b: BalancerSpec): boolean {
  const same: Record<keyof BalancerSpec, boolean> = {
    policy: a.policy === b.policy,
    affinity: sameAffinity(a.affinity, b.affinity),
    subsetSize: a.subsetSize === b.subsetSize,
    cookie: a.cookie === b.cookie,
  };
  return same.policy && same.affinity && same.subsetSize && same.cookie;
}

/** As specKey reads an affinity: None (or none) is one value whatever its timeout. */
function sameAffinity(a: SessionAffinity | null, b: SessionAffinity | null): boolean {
  const an = a === null || a.type === 'None';
  const bn = b === null || b.type === 'None';
  if (an || bn) return an && bn;
  const same: Record<keyof SessionAffinity, boolean> = { type: a.type === b.type, timeoutSeconds: a.timeoutSeconds === b.timeoutSeconds };
  return same.type && same.timeoutSeconds;
}

export function specKey(s: BalancerSpec): string {
  const a = s.affinity === null || s.affinity.type === 'None' ? '-' : `${s.affinity.type}/${s.affinity.timeoutSeconds}`;
  return `${s.policy}|${a}|${s.subsetSize}|${s.cookie ?? '-'}`;
}

export interface BalancerDeps {
  readonly clusterId: string;
  readonly inflight: (id: string) => number;
  /** Change feed of `inflight` (lc/wlc/sed/nq index instead of scanning). */
  readonly watch?: LoadWatch;
  readonly latency?: (id: string) => number;
  readonly total?: () => number;
  readonly now?: () => number;
  readonly random?: () => number;
}

export class BalancerSet {
  private readonly deps: BalancerDeps;
  private readonly byKey = new Map<string, Balancer>();
  private readonly keyOf = new Map<Balancer, string>();
  private readonly used = new Set<string>();
  private endpoints: readonly Endpoint[] = [];
  private defaultKey = '';
  private defaultSpec: BalancerSpec;
  /** The cluster's own balancer (Service policy and affinity). */
  default: Balancer;
  /** Some balancer here reads smoothed latencies (ewma): only then are they kept up to date. */
  usesLatency = false;

  constructor(spec: BalancerSpec, deps: BalancerDeps) {
    this.deps = deps;
    this.default = this.get(spec);
    this.defaultKey = specKey(spec);
    this.defaultSpec = spec;
  }

  /** The cluster's own spec changed (or not): a new balancer only for a new spec. */
  setDefault(spec: BalancerSpec): void {
    // The common apply: the Service's policy and affinity did not change — no key to build.
    if (spec === this.defaultSpec || sameSpec(spec, this.defaultSpec)) {
      this.defaultSpec = spec;
      this.used.add(this.defaultKey);
      return;
    }
    this.defaultSpec = spec;
    const key = specKey(spec);
    if (key === this.defaultKey) {
      this.used.add(key);
      return;
    }
    this.default = this.get(spec);
    this.defaultKey = key;
  }

  /** The balancer for `spec`, reused when one exists; marks it used for the next `prune`. */
  get(spec: BalancerSpec): Balancer {
    const key = specKey(spec);
    this.used.add(key);
    let b = this.byKey.get(key);
    if (b === undefined) {
      b = this.create(spec);
      b.update(this.endpoints);
      this.byKey.set(key, b);
      this.keyOf.set(b, key);
    }
    return b;
  }

  /** Start of an apply: balancers not asked for again before `prune` are dropped. */
  beginApply(): void {
    this.used.clear();
    this.used.add(this.defaultKey);
  }

  /** A route compiled earlier and kept by this apply still uses `b`. */
  keep(b: Balancer): void {
    const key = this.keyOf.get(b);
    if (key !== undefined) this.used.add(key);
  }

  prune(): void {
    for (const [key, b] of this.byKey) {
      if (!this.used.has(key)) {
        this.byKey.delete(key);
        this.keyOf.delete(b);
        b.dispose?.();
      }
    }
  }

  /** The cluster is gone: every balancer lets go of the load feed. */
  dispose(): void {
    for (const b of this.byKey.values()) b.dispose?.();
    this.byKey.clear();
    this.keyOf.clear();
  }

  /**
   * New endpoint list for every balancer. An apply hands the same list again (new array, same
   * endpoints): then nothing is rebuilt, so hash rings and tables cost nothing on reloads.
   */
  update(endpoints: readonly Endpoint[]): void {
    const same = sameEndpoints(this.endpoints, endpoints);
    this.endpoints = endpoints;
    if (same) return;
    for (const b of this.byKey.values()) b.update(endpoints);
  }

  get count(): number {
    return this.byKey.size;
  }

  private create(spec: BalancerSpec): Balancer {
    const d = this.deps;
    if (spec.policy === 'ewma') this.usesLatency = true;
    if (spec.cookie === 'balanced') return new RingHashBalancer();
    const inner = createBalancer({
      policy: spec.policy,
      ...(spec.affinity !== null && spec.cookie === null ? { affinity: spec.affinity } : {}),
      inflight: d.inflight,
      ...(d.watch ? { watch: d.watch } : {}),
      ...(d.latency ? { latency: d.latency } : {}),
      ...(d.total ? { total: d.total } : {}),
      ...(d.now ? { now: d.now } : {}),
      ...(d.random ? { random: d.random } : {}),
      subsetSize: spec.subsetSize,
    });
    return spec.cookie === 'persistent' ? new PersistentCookieBalancer(inner, d.clusterId) : inner;
  }
}

/**
 * The Endpoint fields a balancer depends on, compared by sameEndpoints (`address` and `port` are
 * in `id`). A new Endpoint field fails to compile here until it is placed.
 */
const ENDPOINT_FIELDS_COMPARED: Record<keyof Endpoint, 'compared' | 'in id'> = {
  id: 'compared', address: 'in id', port: 'in id', ready: 'compared', hostname: 'compared', weight: 'compared',
};
void ENDPOINT_FIELDS_COMPARED;

/** Same endpoints, in order, for every field a balancer reads (ENDPOINT_FIELDS_COMPARED). */
export function sameEndpoints(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.id !== y.id || x.ready !== y.ready || x.weight !== y.weight || x.hostname !== y.hostname) return false;
  }
  return true;
}

/**
 * A pick that passes over endpoints `available` rejects (ejected, failing active checks) while
 * an available one is left; when none is, the pick ignores availability (panic mode: better a
 * try than a certain 503; Envoy's healthy panic threshold does the same). At most n+1 picks.
 */
export function pickAvailable(b: Balancer, ctx: PickContext, exclude: ReadonlySet<string> | null,
  available: (id: string) => boolean, onPanic?: () => void): Endpoint | null {
  let skipped: Set<string> | null = null;
  const n = b.size;
  for (let i = 0; i <= n; i++) {
    const e = b.pick(ctx, skipped ?? exclude);
    if (e === null) break;
    if (available(e.id)) return e;
    if (skipped === null) skipped = new Set(exclude ?? []);
    skipped.add(e.id);
  }
  if (skipped === null) return null;
  const e = b.pick(ctx, exclude);
  if (e !== null) onPanic?.();
  return e;
}
