// A Route compiled at apply time (ARCHITECTURE.md hot-path rule 2): everything the request path
// needs is resolved here once, and every field is set in the constructor so V8 sees one shape.

import type { Route } from '../../model/route.ts';
import type { Counter, Histogram } from 'prom-client';
import type { Metrics } from '../../util/metrics.ts';
import type { ClusterRuntime } from '../upstream/cluster-runtime.ts';
import type { PolicyChain } from './policies/chain.ts';
import { RouteBalancing } from './route-balancing.ts';
import { CompiledActions } from './route-actions.ts';
import { CanaryAffinity } from './canary-affinity.ts';
import type { CompiledUpstream } from '../upstream/compiled-upstream.ts';

type CounterChild = ReturnType<Counter<'ingress' | 'service' | 'code'>['labels']>;
type HistogramChild = ReturnType<Histogram<'ingress' | 'service'>['labels']>;

/** prom-client's per-label-set histogram record (lib/histogram.js createBaseValues). */
interface HistogramEntry {
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}
/** The internals read by the fast path; checked at run time, never assumed. */
interface HistogramInternals {
  hashMap?: Record<string, HistogramEntry | undefined>;
  upperBounds?: readonly number[];
}
/** prom-client's counter record (lib/util.js setValue). */
interface CounterEntry {
  value: number;
}
interface CounterInternals {
  hashMap?: Record<string, CounterEntry | undefined>;
}

/** Bucket bounds → the property keys prom-client stores them under (String(bound)), computed once. */
let boundKeysFor: readonly number[] | null = null;
let boundKeys: string[] = [];
function keysOf(bounds: readonly number[]): string[] {
  if (bounds !== boundKeysFor) {
    boundKeysFor = bounds;
    boundKeys = bounds.map(String);
  }
  return boundKeys;
}

const CLASS_NAMES = ['other', '1xx', '2xx', '3xx', '4xx', '5xx'];

export class CompiledRoute {
  readonly id: string;
  readonly route: Route;
  readonly ingress: string;
  readonly service: string;
  readonly sslRedirect: boolean;
  /** Null when the backend is unavailable (then `unavailableReason` is set) → 503. */
  readonly cluster: ClusterRuntime | null;
  readonly unavailableReason: string | null;
  /** The 503 body text, built here once: which Service and why (README "Routing rules"). */
  readonly unavailableMessage: string | null;
  /** Access policies in ACCESS_ORDER, or null: routes without policies pay nothing. */
  readonly policies: PolicyChain | null;
  /** Hash key, affinity cookie or policy the Ingress asked for; null = the cluster's balancer. */
  readonly balancing: RouteBalancing | null;
  /** Annotation actions (redirects, rewrite, canary…), null for a plain route. */
  readonly actions: CompiledActions | null;
  /** Cookie affinity / hashing through a canary split (canary-affinity.ts); null when no side balances by its own. */
  readonly canaryAffinity: CanaryAffinity | null;
  /** Protocol, TLS pools, timeouts, retries, body limit (null: process defaults, nothing to check). */
  readonly upstream: CompiledUpstream | null;
  private readonly metrics: Metrics;
  private readonly codeCounters: (CounterChild | undefined)[] = [undefined, undefined, undefined, undefined, undefined, undefined];
  private durationChild: HistogramChild | null = null;
  /** Fast path (docs/benchmarks/http.md): prom-client's entry for this route's labels and its map key. */
  private durationEntry: HistogramEntry | null = null;
  private readonly durationKey: string;
  /** Same fast path for the request counter, per status class. */
  private readonly codeEntries: (CounterEntry | null)[] = [null, null, null, null, null, null];
  private readonly codeKeys: string[];
  /**
   * The prom-client maps the entries were found in: reset() replaces a metric's map, so an
   * identity check (no lookup in a map of every label set) tells the entries are still current.
   * Nothing in Portico calls remove() on these metrics.
   */
  private durationMap: object | null = null;
  private readonly codeMaps: (object | null)[] = [null, null, null, null, null, null];

  constructor(route: Route, cluster: ClusterRuntime | null, metrics: Metrics, upstream: CompiledUpstream | null = null,
    runtimeOf: (clusterId: string) => ClusterRuntime | null = () => null, policies: PolicyChain | null = null) {
    this.upstream = upstream;
    this.id = route.id;
    this.route = route;
    this.ingress = route.origin.ingress;
    this.service = route.service;
    this.sslRedirect = route.sslRedirect;
    this.cluster = cluster;
    this.unavailableReason = route.backend.kind === 'unavailable'
      ? route.backend.reason
      : cluster === null ? 'ClusterNotFound' : null;
    this.unavailableMessage = this.unavailableReason === null ? null
      : `${route.service ? `service ${route.service}` : 'backend'} unavailable (${this.unavailableReason}) for route ${route.id}`;
    this.balancing = route.balancing !== undefined && cluster !== null ? new RouteBalancing(route, cluster) : null;
    this.actions = route.actions === undefined ? null : new CompiledActions(route.actions, route.match, runtimeOf);
    const act = this.actions;
    this.canaryAffinity = act !== null && act.canary !== null && act.model.canary !== null
      ? CanaryAffinity.of(route, this.balancing, act.canary, act.model.canary) : null;
    if (act !== null) act.affinity = this.canaryAffinity;
    this.metrics = metrics;
    this.policies = policies;
    // prom-client's key for {ingress, service}: `name:value,` in sorted label-name order.
    this.durationKey = `ingress:${this.ingress},service:${this.service},`;
    this.codeKeys = CLASS_NAMES.map((c) => `code:${c},ingress:${this.ingress},service:${this.service},`);
  }

  /** The balancing a request picks with on `cluster` (the route's own, or its canary side's); null: the cluster's. */
  balancingFor(cluster: ClusterRuntime): RouteBalancing | null {
    if (cluster === this.cluster) return this.balancing;
    return this.canaryAffinity === null ? null : this.canaryAffinity.balancingFor(cluster);
  }

  /** Count one finished request (README "Admin server"); label children cached per status class. */
  observe(status: number, seconds: number): void {
    const cls = status >= 100 && status < 600 ? Math.floor(status / 100) : 0;
    const counters = (this.metrics.httpRequests as unknown as CounterInternals).hashMap;
    const ce = this.codeEntries[cls];
    if (ce !== null && counters === this.codeMaps[cls]) {
      ce.value++;
    } else {
      let c = this.codeCounters[cls];
      if (c === undefined) {
        c = this.metrics.httpRequests.labels(this.ingress, this.service, CLASS_NAMES[cls]);
        this.codeCounters[cls] = c;
      }
      c.inc();
      const found = counters?.[this.codeKeys[cls]];
      this.codeEntries[cls] = found !== undefined && typeof found.value === 'number' ? found : null;
      this.codeMaps[cls] = counters ?? null;
    }
    // prom-client's child observe() validates the labels and rebuilds their hash string on every
    // call (visible in a small request's CPU profile, docs/benchmarks/http.md). Once the entry exists, update
    // it directly — the same three fields observe() updates; a reset (new map) or an unexpected
    // prom-client shape goes back through the API.
    const internals = this.metrics.httpDuration as unknown as HistogramInternals;
    const e = this.durationEntry;
    if (e !== null && internals.hashMap === this.durationMap) {
      const bounds = internals.upperBounds as readonly number[];
      const keys = keysOf(bounds);
      for (let i = 0; i < bounds.length; i++) {
        if (seconds <= bounds[i]) {
          (e.bucketValues as unknown as Record<string, number>)[keys[i]]++;
          break;
        }
      }
      e.sum += seconds;
      e.count++;
      return;
    }
    if (this.durationChild === null) this.durationChild = this.metrics.httpDuration.labels(this.ingress, this.service);
    this.durationChild.observe(seconds);
    const found = internals.hashMap?.[this.durationKey];
    this.durationEntry = found !== undefined && Array.isArray(internals.upperBounds) && typeof found.count === 'number' ? found : null;
    this.durationMap = internals.hashMap ?? null;
  }
}
