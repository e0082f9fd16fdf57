// Memo of one route's built rules across translations (docs/benchmarks/cluster.md "Gateway API"):
// a change to one HTTPRoute used to rebuild the rules of every route, and that garbage, not the
// live configuration, set the process's peak memory at 5,000 routes. Building a route's rules is a
// pure function of the route object, of what it reads from the store and of the options
// (read-memo.ts). The rules, the diagnostics, the clusters and the BackendTLSPolicy outcomes it
// produced are replayed in the same order, so the Snapshot is the one a rebuild would give, and
// unchanged rules keep their identity (the dataplane then keeps their compiled form, gateway-table.ts).
import type { StoreView } from '../../store/store.ts';
import { memoReads, newReadMemo } from '../read-memo.ts';
import type { Cluster } from '../../model/cluster.ts';
import type { Diagnostic } from '../../model/diagnostic.ts';
import type { PolicyOutcome } from './backend-tls.ts';

/** What building a route's rules writes besides its result: replayed on a hit. */
export interface RuleEffects {
  readonly clusters: Map<string, Cluster>;
  readonly diags: Diagnostic[];
  readonly used: Map<string, PolicyOutcome>;
}

const rulesMemo = newReadMemo();

/**
 * `build(view, effects)` for `route` through memoReads. Either way `into` receives the clusters
 * (first one per id wins, as resolveBackends does), diagnostics and policy outcomes in the order a
 * build would have written them.
 */
export function memoBuild<T>(route: object, options: string, view: StoreView, into: RuleEffects, build: (view: StoreView, effects: RuleEffects) => T): T {
  const e = memoReads(rulesMemo, route, options, view, (v) => {
    const effects: RuleEffects = { clusters: new Map(), diags: [], used: new Map() };
    const value = build(v, effects);
    return { value, clusters: [...effects.clusters], diags: effects.diags, used: [...effects.used] };
  });
  for (const [id, c] of e.clusters) if (!into.clusters.has(id)) into.clusters.set(id, c);
  into.diags.push(...e.diags);
  for (const [k, o] of e.used) into.used.set(k, o);
  return e.value;
}

type PartsEntry = { readonly parts: readonly object[]; readonly value: unknown };
const byFirstPart = new WeakMap<object, Map<string, PartsEntry>>();

/**
 * `build()` for a value made only of `parts` (memoBuild results, compared by identity) under
 * `key`, or the value it gave for the same parts before: a listener host whose routes did not
 * change keeps its GatewayHost, sorted rules included. Kept with the first part, so it goes when
 * that route's rules do.
 */
export function memoParts<T>(key: string, parts: readonly object[], build: () => T): T {
  if (parts.length === 0) return build();
  let m = byFirstPart.get(parts[0]);
  if (m === undefined) byFirstPart.set(parts[0], (m = new Map<string, PartsEntry>()));
  const e = m.get(key);
  if (e !== undefined && e.parts.length === parts.length && e.parts.every((p, i) => p === parts[i])) return e.value as T;
  const value = build();
  m.set(key, { parts: [...parts], value });
  return value;
}
