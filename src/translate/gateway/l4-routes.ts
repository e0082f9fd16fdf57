// TCPRoute and UDPRoute → L4Routes of the L4 module (README "TCP and UDP services (L4)"), one per
// served TCP or UDP listener, bound on the listener's port plus --gateway-port-offset (gateway-api
// apis/v1alpha2 tcproute_types.go, udproute_types.go). A listener forwards to one route: the oldest
// attached (then `namespace/name`); later ones get Accepted False/ListenerInUse there. The rule
// (exactly one) forwards to its backendRefs. Several with weight > 0 split the listener's
// connections (UDP: sessions, one per client address:port) by weight, by a smooth weighted
// round-robin per listener (dataplane/l4/weighted-targets.ts); shared_types.go BackendRef.Weight:
// "the proportion of requests forwarded to the referenced backend ... weight/(sum of all weights in
// this BackendRefs list)", weight 0 none (dropped by resolveBackends). A ref that cannot be resolved
// keeps its weight and its share is rejected, TCP connections closed at once, UDP datagrams dropped
// (tcproute_types.go TCPRouteRule.BackendRefs: "MUST actively reject connection attempts to this
// backend. Connection rejections must respect weight; if an invalid backend is requested to have 80%
// of connections, then 80% of connections must be rejected instead"; udproute_types.go the same).
// A malformed ref (checkBackendRef) still leaves the route unserved. TLSRoute (tls-routes.ts) keeps
// one backend: several with weight > 0 are UnsupportedValue there.
import type { TCPRoute } from '../../k8s/gateway-types.ts';
import { nsName } from '../../k8s/keys.ts';
import type { StoreView } from '../../store/store.ts';
import type { Cluster } from '../../model/cluster.ts';
import type { L4Backend, L4Route } from '../../model/l4.ts';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../model/diagnostic.ts';
import type { GatewayListeners, ServedListener } from './listeners.ts';
import { gatewayRef } from './listeners.ts';
import { checkBackendRef, resolveBackends } from './backends.ts';
import { compareAge, isGatewayRef, namespaceAllowed, visitParents } from './parents.ts';
import { generationOf } from './status-report.ts';
import type { RouteParentReport, RouteStatusEntry } from './status-report-build.ts';

export function translateL4Routes(view: StoreView, listeners: GatewayListeners, opts: { allowExternalName: boolean; offset: number },
  clusters: Map<string, Cluster>, routeStatus: RouteStatusEntry[], diags: Diagnostic[]): L4Route[] {
  const { byGateway } = listeners;
  /** listener id → the route that holds it. */
  const taken = new Map<string, { key: string; route: L4Route }>();
  const routes = [
    ...view.list('TCPRoute').map((route) => ({ kind: 'TCPRoute' as const, route })),
    ...view.list('UDPRoute').map((route) => ({ kind: 'UDPRoute' as const, route })),
  ].sort((a, b) => compareAge(a.route, b.route) || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  for (const { kind, route } of routes) {
    const ns = route.metadata?.namespace ?? '';
    const key = nsName(ns, route.metadata?.name ?? '');
    const ref: ObjectRef = { kind, namespace: ns, name: route.metadata?.name ?? '' };
    const parents = Array.isArray(route.spec?.parentRefs) ? route.spec.parentRefs : [];
    const ours = parents.filter((p) => isGatewayRef(p) && byGateway.has(nsName(p.namespace ?? ns, p.name ?? '')));
    if (ours.length === 0) continue;
    const parentStatus: RouteParentReport[] = [];
    routeStatus.push({ kind, key, generation: generationOf(route), parents: parentStatus });
    const before = diags.length;
    const target = ruleTarget(view, route, kind, opts, clusters, ref, diags);
    visitParents(route, ours, listeners, target.invalid, ref, diags, before, parentStatus, ({ where, candidates, done }) => {
      const allowed = candidates.filter((l) => l.kinds.has(kind) && namespaceAllowed(view, l, ns));
      if (allowed.length === 0) {
        const message = `the listeners' allowedRoutes do not admit ${kind}s from namespace ${ns}`;
        diags.push(diagnostic(ref, 'NotAllowedByListeners', `${where}: ${message}`));
        done('NotAllowedByListeners', message);
        return;
      }
      let attached = 0;
      let holder: string | null = null;
      for (const l of allowed) {
        const held = taken.get(l.id);
        if (held !== undefined && held.key !== key) {
          holder ??= held.key;
          continue;
        }
        attached++;
        if (held === undefined) {
          l.status.attachedRoutes++;
          taken.set(l.id, { key, route: l4Route(l, kind, key, target, opts.offset) });
        }
      }
      if (attached > 0) done(null, '');
      else {
        const message = `every listener it may attach to already forwards to the older ${kind} ${holder}`;
        diags.push(diagnostic(ref, 'ListenerInUse', `${where}: ${message}; not attached there`));
        done('ListenerInUse', message);
      }
    });
  }
  return [...taken.values()].map((t) => t.route);
}

export interface RuleTarget {
  /** The first backend's cluster (null: connections closed); the one target of a TLSRoute. */
  readonly clusterId: string | null;
  /** TCPRoute/UDPRoute with several backendRefs of weight > 0: all of them, by weight (null: rejected share). */
  readonly backends?: readonly L4Backend[];
  readonly invalid: string | null;
}

/** The cluster(s) the route's one rule forwards to (null: connections closed), or why it cannot be served. */
export function ruleTarget(view: StoreView, route: TCPRoute, kind: 'TCPRoute' | 'UDPRoute' | 'TLSRoute', opts: { allowExternalName: boolean },
  clusters: Map<string, Cluster>, ref: ObjectRef, diags: Diagnostic[]): RuleTarget {
  const invalid = (message: string): RuleTarget => {
    diags.push(diagnostic(ref, 'UnsupportedValue', `${message}; route not served`));
    return { clusterId: null, invalid: message };
  };
  const rules = Array.isArray(route.spec?.rules) ? route.spec.rules : [];
  if (rules.length !== 1) return invalid(`spec.rules must hold exactly one rule (it holds ${rules.length})`);
  const refs = Array.isArray(rules[0]?.backendRefs) ? rules[0].backendRefs : [];
  if (refs.length === 0) return invalid('rules[0].backendRefs must list at least one backend');
  for (const b of refs) {
    const c = checkBackendRef(b);
    if (!c.ok) return invalid(`rules[0]: ${c.message}`);
  }
  const weighted = refs.filter((b) => (b.weight ?? 1) > 0);
  if (weighted.length > 1 && kind === 'TLSRoute') return invalid(`rules[0]: ${weighted.length} backendRefs with weight > 0; Portico forwards a ${kind} to one backend`);
  const backends = resolveBackends(view, route, weighted, { allowExternalName: opts.allowExternalName, protocol: kind === 'UDPRoute' ? 'UDP' : 'TCP' }, clusters, diags, 'rules[0]', kind);
  const clusterId = backends[0]?.clusterId ?? null;
  if (backends.length <= 1) return { clusterId, invalid: null };
  return { clusterId, backends: backends.map((b) => ({ clusterId: b.clusterId, weight: b.weight })), invalid: null };
}

function l4Route(l: ServedListener, kind: 'TCPRoute' | 'UDPRoute', key: string, target: RuleTarget, offset: number): L4Route {
  const protocol = kind === 'UDPRoute' ? 'UDP' : 'TCP';
  return {
    id: `gateway/${l.id}`,
    protocol,
    listenPort: l.port + offset,
    clusterId: target.clusterId,
    ...(target.backends !== undefined ? { backends: target.backends } : {}),
    proxyProtocol: 'none',
    source: `${kind} ${key} on listener ${l.id}`,
    // A port that cannot be bound is reported on the Gateway that declares it.
    origin: gatewayRef(l.gateway),
  };
}
