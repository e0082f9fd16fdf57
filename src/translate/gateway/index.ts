// Gateway API → the Gateway part of the Snapshot (README "Gateway API"). Pure and deterministic
// like the Ingress translator: same store, same bytes. Steps:
//   1. GatewayClasses whose spec.controllerName is Portico's (--gateway-controller-name);
//   2. their Gateways' listeners (listeners.ts);
//   3. HTTPRoutes and GRPCRoutes, oldest first: rules (route-rules.ts), backends (backends.ts), then each
//      parentRef → listeners (sectionName, port) → allowedRoutes → hostname intersection;
//   4. per served listener hostname, hosts with their rules in the spec's precedence order.
import type { GRPCRoute, GRPCRouteRule, HTTPRoute, HTTPRouteRule, ParentReference } from '../../k8s/gateway-types.ts';
import { nsName } from '../../k8s/keys.ts';
import type { StoreView } from '../../store/store.ts';
import type { Cluster } from '../../model/cluster.ts';
import type { Certificate } from '../../model/certificate.ts';
import { hostnameMatches, type GatewayTlsPort, type GatewayHost, type GatewayListenerModel, type GatewayRule, type GatewaySnapshot, type WeightedBackend } from '../../model/gateway.ts';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../model/diagnostic.ts';
import { collectListeners, type GatewayPorts, type ServedListener } from './listeners.ts';
import { bindPortOf, claimHttpPorts, mergePassthrough, ownPorts, sniOf } from './http-ports.ts';
import { translateL4Routes } from './l4-routes.ts';
import { translateTlsRoutes } from './tls-routes.ts';
import type { PassthroughHost } from '../../model/passthrough.ts';
import type { UpstreamPolicy } from '../../model/upstream.ts';
import type { L4Route } from '../../model/l4.ts';
import { checkHostname, hostKind, intersectHostnames } from './hostnames.ts';
import { compareAge, isGatewayRef, namespaceAllowed, parentRefReport } from './parents.ts';
import { parseRule } from './route-rules.ts';
import { memoBuild, memoParts } from './rule-memo.ts';
import { checkBackendRef, resolveBackends, type RouteKind } from './backends.ts';
import { parseGrpcRule } from './grpc-rules.ts';
import { parseMirrors } from './mirror.ts';
import { compareRules, type Ranked } from './precedence.ts';
import { gatewayStatusReport, type RouteParentReport, type RouteStatusEntry, type GatewayStatusReport } from './status-report-build.ts';
import { cond, routeParentConditions, generationOf, type PolicyStatusEntry } from './status-report.ts';
import type { PolicyOutcome } from './backend-tls.ts';
import { GATEWAY_GROUP } from '../../k8s/gateway-types.ts';

export type { GatewayPorts } from './listeners.ts';

export interface GatewayTranslateOptions {
  readonly controllerName: string;
  readonly ports: GatewayPorts;
  readonly allowExternalName: boolean;
  /** SNI names Ingresses already pass through: they keep them (README "TLS passthrough"). */
  readonly takenSni?: ReadonlySet<string>;
}

export interface GatewayTranslation {
  /** Null when no Gateway of ours has a served listener. */
  readonly gateway: GatewaySnapshot | null;
  readonly clusters: readonly Cluster[];
  readonly certificates: readonly Certificate[];
  /** Certificate of an HTTPS listener without hostname (serves SNI names nothing else claims). */
  readonly anyHostCertificateId: string | null;
  /** `ns/name` of every HTTPRoute attached to at least one listener, sorted. */
  readonly attachedRoutes: readonly string[];
  /** TCP and UDP listeners with their route's cluster, for the L4 module (sorted by the caller). */
  readonly l4: readonly L4Route[];
  /** TLSRoute hostnames passed through (sorted), after the Ingress ones (`takenSni`). */
  readonly passthrough: readonly PassthroughHost[];
  /** TLS passthrough listeners on other ports than the HTTPS one (tls-routes.ts). */
  readonly tlsPorts: readonly GatewayTlsPort[];
  /** What the status of Portico's GatewayClasses, Gateways and routes should say (cluster mode writes it). */
  readonly status: GatewayStatusReport;
}

export const DEFAULT_GATEWAY_CONTROLLER = 'portico.io/gateway-controller';

/** The plain HTTP/1.1 upstream policy, to carry a retry policy. */
const HTTP_DEFAULTS: UpstreamPolicy = { protocol: 'HTTP', protocolSource: 'default', tls: null, connectTimeoutMs: null, readTimeoutMs: null, sendTimeoutMs: null, retry: null, maxBodyBytes: null };

const REF_REASONS: ReadonlySet<string> = new Set(['BackendNotFound', 'InvalidKind', 'RefNotPermitted', 'UnsupportedProtocol']);

type Attached = Ranked & { rule: number; readonly gatewayRule: Omit<GatewayRule, 'match'> & { match: GatewayRule['match'] } };

export function translateGateway(view: StoreView, opts: GatewayTranslateOptions, diags: Diagnostic[]): GatewayTranslation {
  const ourClasses = view.list('GatewayClass').filter((c) => c.spec?.controllerName === opts.controllerName);
  const classes = new Set(ourClasses.map((c) => c.metadata?.name ?? ''));
  const routeStatus: RouteStatusEntry[] = [];
  const gateways = view.list('Gateway').filter((g) => typeof g.spec?.gatewayClassName === 'string' && classes.has(g.spec.gatewayClassName));
  const served = collectListeners(view, gateways, opts.ports, diags);
  claimHttpPorts(served, opts.ports, diags);
  const { byGateway } = served;

  // listener id → (hostname → the rule lists of the routes attached there, oldest route first)
  const attached = new Map<string, Map<string, (readonly Attached[])[]>>();
  const clusters = new Map<string, Cluster>();
  const attachedRoutes = new Set<string>();
  /** `listener id \n route key` pairs already counted into the listener's attachedRoutes. */
  const countedOn = new Set<string>();
  // HTTPRoutes and GRPCRoutes together, oldest first: the older of two routes of different kinds
  // whose hostnames meet on a listener is the one accepted there (grpcroute_types.go Hostnames).
  const routes: { kind: RouteKind; route: HTTPRoute | GRPCRoute }[] = [
    ...view.list('HTTPRoute').map((route) => ({ kind: 'HTTPRoute' as const, route })),
    ...view.list('GRPCRoute').map((route) => ({ kind: 'GRPCRoute' as const, route })),
  ].sort((a, b) => compareAge(a.route, b.route) || cmp(a.kind, b.kind));
  /** BackendTLSPolicy key → its outcome and the Gateways whose routes use it. */
  const policies = new Map<string, { outcome: PolicyOutcome; gateways: Set<string> }>();
  /**
   * listener id → kind → the hostnames each route of that kind attached there (for the
   * HTTPRoute/GRPCRoute conflict). Kept per kind so that a route is compared with the other kind's
   * routes only: one list of every route made each attach scan all earlier ones (quadratic in routes).
   */
  const kindHosts = new Map<string, Map<RouteKind, string[][]>>();
  for (const { kind, route } of routes) {
    const ns = route.metadata?.namespace ?? '';
    const key = nsName(ns, route.metadata?.name ?? '');
    const ref: ObjectRef = { kind, namespace: ns, name: route.metadata?.name ?? '' };
    const parents = Array.isArray(route.spec?.parentRefs) ? route.spec.parentRefs : [];
    // Only routes naming a Gateway of ours are Portico's business (no diagnostics for others').
    const ours = parents.filter((p) => isGatewayRef(p) && byGateway.has(nsName(p.namespace ?? ns, p.name ?? '')));
    const missing = parents.filter((p) => isGatewayRef(p) && !view.get('Gateway', nsName(p.namespace ?? ns, p.name ?? '')));
    // A parentRef to a Gateway that does not exist is reported only when the route is otherwise
    // ours or names nothing else: another controller's route is none of Portico's business.
    if (ours.length > 0 || missing.length === parents.length) {
      for (const p of missing) diags.push(diagnostic(ref, 'NoMatchingParent', `parentRef Gateway ${nsName(p.namespace ?? ns, p.name ?? '')} does not exist`, 'warning'));
    }
    if (ours.length === 0) continue;
    const parentStatus: RouteParentReport[] = [];
    routeStatus.push({ kind, key, generation: generationOf(route), parents: parentStatus });
    const reject = (reason: string, message: string) => {
      for (const p of ours) parentStatus.push({ parentRef: parentRefReport(p, ns), conditions: routeParentConditions(reason, message, null) });
    };
    const hostnames: string[] = [];
    let valid = true;
    for (const h of Array.isArray(route.spec?.hostnames) ? route.spec.hostnames : []) {
      const c = checkHostname(h);
      if (!c.ok) {
        diags.push(diagnostic(ref, 'UnsupportedValue', `spec.hostnames: ${c.message}; route not served`));
        valid = false;
      } else hostnames.push(c.hostname);
    }
    if (!valid) {
      reject('UnsupportedValue', 'spec.hostnames has an invalid hostname');
      continue;
    }
    const before = diags.length;
    const used = new Map<string, PolicyOutcome>();
    // Unchanged routes reuse their rules, by identity (rule-memo.ts): no rebuild garbage per change.
    const rules = memoBuild(route, opts.allowExternalName ? 'x' : '', view, { clusters, diags, used }, (v, fx) => kind === 'HTTPRoute'
      ? buildRules(v, route as HTTPRoute, key, opts, fx.clusters, fx.diags, fx.used)
      : buildGrpcRules(v, route as GRPCRoute, key, opts, fx.clusters, fx.diags, fx.used));
    if (rules === null) {
      reject('UnsupportedValue', 'no rule of the route can be served');
      continue;
    }
    // ResolvedRefs (shared_types.go RouteReasonBackendNotFound, RouteReasonInvalidKind, RouteReasonRefNotPermitted;
    // grpcroute_types.go GRPCBackendRef UnsupportedProtocol): the first problem.
    const refsProblem = diags.slice(before).find((d) => REF_REASONS.has(d.reason));
    const parentDone = (p: ParentReference, reason: string | null, message: string) =>
      parentStatus.push({ parentRef: parentRefReport(p, ns), conditions: routeParentConditions(reason, message, refsProblem ? { reason: refsProblem.reason, message: refsProblem.message } : null) });
    for (const p of ours) {
      const entry = byGateway.get(nsName(p.namespace ?? ns, p.name ?? ''))!;
      const where = `parentRef Gateway ${nsName(p.namespace ?? ns, p.name ?? '')}${p.sectionName ? ` sectionName ${p.sectionName}` : ''}${p.port ? ` port ${p.port}` : ''}`;
      const candidates = entry.listeners.filter((l) => (p.sectionName === undefined || l.name === p.sectionName) && (p.port === undefined || l.port === p.port));
      if (candidates.length === 0) {
        const declared = p.sectionName === undefined || entry.names.has(p.sectionName);
        diags.push(diagnostic(ref, 'NoMatchingParent', `${where}: ${declared ? 'no served listener matches' : 'no listener of that name'}`));
        parentDone(p, 'NoMatchingParent', declared ? 'no served listener matches' : 'no listener of that name');
        continue;
      }
      const allowed = candidates.filter((l) => l.kinds.has(kind) && namespaceAllowed(view, l, ns));
      if (allowed.length === 0) {
        diags.push(diagnostic(ref, 'NotAllowedByListeners', `${where}: the listeners' allowedRoutes do not admit ${kind}s from namespace ${ns}`));
        parentDone(p, 'NotAllowedByListeners', `the listeners' allowedRoutes do not admit ${kind}s from namespace ${ns}`);
        continue;
      }
      let any = false;
      let conflict: string | null = null;
      for (const l of allowed) {
        const hosts = intersectHostnames(l.hostname, hostnames);
        if (hosts.length === 0) continue;
        let taken = kindHosts.get(l.id);
        if (!taken) kindHosts.set(l.id, (taken = new Map<RouteKind, string[][]>()));
        let other: RouteKind | undefined;
        for (const [k, lists] of taken) {
          if (k !== kind && lists.some((hs) => hs.some((a) => hosts.some((b) => hostsOverlap(a, b))))) other = k;
        }
        if (other !== undefined) {
          conflict ??= `listener ${l.name} already has an older ${other} for an overlapping hostname (${hosts.join(', ') || '*'})`;
          continue;
        }
        any = true;
        const mine = taken.get(kind);
        if (mine) mine.push(hosts);
        else taken.set(kind, [hosts]);
        if (!countedOn.has(`${l.id}\n${key}`)) {
          countedOn.add(`${l.id}\n${key}`);
          l.status.attachedRoutes++;
        }
        let byHost = attached.get(l.id);
        if (!byHost) attached.set(l.id, (byHost = new Map<string, (readonly Attached[])[]>()));
        for (const h of hosts) {
          let list = byHost.get(h);
          if (!list) byHost.set(h, (list = []));
          list.push(rules);
        }
      }
      if (any) {
        attachedRoutes.add(key);
        parentDone(p, null, '');
        // PolicyAncestorStatus: the Gateway this route serves the policy's Service through.
        for (const [pk, o] of used) {
          let e = policies.get(pk);
          if (e === undefined) policies.set(pk, (e = { outcome: o, gateways: new Set<string>() }));
          e.gateways.add(nsName(p.namespace ?? ns, p.name ?? ''));
        }
      } else if (conflict !== null) {
        diags.push(diagnostic(ref, 'HostnameConflict', `${where}: ${conflict}; not attached there`));
        parentDone(p, 'HostnameConflict', conflict);
      } else {
        diags.push(diagnostic(ref, 'NoMatchingListenerHostname', `${where}: no hostname of the route (${hostnames.join(', ')}) intersects the listeners' hostnames`));
        parentDone(p, 'NoMatchingListenerHostname', `no hostname of the route (${hostnames.join(', ')}) intersects the listeners' hostnames`);
      }
    }
  }

  // TCPRoute and UDPRoute: L4 listeners on their own ports (l4-routes.ts).
  const l4 = translateL4Routes(view, { byGateway }, { allowExternalName: opts.allowExternalName, offset: opts.ports.offset }, clusters, routeStatus, diags);
  // TLSRoute: SNI hostnames relayed by the HTTPS port's TLS front (tls-routes.ts).
  const tlsHosts = translateTlsRoutes(view, { byGateway }, { allowExternalName: opts.allowExternalName, takenSni: opts.takenSni ?? new Set(), httpsPort: opts.ports.https, offset: opts.ports.offset }, clusters, routeStatus, diags);

  const listeners: GatewayListenerModel[] = [];
  const certificates = new Map<string, Certificate>();
  const httpListeners: ServedListener[] = [];
  for (const { listeners: ls } of [...byGateway.values()]) {
    for (const l of ls) {
      if (l.scheme === 'tcp' || l.scheme === 'udp' || l.scheme === 'tls') continue; // l4-routes.ts, tls-routes.ts
      httpListeners.push(l);
      const byHost = attached.get(l.id) ?? new Map<string, (readonly Attached[])[]>();
      // A host whose routes' rules are the same objects as last time is the same GatewayHost (rule-memo.ts).
      const hosts: GatewayHost[] = [...byHost.entries()].sort(([a], [b]) => cmp(a, b)).map(([hostname, parts]) => memoParts(`${l.id}\n${hostname}`, parts, () => ({
        hostname, kind: hostKind(hostname),
        rules: dedupeRules(parts.flat().sort(compareRules)).map((r) => r.gatewayRule),
      })));
      const bindPort = bindPortOf(l, opts.ports);
      listeners.push({ id: l.id, scheme: l.scheme, port: l.port, ...(bindPort === l.port ? {} : { bindPort }), hostname: l.hostname, hosts });
    }
  }
  listeners.sort((a, b) => cmp(a.scheme, b.scheme) || listenerRank(a.hostname) - listenerRank(b.hostname) || b.hostname.length - a.hostname.length || cmp(a.hostname, b.hostname) || cmp(a.id, b.id));
  // The --https-port SNI table takes the listeners bound there; the others have their own (http-ports.ts).
  const main = sniOf(httpListeners.filter((l) => l.scheme === 'https' && bindPortOf(l, opts.ports) === opts.ports.https), certificates);
  const anyHostCertificateId = main.anyHostCertificateId;
  const { ports, tlsPorts } = mergePassthrough(ownPorts(httpListeners, opts.ports, certificates), tlsHosts.ports);
  return {
    gateway: listeners.length === 0 ? null : { listeners, sni: main.sni, ...(ports.length === 0 ? {} : { ports }) },
    clusters: [...clusters.values()],
    certificates: [...certificates.values()],
    anyHostCertificateId,
    attachedRoutes: [...attachedRoutes].sort(),
    l4,
    passthrough: tlsHosts.https,
    tlsPorts,
    status: { ...gatewayStatusReport(ourClasses, byGateway, routeStatus), policies: policyStatus(policies) },
  };
}

/**
 * The rules of an HTTPRoute or GRPCRoute, each built by `build` after its backendRefs passed
 * checkBackendRef (an unsupported one leaves that rule unserved, UnsupportedValue). No rules is one
 * rule that matches everything (the CRD default: httproute_types.go HTTPRouteSpec.Rules). `build`
 * returns the rule's entries, or null when it refused the rule (its diagnostic pushed); null when
 * no rule of the route is served.
 */
function eachRule<R extends HTTPRouteRule | GRPCRouteRule>(route: HTTPRoute | GRPCRoute, kind: 'HTTPRoute' | 'GRPCRoute', diags: Diagnostic[],
  build: (rule: R, ri: number, where: string, ref: ObjectRef, created: string) => Attached[] | null): Attached[] | null {
  const ref: ObjectRef = { kind, namespace: route.metadata?.namespace ?? '', name: route.metadata?.name ?? '' };
  const rules = (route.spec?.rules ?? []) as R[];
  const raw: R[] = Array.isArray(rules) && rules.length > 0 ? rules : [{} as R];
  const out: Attached[] = [];
  const created = typeof route.metadata?.creationTimestamp === 'string' ? route.metadata.creationTimestamp : '';
  let served = 0;
  raw.forEach((rule, ri) => {
    const where = `rules[${ri}]`;
    const refs = Array.isArray(rule?.backendRefs) ? rule.backendRefs : [];
    for (const b of refs) {
      const c = checkBackendRef(b);
      if (!c.ok) {
        diags.push(diagnostic(ref, 'UnsupportedValue', `${where}: ${c.message}; rule not served`));
        return;
      }
    }
    const built = build(rule ?? ({} as R), ri, where, ref, created);
    if (built === null) return;
    served++;
    out.push(...built);
  });
  return served === 0 ? null : out;
}

function buildRules(view: StoreView, route: HTTPRoute, key: string, opts: GatewayTranslateOptions, clusters: Map<string, Cluster>, diags: Diagnostic[],
  used: Map<string, PolicyOutcome>): Attached[] | null {
  return eachRule<HTTPRouteRule>(route, 'HTTPRoute', diags, (rule, ri, where, ref, created) => {
    const refs = Array.isArray(rule.backendRefs) ? rule.backendRefs : [];
    const parsed = parseRule(rule, refs.length > 0);
    if (!parsed.ok) {
      diags.push(diagnostic(ref, parsed.reason, `${where}: ${parsed.message}; rule not served`));
      return null;
    }
    const resolved: WeightedBackend[] = resolveBackends(view, route, refs, opts, clusters, diags, where, 'HTTPRoute', undefined, used);
    const retry = parsed.value.retry;
    // HTTPRouteRetry rides on each backend's upstream policy (the forwarder's retries).
    const backends = retry === null ? resolved : resolved.map((b) => b.clusterId === null ? b : { ...b, upstream: { ...(b.upstream ?? HTTP_DEFAULTS), retry } });
    const mirrors = parseMirrors(view, route, Array.isArray(rule.filters) ? rule.filters : [], opts, clusters, diags, where);
    if (!mirrors.ok) {
      diags.push(diagnostic(ref, mirrors.reason, `${where}: ${mirrors.message}; rule not served`));
      return null;
    }
    return parsed.value.matches.map((match, mi) => ({
      match, created, routeKey: key, rule: ri, index: mi,
      gatewayRule: {
        id: `${key}#${ri}.${mi}`, route: key, kind: 'HTTPRoute' as const, match, filters: parsed.value.filters, backends,
        ...(parsed.value.timeouts === null ? {} : { timeouts: parsed.value.timeouts }),
        ...(mirrors.value.length === 0 ? {} : { mirrors: mirrors.value }),
        ...(parsed.value.cors === null ? {} : { cors: parsed.value.cors }),
      },
    }));
  });
}

/** GRPCRoute rules (grpc-rules.ts); backends over gRPC (backends.ts backendProtocol). */
function buildGrpcRules(view: StoreView, route: GRPCRoute, key: string, opts: GatewayTranslateOptions, clusters: Map<string, Cluster>, diags: Diagnostic[],
  used: Map<string, PolicyOutcome>): Attached[] | null {
  return eachRule<GRPCRouteRule>(route, 'GRPCRoute', diags, (rule, ri, where, ref, created) => {
    const parsed = parseGrpcRule(rule);
    if (!parsed.ok) {
      diags.push(diagnostic(ref, parsed.reason, `${where}: ${parsed.message}; rule not served`));
      return null;
    }
    const refs = Array.isArray(rule.backendRefs) ? rule.backendRefs : [];
    const backends: WeightedBackend[] = resolveBackends(view, route, refs, opts, clusters, diags, where, 'GRPCRoute', undefined, used);
    return parsed.value.matches.map((match, mi) => ({
      match, created, routeKey: key, rule: ri, index: mi, grpc: parsed.value.ranks[mi],
      // A GRPCRoute may share its name with an HTTPRoute: its rule ids must not.
      gatewayRule: { id: `grpc:${key}#${ri}.${mi}`, route: key, kind: 'GRPCRoute' as const, match, filters: parsed.value.filters, backends },
    }));
  });
}

/** BackendTLSPolicy status entries (policy_types.go PolicyAncestorStatus), sorted by key. */
function policyStatus(policies: ReadonlyMap<string, { outcome: PolicyOutcome; gateways: ReadonlySet<string> }>): PolicyStatusEntry[] {
  return [...policies.entries()].sort(([a], [b]) => cmp(a, b)).map(([key, { outcome: o, gateways }]) => ({
    kind: 'BackendTLSPolicy' as const, key, generation: generationOf(o.policy),
    ancestors: [...gateways].sort().map((g) => {
      const [namespace, name] = g.split('/');
      return {
        ancestorRef: { group: GATEWAY_GROUP, kind: 'Gateway', namespace, name },
        conditions: [
          o.accepted === null ? cond('Accepted', true, 'Accepted') : cond('Accepted', false, o.accepted, o.message),
          o.refs === null ? cond('ResolvedRefs', true, 'ResolvedRefs') : cond('ResolvedRefs', false, o.refs, o.message),
        ],
      };
    }),
  }));
}

/** Two effective hostnames of one listener that some request Host could match both ('' is any). */
function hostsOverlap(a: string, b: string): boolean {
  if (a === '' || b === '' || a === b) return true;
  if (a.startsWith('*.') && b.startsWith('*.')) return a.endsWith(b.slice(1)) || b.endsWith(a.slice(1));
  return hostnameMatches(a, b) || hostnameMatches(b, a);
}

/** The same route attached twice to one listener host (two parentRefs): keep one copy. */
function dedupeRules(sorted: Attached[]): Attached[] {
  const seen = new Set<string>();
  return sorted.filter((r) => !seen.has(r.gatewayRule.id) && (seen.add(r.gatewayRule.id), true));
}

function listenerRank(h: string): number {
  return h === '' ? 2 : h.startsWith('*.') ? 1 : 0;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
