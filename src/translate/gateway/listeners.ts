// Gateways of Portico's GatewayClasses and their listeners (gateway-api apis/v1/gateway_types.go).
// A listener is served when its protocol is HTTP or HTTPS (tls.mode Terminate), its port plus
// --gateway-port-offset is the port of Portico's HTTP or HTTPS server, and (HTTPS) a certificateRef
// names a valid TLS Secret it may read. Anything else: a diagnostic, and only that listener is off.
import type { Gateway, GatewayListener } from '../../k8s/gateway-types.ts';
import { GATEWAY_GROUP } from '../../k8s/gateway-types.ts';
import { nsName } from '../../k8s/keys.ts';
import type { StoreView } from '../../store/store.ts';
import type { Certificate } from '../../model/certificate.ts';
import { diagnostic, type Diagnostic, type ObjectRef } from '../../model/diagnostic.ts';
import { parseCached } from '../certificates.ts';
import { checkHostname } from './hostnames.ts';
import { referenceAllowed } from './references.ts';
import { GRPC_ROUTE_KIND, HTTP_ROUTE_KIND, type RouteGroupKind } from './status-report.ts';
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
  readonly scheme: 'http' | 'https';
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
    const portHost = new Set<string>();
    for (const l of list) {
      const name = typeof l?.name === 'string' ? l.name : '';
      const where = `listener ${JSON.stringify(name)}`;
      if (!NAME.test(name) || seen.has(name)) {
        diags.push(diagnostic(ref, 'InvalidListener', `${where}: name must be a unique DNS label`));
        continue;
      }
      seen.add(name);
      entry.names.add(name);
      const st: ListenerState = { name, accepted: null, refs: null, conflicted: null, served: false, message: '', supportedKinds: [...SERVED_KINDS], attachedRoutes: 0 };
      entry.states.push(st);
      /** Records the problem on the listener's status and as a diagnostic. */
      const problem = (reason: 'InvalidListener' | 'UnsupportedProtocol' | 'PortUnavailable', status: Partial<ListenerState>, message: string): void => {
        Object.assign(st, status, { message });
        diags.push(diagnostic(ref, reason, `${where}: ${message}`));
      };
      const port = l.port;
      if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
        problem('InvalidListener', { accepted: 'UnsupportedValue' }, `port ${JSON.stringify(port)} is not 1..65535`);
        continue;
      }
      let hostname = '';
      if (l.hostname !== undefined && l.hostname !== '') {
        const h = checkHostname(l.hostname);
        if (!h.ok) {
          problem('InvalidListener', { accepted: 'UnsupportedValue' }, h.message);
          continue;
        }
        hostname = h.hostname;
      }
      const protocol = l.protocol;
      if (protocol !== 'HTTP' && protocol !== 'HTTPS') {
        // ListenerStatus.SupportedKinds: the kinds served for the protocol, none here.
        problem('UnsupportedProtocol', { accepted: 'UnsupportedProtocol', supportedKinds: [] }, `protocol ${JSON.stringify(protocol)} is not served yet (HTTP and HTTPS are)`);
        continue;
      }
      // gateway_types.go Listener: port+protocol+hostname must be distinct within a Gateway
      // (Conflicted/HostnameConflict); both are reported, the first keeps serving.
      const ph = `${port}|${hostname}`;
      if (portHost.has(ph)) {
        problem('InvalidListener', { conflicted: 'HostnameConflict' }, `another listener already uses port ${port} with hostname ${JSON.stringify(hostname)} (HostnameConflict)`);
        continue;
      }
      portHost.add(ph);
      const scheme = protocol === 'HTTP' ? 'http' : 'https';
      const want = scheme === 'http' ? ports.http : ports.https;
      const effective = (port as number) + ports.offset;
      if (want === null || effective !== want) {
        problem('PortUnavailable', { accepted: 'PortUnavailable' }, `port ${port}${ports.offset ? ` + offset ${ports.offset} = ${effective}` : ''} is not the ${scheme.toUpperCase()} port (${want ?? 'off'}); only listeners on --${scheme}-port are served`);
        continue;
      }
      let certificate: Certificate | null = null;
      if (scheme === 'https') {
        const c = listenerCertificate(view, g, l, where, diags);
        if (!c.ok) {
          Object.assign(st, c.status);
          continue;
        }
        certificate = c.certificate;
      }
      const kinds = routeKinds(g, l, where, diags);
      st.supportedKinds = SERVED_KINDS.filter((k) => kinds.accepts.has(k.kind as RouteKind));
      if (kinds.invalid) Object.assign(st, { refs: 'InvalidRouteKinds', message: kinds.invalid });
      st.served = true;
      entry.listeners.push({
        gateway: g, gatewayKey: key, name, id: `${key}/${name}`, port: port as number, scheme, hostname, certificate, spec: l,
        kinds: kinds.accepts, status: st,
      });
    }
  }
  return { byGateway };
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
function routeKinds(g: Gateway, l: GatewayListener, where: string, diags: Diagnostic[]): { accepts: ReadonlySet<RouteKind>; invalid: string | null } {
  const kinds = l.allowedRoutes?.kinds;
  if (!Array.isArray(kinds) || kinds.length === 0) return { accepts: new Set<RouteKind>(['HTTPRoute', 'GRPCRoute']), invalid: null };
  const served = (k: { group?: string; kind?: string } | undefined): k is { kind: RouteKind } =>
    !!k && (k.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && (k.kind === 'HTTPRoute' || k.kind === 'GRPCRoute');
  const accepts = new Set<RouteKind>(kinds.filter(served).map((k) => k.kind));
  const others = kinds.filter((k) => !served(k)).map((k) => `${k?.group ?? GATEWAY_GROUP}/${k?.kind ?? '?'}`);
  if (others.length === 0) return { accepts, invalid: null };
  const message = `allowedRoutes.kinds lists ${others.join(', ')}, not served on ${l.protocol} (HTTPRoute and GRPCRoute are)`;
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
    const message = `tls.mode ${JSON.stringify(mode)} is not served yet (Terminate is)`;
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
