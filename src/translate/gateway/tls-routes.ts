// TLSRoute → TLS passthrough hosts (model/passthrough.ts): on a TLS listener with tls.mode
// Passthrough, connections whose ClientHello SNI names one of the route's hostnames are relayed
// undecrypted to its backend by the TLS front of the HTTPS port (src/dataplane/tls/tls-front.ts).
// gateway-api apis/v1alpha2 (and v1) tlsroute_types.go: hostnames are required and intersect the
// listener's like HTTPRoute hostnames; one rule; an invalid backend rejects the connection
// (TLSRouteRule.BackendRefs). A hostname already passed through — by an Ingress (README "TLS
// passthrough") or an older TLSRoute — stays with it; a route left with none gets Accepted
// False/HostnameConflict there.
import { nsName } from '../../k8s/keys.ts';
import type { StoreView } from '../../store/store.ts';
import type { Cluster } from '../../model/cluster.ts';
import type { PassthroughHost } from '../../model/passthrough.ts';
import type { GatewayTlsPort } from '../../model/gateway.ts';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../model/diagnostic.ts';
import type { GatewayListeners } from './listeners.ts';
import { checkHostname, intersectHostnames } from './hostnames.ts';
import { ruleTarget } from './l4-routes.ts';
import { compareAge, isGatewayRef, namespaceAllowed, visitParents } from './parents.ts';
import { generationOf } from './status-report.ts';
import type { RouteParentReport, RouteStatusEntry } from './status-report-build.ts';

export interface TlsRouteHosts {
  /** Hosts on the HTTPS port (its TLS front), sorted. */
  readonly https: PassthroughHost[];
  /** TLS listeners on other ports, each with its hosts (L4 module), sorted by port. */
  readonly ports: GatewayTlsPort[];
}

export function translateTlsRoutes(view: StoreView, listeners: GatewayListeners, opts: { allowExternalName: boolean; takenSni: ReadonlySet<string>; httpsPort: number | null; offset: number },
  clusters: Map<string, Cluster>, routeStatus: RouteStatusEntry[], diags: Diagnostic[]): TlsRouteHosts {
  const { byGateway } = listeners;
  /** Bound port → SNI name → host; the HTTPS port's are `opts.httpsPort`'s. */
  const byPort = new Map<number, { gateway: string; hosts: Map<string, PassthroughHost> }>();
  // Every served TLS listener's port is bound, routes or not (connections are then refused).
  for (const [gw, e] of byGateway) for (const l of e.listeners) {
    if (l.scheme === 'tls' && !byPort.has(l.port + opts.offset)) byPort.set(l.port + opts.offset, { gateway: gw, hosts: new Map() });
  }
  /** `listener id \n route key` pairs already counted into attachedRoutes. */
  const counted = new Set<string>();
  for (const route of [...view.list('TLSRoute')].sort(compareAge)) {
    const ns = route.metadata?.namespace ?? '';
    const key = nsName(ns, route.metadata?.name ?? '');
    const ref: ObjectRef = { kind: 'TLSRoute', namespace: ns, name: route.metadata?.name ?? '' };
    const parents = Array.isArray(route.spec?.parentRefs) ? route.spec.parentRefs : [];
    const ours = parents.filter((p) => isGatewayRef(p) && byGateway.has(nsName(p.namespace ?? ns, p.name ?? '')));
    if (ours.length === 0) continue;
    const parentStatus: RouteParentReport[] = [];
    routeStatus.push({ kind: 'TLSRoute', key, generation: generationOf(route), parents: parentStatus });
    const before = diags.length;
    let invalid: string | null = null;
    const names: string[] = [];
    const raw = Array.isArray(route.spec?.hostnames) ? route.spec.hostnames : [];
    if (raw.length === 0) invalid = 'spec.hostnames must list at least one SNI hostname';
    for (const h of raw) {
      const c = checkHostname(h);
      if (c.ok) names.push(c.hostname);
      else invalid ??= `spec.hostnames: ${c.message}`;
    }
    if (invalid !== null) diags.push(diagnostic(ref, 'UnsupportedValue', `${invalid}; route not served`));
    const target = invalid === null ? ruleTarget(view, route, 'TLSRoute', opts, clusters, ref, diags) : { clusterId: null, invalid };
    visitParents(route, ours, listeners, target.invalid, ref, diags, before, parentStatus, ({ where, candidates, done }) => {
      // tlsroute_types.go TLSRouteSpec.Hostnames: a Listener of the wrong type (not TLS) is
      // Accepted False/UnsupportedValue; a TLS one whose allowedRoutes refuse it, NotAllowedByListeners.
      const tlsListeners = candidates.filter((l) => l.scheme === 'tls');
      if (tlsListeners.length === 0) {
        const message = 'a TLSRoute attaches to TLS listeners only';
        diags.push(diagnostic(ref, 'UnsupportedValue', `${where}: ${message}`));
        done('UnsupportedValue', message);
        return;
      }
      const allowed = tlsListeners.filter((l) => l.kinds.has('TLSRoute') && namespaceAllowed(view, l, ns));
      if (allowed.length === 0) {
        const message = `the listeners' allowedRoutes do not admit TLSRoutes from namespace ${ns}`;
        diags.push(diagnostic(ref, 'NotAllowedByListeners', `${where}: ${message}`));
        done('NotAllowedByListeners', message);
        return;
      }
      let any = false;
      let clash: string | null = null;
      let intersects = false;
      for (const l of allowed) {
        const effective = intersectHostnames(l.hostname, names).filter((h) => h !== '');
        if (effective.length === 0) continue;
        intersects = true;
        let mine = 0;
        const bound = l.port + opts.offset;
        const hosts = byPort.get(bound)!.hosts;
        const onHttps = bound === opts.httpsPort;
        for (const h of effective) {
          const owner = onHttps && opts.takenSni.has(h) ? 'an Ingress (nginx.ingress.kubernetes.io/ssl-passthrough)' : hosts.get(h)?.ingress;
          if (owner !== undefined && owner !== `TLSRoute ${key}`) {
            clash ??= `${h} is already passed through by ${owner}`;
            continue;
          }
          hosts.set(h, { hostname: h, clusterId: target.clusterId, ingress: `TLSRoute ${key}` });
          mine++;
        }
        if (mine === 0) continue;
        any = true;
        if (!counted.has(`${l.id}\n${key}`)) {
          counted.add(`${l.id}\n${key}`);
          l.status.attachedRoutes++;
        }
      }
      if (any) {
        if (clash !== null) diags.push(diagnostic(ref, 'HostnameConflict', `${where}: ${clash}; that hostname is not this route's`, 'warning'));
        done(null, '');
      } else if (clash !== null) {
        diags.push(diagnostic(ref, 'HostnameConflict', `${where}: ${clash}; not attached there`));
        done('HostnameConflict', clash);
      } else {
        const message = intersects ? 'no hostname left' : `no hostname of the route (${names.join(', ')}) intersects the listeners' hostnames`;
        diags.push(diagnostic(ref, 'NoMatchingListenerHostname', `${where}: ${message}`));
        done('NoMatchingListenerHostname', message);
      }
    });
  }
  const sorted = (m: Map<string, PassthroughHost>) => [...m.values()].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  const https = opts.httpsPort === null ? [] : sorted(byPort.get(opts.httpsPort)?.hosts ?? new Map<string, PassthroughHost>());
  const ports = [...byPort.entries()].filter(([p]) => p !== opts.httpsPort).sort(([a], [b]) => a - b)
    .map(([port, v]) => ({ port, hosts: sorted(v.hosts), gateway: v.gateway }));
  return { https, ports };
}
