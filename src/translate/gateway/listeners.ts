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
  /** False when allowedRoutes.kinds excludes HTTPRoute (InvalidRouteKinds). */
  readonly acceptsHTTPRoute: boolean;
}

export interface GatewayListeners {
  /** Every listener of every Gateway of ours, served or not, by Gateway key. */
  readonly byGateway: Map<string, { gateway: Gateway; listeners: ServedListener[]; names: Set<string> }>;
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
    const entry = { gateway: g, listeners: [] as ServedListener[], names: new Set<string>() };
    byGateway.set(key, entry);
    const list = g.spec?.listeners;
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
      const port = l.port;
      if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
        diags.push(diagnostic(ref, 'InvalidListener', `${where}: port ${JSON.stringify(port)} is not 1..65535`));
        continue;
      }
      let hostname = '';
      if (l.hostname !== undefined && l.hostname !== '') {
        const h = checkHostname(l.hostname);
        if (!h.ok) {
          diags.push(diagnostic(ref, 'InvalidListener', `${where}: ${h.message}`));
          continue;
        }
        hostname = h.hostname;
      }
      const protocol = l.protocol;
      if (protocol !== 'HTTP' && protocol !== 'HTTPS') {
        diags.push(diagnostic(ref, 'UnsupportedProtocol', `${where}: protocol ${JSON.stringify(protocol)} is not served yet (HTTP and HTTPS are)`));
        continue;
      }
      // gateway_types.go Listener: port+protocol+hostname must be distinct within a Gateway
      // (Conflicted/HostnameConflict); both are reported, the first keeps serving.
      const ph = `${port}|${hostname}`;
      if (portHost.has(ph)) {
        diags.push(diagnostic(ref, 'InvalidListener', `${where}: another listener already uses port ${port} with hostname ${JSON.stringify(hostname)} (HostnameConflict)`));
        continue;
      }
      portHost.add(ph);
      const scheme = protocol === 'HTTP' ? 'http' : 'https';
      const want = scheme === 'http' ? ports.http : ports.https;
      const effective = (port as number) + ports.offset;
      if (want === null || effective !== want) {
        diags.push(diagnostic(ref, 'PortUnavailable', `${where}: port ${port}${ports.offset ? ` + offset ${ports.offset} = ${effective}` : ''} is not the ${scheme.toUpperCase()} port (${want ?? 'off'}); only listeners on --${scheme}-port are served`));
        continue;
      }
      let certificate: Certificate | null = null;
      if (scheme === 'https') {
        const c = listenerCertificate(view, g, l, where, diags);
        if (c === null) continue;
        certificate = c;
      }
      entry.listeners.push({
        gateway: g, gatewayKey: key, name, id: `${key}/${name}`, port: port as number, scheme, hostname, certificate, spec: l,
        acceptsHTTPRoute: acceptsHTTPRoute(g, l, where, diags),
      });
    }
  }
  return { byGateway };
}

/** allowedRoutes.kinds: default (absent/empty) = the protocol's route kinds, HTTPRoute here. */
function acceptsHTTPRoute(g: Gateway, l: GatewayListener, where: string, diags: Diagnostic[]): boolean {
  const kinds = l.allowedRoutes?.kinds;
  if (!Array.isArray(kinds) || kinds.length === 0) return true;
  if (kinds.some((k) => k && (k.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && k.kind === 'HTTPRoute')) return true;
  diags.push(diagnostic(gatewayRef(g), 'InvalidRouteKinds', `${where}: allowedRoutes.kinds lists no HTTPRoute (the only route kind served on ${l.protocol})`));
  return false;
}

/**
 * tls.mode Terminate (the default) with certificateRefs to core Secrets; a Secret in another
 * namespace needs a ReferenceGrant from this Gateway's namespace. The first usable ref serves.
 */
function listenerCertificate(view: StoreView, g: Gateway, l: GatewayListener, where: string, diags: Diagnostic[]): Certificate | null {
  const ref = gatewayRef(g);
  const mode = l.tls?.mode ?? 'Terminate';
  if (mode !== 'Terminate') {
    diags.push(diagnostic(ref, 'UnsupportedProtocol', `${where}: tls.mode ${JSON.stringify(mode)} is not served yet (Terminate is)`));
    return null;
  }
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
    return { id: key, certPem: t.certPem, keyPem: t.keyPem, names: t.names, notBefore: t.notBefore, notAfter: t.notAfter };
  }
  diags.push(diagnostic(ref, 'InvalidCertificateRef', `${where}: ${refs.length === 0 ? 'HTTPS needs tls.certificateRefs' : problems.join('; ')}`));
  return null;
}
