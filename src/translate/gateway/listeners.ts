// Gateways of Portico's GatewayClasses and their listeners (gateway-api apis/v1/gateway_types.go).
// A listener is served when it conflicts with no other listener of its Gateway and: HTTP or HTTPS
// (tls.mode Terminate) with its port plus --gateway-port-offset the port of Portico's HTTP or HTTPS
// server and (HTTPS) a certificateRef to a valid TLS Secret it may read; or TCP / UDP, on its own
// port plus the offset (the L4 module). Anything else: a diagnostic, and only that listener is off.
import type { Gateway, GatewayListener } from '../../k8s/gateway-types.ts';
import { GATEWAY_GROUP } from '../../k8s/gateway-types.ts';
import { nsName } from '../../k8s/keys.ts';
import type { StoreView } from '../../store/store.ts';
import type { Certificate } from '../../model/certificate.ts';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../model/diagnostic.ts';
import { parseCached } from '../certificates.ts';
import { checkHostname } from './hostnames.ts';
import { referenceAllowed } from './references.ts';
import { GRPC_ROUTE_KIND, HTTP_ROUTE_KIND, TCP_ROUTE_KIND, TLS_ROUTE_KIND, UDP_ROUTE_KIND, type RouteGroupKind } from './status-report.ts';
import { hostnameMatches } from '../../model/gateway.ts';
import type { RouteKind } from './backends.ts';

export interface GatewayPorts {
  /** Port of the HTTP server, or null when there is none. */
  readonly http: number | null;
  readonly https: number | null;
  /** --gateway-port-offset. */
  readonly offset: number;
}

export interface ServedListener {
  readonly gateway: Gateway;
  readonly gatewayKey: string;
  readonly name: string;
  readonly id: string;
  /** Declared port (parentRef.port matches this one). */
  readonly port: number;
  /** tcp and udp listeners are served by the L4 module (l4-routes.ts), tls ones by the TLS front (tls-routes.ts), the others by the HTTP(S) servers. */
  readonly scheme: 'http' | 'https' | 'tcp' | 'udp' | 'tls';
  readonly hostname: string;
  readonly certificate: Certificate | null;
  readonly spec: GatewayListener;
  /** The route kinds that may attach: HTTPRoute and GRPCRoute unless allowedRoutes.kinds narrows them. */
  readonly kinds: ReadonlySet<RouteKind>;
  /** Its status, which the route attachment counts into (attachedRoutes). */
  readonly status: ListenerState;
}

/** A declared listener's status as collectListeners found it (status-report.ts listenerConditions). */
export interface ListenerState {
  readonly name: string;
  /** Null, or the Accepted=False reason. */
  accepted: string | null;
  /** Null, or the ResolvedRefs=False reason. */
  refs: string | null;
  /** Null, or the Conflicted=True reason. */
  conflicted: string | null;
  served: boolean;
  message: string;
  supportedKinds: RouteGroupKind[];
  attachedRoutes: number;
}

export interface GatewayListeners {
  /** Every listener of every Gateway of ours, served or not, by Gateway key. */
  readonly byGateway: Map<string, { gateway: Gateway; listeners: ServedListener[]; names: Set<string>; states: ListenerState[]; declared: number }>;
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function gatewayRef(g: Gateway): ObjectRef {
  return { kind: 'Gateway', namespace: g.metadata?.namespace ?? '', name: g.metadata?.name ?? '' };
}

/** A listener that passed the per-listener checks, before conflicts and serving are decided. */
interface Candidate {
  readonly l: GatewayListener;
  readonly st: ListenerState;
  readonly name: string;
  readonly where: string;
  readonly port: number;
  readonly protocol: string;
  readonly hostname: string;
}

const KNOWN_PROTOCOLS = new Set(['HTTP', 'HTTPS', 'TLS', 'TCP', 'UDP']);

export function collectListeners(view: StoreView, gateways: readonly Gateway[], ports: GatewayPorts, diags: Diagnostic[]): GatewayListeners {
  const byGateway: GatewayListeners['byGateway'] = new Map();
  for (const g of gateways) {
    const ref = gatewayRef(g);
    const key = nsName(ref.namespace, ref.name);
    const list = g.spec?.listeners;
    const entry = { gateway: g, listeners: [] as ServedListener[], names: new Set<string>(), states: [] as ListenerState[], declared: Array.isArray(list) ? list.length : 0 };
    byGateway.set(key, entry);
    if (!Array.isArray(list) || list.length === 0) {
      diags.push(diagnostic(ref, 'InvalidGateway', 'spec.listeners must list at least one listener'));
      continue;
    }
    const seen = new Set<string>();
    const candidates: Candidate[] = [];
    for (const l of list) {
      const name = typeof l?.name === 'string' ? l.name : '';
      const where = `listener ${JSON.stringify(name)}`;
      if (!NAME.test(name) || seen.has(name)) {
        diags.push(diagnostic(ref, 'InvalidListener', `${where}: name must be a unique DNS label`));
        continue;
      }
      seen.add(name);
      entry.names.add(name);
      const st: ListenerState = { name, accepted: null, refs: null, conflicted: null, served: false, message: '', supportedKinds: [], attachedRoutes: 0 };
      entry.states.push(st);
      const problem = listenerProblem(ref, where, st, diags);
      const port = l.port;
      if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
        problem('InvalidListener', { accepted: 'UnsupportedValue' }, `port ${JSON.stringify(port)} is not 1..65535`);
        continue;
      }
      const protocol = typeof l.protocol === 'string' ? l.protocol : '';
      let hostname = '';
      // Listener.Hostname is ignored for protocols without hostname matching (TCP, UDP).
      if (l.hostname !== undefined && l.hostname !== '' && protocol !== 'TCP' && protocol !== 'UDP') {
        const h = checkHostname(l.hostname);
        if (!h.ok) {
          problem('InvalidListener', { accepted: 'UnsupportedValue' }, h.message);
          continue;
        }
        hostname = h.hostname;
      }
      if (!KNOWN_PROTOCOLS.has(protocol)) {
        // ListenerStatus.SupportedKinds: the kinds served for the protocol, none here.
        problem('UnsupportedProtocol', { accepted: 'UnsupportedProtocol' }, `protocol ${JSON.stringify(l.protocol)} is not one Portico serves (HTTP, HTTPS, TCP, UDP)`);
        continue;
      }
      candidates.push({ l, st, name, where, port: port as number, protocol, hostname });
    }
    // ListenerConditionConflicted: "If a Listener is conflicted, its network port should not be
    // configured" — so every listener of a conflicting pair is marked and none of them is served.
    for (const [i, a] of candidates.entries()) {
      for (const b of candidates.slice(i + 1)) {
        const reason = listenerConflict(a, b);
        if (reason === null) continue;
        for (const [x, y] of [[a, b], [b, a]] as const) {
          if (x.st.conflicted !== null) continue;
          const message = reason === 'ProtocolConflict'
            ? `listener ${y.name} uses protocol ${y.protocol} on port ${y.port} too (ProtocolConflict)`
            : `listener ${y.name} uses port ${y.port} with the same hostname ${JSON.stringify(y.hostname)} (HostnameConflict)`;
          listenerProblem(ref, x.where, x.st, diags)('InvalidListener', { conflicted: reason }, message);
        }
      }
    }
    for (const c of candidates) {
      if (c.st.conflicted !== null) continue;
      const served = serveListener(view, g, key, c, ports, diags);
      if (served !== null) entry.listeners.push(served);
    }
  }
  return { byGateway };
}

type ProblemReason = 'InvalidListener' | 'UnsupportedProtocol' | 'PortUnavailable';

/** Records a listener problem on its status and as a diagnostic. */
function listenerProblem(ref: ObjectRef, where: string, st: ListenerState, diags: Diagnostic[]) {
  return (reason: ProblemReason, status: Partial<ListenerState>, message: string): void => {
    Object.assign(st, status, { message });
    diags.push(diagnostic(ref, reason, `${where}: ${message}`));
  };
}

/**
 * Whether two listeners of one Gateway conflict (gateway_types.go ListenerConditionConflicted,
 * Listener: distinct port/protocol/hostname). Different ports never do. TCP and UDP own their port
 * (only TCP with UDP may share one): anything else there is a ProtocolConflict. HTTPS and TLS both
 * read the SNI of one port, so they conflict when their hostnames can match one name. Listeners of
 * one protocol tell traffic apart by hostname: the same hostname is a HostnameConflict.
 */
function listenerConflict(a: Candidate, b: Candidate): 'ProtocolConflict' | 'HostnameConflict' | null {
  if (a.port !== b.port) return null;
  const l4a = a.protocol === 'TCP' || a.protocol === 'UDP';
  const l4b = b.protocol === 'TCP' || b.protocol === 'UDP';
  if (l4a || l4b) return l4a && l4b && a.protocol !== b.protocol ? null : 'ProtocolConflict';
  const pair = new Set([a.protocol, b.protocol]);
  if (pair.has('HTTPS') && pair.has('TLS')) return sniOverlap(a.hostname, b.hostname) ? 'ProtocolConflict' : null;
  return a.protocol === b.protocol && a.hostname === b.hostname ? 'HostnameConflict' : null;
}

function sniOverlap(a: string, b: string): boolean {
  if (a === '' || b === '' || a === b) return true;
  if (a.startsWith('*.') && b.startsWith('*.')) return a.endsWith(b.slice(1)) || b.endsWith(a.slice(1));
  return hostnameMatches(a, b) || hostnameMatches(b, a);
}

/** The protocol-specific checks of one unconflicted listener; null when it is not served. */
function serveListener(view: StoreView, g: Gateway, key: string, c: Candidate, ports: GatewayPorts, diags: Diagnostic[]): ServedListener | null {
  const { l, st, name, where, port, protocol, hostname } = c;
  const problem = listenerProblem(gatewayRef(g), where, st, diags);
  const effective = port + ports.offset;
  const kindsFor = (served: readonly RouteGroupKind[]) => {
    const kinds = routeKinds(g, l, where, served, diags);
    st.supportedKinds = served.filter((k) => kinds.accepts.has(k.kind as RouteKind));
    if (kinds.invalid) Object.assign(st, { refs: 'InvalidRouteKinds', message: kinds.invalid });
    return kinds.accepts;
  };
  if (protocol === 'TCP' || protocol === 'UDP') {
    // Served by the L4 module on its own port: the declared port plus --gateway-port-offset.
    if (effective > 65535) {
      problem('PortUnavailable', { accepted: 'PortUnavailable' }, `port ${port} + offset ${ports.offset} = ${effective} is beyond 65535`);
      return null;
    }
    const accepts = kindsFor(protocol === 'TCP' ? [TCP_ROUTE_KIND] : [UDP_ROUTE_KIND]);
    st.served = true;
    return { gateway: g, gatewayKey: key, name, id: `${key}/${name}`, port, scheme: protocol === 'TCP' ? 'tcp' : 'udp', hostname: '', certificate: null, spec: l, kinds: accepts, status: st };
  }
  if (protocol === 'TLS') {
    // Core: tls.mode Passthrough, relayed by the TLS front of the HTTPS port, which reads the SNI of
    // the ClientHello (src/dataplane/tls/tls-front.ts); Terminate on TLS is extended and not served.
    const mode = l.tls?.mode ?? 'Terminate';
    if (mode !== 'Passthrough') {
      problem('UnsupportedProtocol', { accepted: 'UnsupportedProtocol' }, `protocol TLS with tls.mode ${JSON.stringify(mode)} is not served (Passthrough is)`);
      return null;
    }
    // On --https-port the HTTPS port's TLS front reads the SNI; on any other port (plus the
    // offset) the L4 module binds a TLS front of its own (tls-routes.ts, GatewayTlsPort).
    if (effective > 65535) {
      problem('PortUnavailable', { accepted: 'PortUnavailable' }, `port ${port} + offset ${ports.offset} = ${effective} is beyond 65535`);
      return null;
    }
    const accepts = kindsFor([TLS_ROUTE_KIND]);
    st.served = true;
    return { gateway: g, gatewayKey: key, name, id: `${key}/${name}`, port, scheme: 'tls', hostname, certificate: null, spec: l, kinds: accepts, status: st };
  }
  const scheme = protocol === 'HTTP' ? 'http' : 'https';
  const want = scheme === 'http' ? ports.http : ports.https;
  if (want === null || effective !== want) {
    problem('PortUnavailable', { accepted: 'PortUnavailable' }, `port ${port}${ports.offset ? ` + offset ${ports.offset} = ${effective}` : ''} is not the ${scheme.toUpperCase()} port (${want ?? 'off'}); only listeners on --${scheme}-port are served`);
    return null;
  }
  let certificate: Certificate | null = null;
  if (scheme === 'https') {
    const cert = listenerCertificate(view, g, l, where, diags);
    if (!cert.ok) {
      Object.assign(st, cert.status);
      return null;
    }
    certificate = cert.certificate;
  }
  const accepts = kindsFor(SERVED_KINDS);
  st.served = true;
  return { gateway: g, gatewayKey: key, name, id: `${key}/${name}`, port, scheme, hostname, certificate, spec: l, kinds: accepts, status: st };
}

/**
 * The route kinds an HTTP or HTTPS listener serves (ListenerStatus.SupportedKinds): HTTPRoute, and
 * GRPCRoute — HTTP listeners take HTTP/2 with prior knowledge (h2c-front.ts), HTTPS ones h2 by
 * ALPN, as grpcroute_types.go GRPCRoute requires.
 */
const SERVED_KINDS: readonly RouteGroupKind[] = [HTTP_ROUTE_KIND, GRPC_ROUTE_KIND];

/**
 * allowedRoutes.kinds: default (absent/empty) = the protocol's route kinds. Kinds listed that are
 * not served make ResolvedRefs False/InvalidRouteKinds while the served ones listed still attach
 * (ListenerStatus.SupportedKinds; conformance gateway-invalid-route-kind).
 */
function routeKinds(g: Gateway, l: GatewayListener, where: string, servedKinds: readonly RouteGroupKind[], diags: Diagnostic[]): { accepts: ReadonlySet<RouteKind>; invalid: string | null } {
  const kinds = l.allowedRoutes?.kinds;
  const names = servedKinds.map((k) => k.kind as RouteKind);
  if (!Array.isArray(kinds) || kinds.length === 0) return { accepts: new Set<RouteKind>(names), invalid: null };
  const served = (k: { group?: string; kind?: string } | undefined): k is { kind: RouteKind } =>
    !!k && (k.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && (names as readonly string[]).includes(k.kind ?? '');
  const accepts = new Set<RouteKind>(kinds.filter(served).map((k) => k.kind));
  const others = kinds.filter((k) => !served(k)).map((k) => `${k?.group ?? GATEWAY_GROUP}/${k?.kind ?? '?'}`);
  if (others.length === 0) return { accepts, invalid: null };
  const message = `allowedRoutes.kinds lists ${others.join(', ')}, not served on ${l.protocol} (${names.join(' and ')} ${names.length > 1 ? 'are' : 'is'})`;
  diags.push(diagnostic(gatewayRef(g), 'InvalidRouteKinds', `${where}: ${message}`, accepts.size > 0 ? 'warning' : 'error'));
  return { accepts, invalid: message };
}

/**
 * tls.mode Terminate (the default) with certificateRefs to core Secrets; a Secret in another
 * namespace needs a ReferenceGrant from this Gateway's namespace. The first usable ref serves.
 */
function listenerCertificate(view: StoreView, g: Gateway, l: GatewayListener, where: string, diags: Diagnostic[]):
  { ok: true; certificate: Certificate } | { ok: false; status: Partial<ListenerState> } {
  const ref = gatewayRef(g);
  const mode = l.tls?.mode ?? 'Terminate';
  if (mode !== 'Terminate') {
    const message = `HTTPS with tls.mode ${JSON.stringify(mode)} is not served (HTTPS terminates; passthrough is protocol TLS)`;
    diags.push(diagnostic(ref, 'UnsupportedProtocol', `${where}: ${message}`));
    return { ok: false, status: { accepted: 'UnsupportedProtocol', supportedKinds: [], message } };
  }
  let notPermitted = 0;
  const refs = Array.isArray(l.tls?.certificateRefs) ? l.tls.certificateRefs : [];
  const problems: string[] = [];
  for (const r of refs) {
    const group = r?.group ?? '';
    const kind = r?.kind ?? 'Secret';
    const ns = r?.namespace ?? ref.namespace;
    const name = typeof r?.name === 'string' ? r.name : '';
    const key = nsName(ns, name);
    if (group !== '' || kind !== 'Secret') {
      problems.push(`${group}/${kind} ${key} is not a core Secret`);
      continue;
    }
    if (!referenceAllowed(view, { group: GATEWAY_GROUP, kind: 'Gateway', namespace: ref.namespace }, { group: '', kind: 'Secret', namespace: ns, name })) {
      diags.push(diagnostic(ref, 'RefNotPermitted', `${where}: Secret ${key} is in another namespace and no ReferenceGrant there allows Gateways from ${ref.namespace}`));
      problems.push(`Secret ${key} not permitted`);
      notPermitted++;
      continue;
    }
    const secret = view.get('Secret', key);
    if (!secret) {
      problems.push(`Secret ${key} not found`);
      continue;
    }
    const parsed = parseCached(secret);
    if (!parsed.ok) {
      problems.push(`Secret ${key}: ${parsed.message}`);
      continue;
    }
    const t = parsed.tls;
    return { ok: true, certificate: { id: key, certPem: t.certPem, keyPem: t.keyPem, names: t.names, notBefore: t.notBefore, notAfter: t.notAfter } };
  }
  const message = refs.length === 0 ? 'HTTPS needs tls.certificateRefs' : problems.join('; ');
  diags.push(diagnostic(ref, 'InvalidCertificateRef', `${where}: ${message}`));
  // ListenerReasonInvalidCertificateRef is for references that are allowed; otherwise RefNotPermitted.
  return { ok: false, status: { refs: notPermitted > 0 && notPermitted === problems.length ? 'RefNotPermitted' : 'InvalidCertificateRef', message } };
}
