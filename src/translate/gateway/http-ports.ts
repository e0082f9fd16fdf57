// HTTP and HTTPS Gateway listeners on ports of their own (gateway_types.go Listener.Port): every
// such listener is served on its declared port plus --gateway-port-offset. --http-port and
// --https-port are the main servers; any other port gets a listener of its own in the dataplane
// (src/dataplane/http/gateway-ports.ts), routed only by the listeners declared on it
// (conformance httproute-listener-port-matching, gateway-http-listener-isolation).
import type { Certificate } from '../../model/certificate.ts';
import { diagnostic, type Diagnostic } from '../../model/diagnostic.ts';
import type { GatewayHttpPort, GatewaySni, GatewayTlsPort } from '../../model/gateway.ts';
import { hostKind } from './hostnames.ts';
import { gatewayRef, type GatewayListeners, type GatewayPorts, type ServedListener } from './listeners.ts';
import { cmp, compareAge } from './parents.ts';

/** The port a listener is bound on. */
export function bindPortOf(l: { readonly port: number }, ports: GatewayPorts): number {
  return l.port + ports.offset;
}

/**
 * One port speaks one protocol. Within a Gateway, HTTP beside HTTPS/TLS on one port is a
 * ProtocolConflict (listeners.ts listenerConflict); across Gateways the oldest Gateway's listener
 * keeps the port (the spec's conflict tie-break, gateway_types.go "the oldest Route/Gateway wins")
 * and a later one of the other protocol is not served (PortUnavailable, Accepted False).
 * L4 listeners (TCP, UDP, TLS passthrough) on such a port are left to the bind (ListenFailed).
 */
export function claimHttpPorts(listeners: GatewayListeners, ports: GatewayPorts, diags: Diagnostic[]): void {
  const owner = new Map<number, { scheme: 'http' | 'https'; gateway: string }>();
  const entries = [...listeners.byGateway.values()].sort((a, b) => compareAge(a.gateway, b.gateway));
  for (const entry of entries) {
    entry.listeners = entry.listeners.filter((l) => {
      if (l.scheme !== 'http' && l.scheme !== 'https') return true;
      const port = bindPortOf(l, ports);
      const o = owner.get(port);
      if (o === undefined) {
        owner.set(port, { scheme: l.scheme, gateway: l.gatewayKey });
        return true;
      }
      if (o.scheme === l.scheme) return true;
      const message = `port ${port} is served as ${o.scheme.toUpperCase()} for the older Gateway ${o.gateway}; it cannot serve ${l.scheme.toUpperCase()} too`;
      Object.assign(l.status, { accepted: 'PortUnavailable', served: false, message });
      diags.push(diagnostic(gatewayRef(l.gateway), 'PortUnavailable', `listener ${JSON.stringify(l.name)}: ${message}`));
      return false;
    });
  }
}

/** The SNI entries of HTTPS listeners, first listener of a hostname wins (listeners in precedence order). */
export function sniOf(ls: readonly ServedListener[], certificates: Map<string, Certificate>): { sni: GatewaySni[]; anyHostCertificateId: string | null } {
  const sni = new Map<string, GatewaySni>();
  let anyHostCertificateId: string | null = null;
  for (const l of ls) {
    if (l.certificate === null) continue;
    certificates.set(l.certificate.id, l.certificate);
    if (l.hostname === '') anyHostCertificateId ??= l.certificate.id;
    else if (!sni.has(l.hostname)) sni.set(l.hostname, { hostname: l.hostname, kind: hostKind(l.hostname), certificateId: l.certificate.id });
  }
  return { sni: [...sni.values()].sort((a, b) => cmp(a.hostname, b.hostname)), anyHostCertificateId };
}

/** The HTTP/HTTPS listeners not on the main ports, grouped by bound port. */
export function ownPorts(ls: readonly ServedListener[], ports: GatewayPorts, certificates: Map<string, Certificate>): GatewayHttpPort[] {
  const byPort = new Map<number, ServedListener[]>();
  for (const l of ls) {
    if (l.scheme !== 'http' && l.scheme !== 'https') continue;
    const port = bindPortOf(l, ports);
    if (port === (l.scheme === 'http' ? ports.http : ports.https)) continue;
    const group = byPort.get(port);
    if (group === undefined) byPort.set(port, [l]);
    else group.push(l);
  }
  return [...byPort.entries()].sort(([a], [b]) => a - b).map(([port, group]) => {
    const scheme = group[0].scheme as 'http' | 'https';
    const { sni, anyHostCertificateId } = scheme === 'https' ? sniOf(group, certificates) : { sni: [], anyHostCertificateId: null };
    return { port, scheme, listeners: group.map((l) => ({ gateway: l.gatewayKey, name: l.name })), sni, anyHostCertificateId };
  });
}

/**
 * A TLS passthrough port that is also an HTTPS listener's own port is read by that port's TLS
 * front, as --https-port's (one socket per port): its hosts join the HTTPS port, and the L4
 * module does not bind it (conformance gateway-https-and-tls-passthrough-same-port).
 */
export function mergePassthrough(ports: GatewayHttpPort[], tlsPorts: readonly GatewayTlsPort[]): { ports: GatewayHttpPort[]; tlsPorts: GatewayTlsPort[] } {
  const https = new Map(ports.filter((p) => p.scheme === 'https').map((p) => [p.port, p]));
  const rest: GatewayTlsPort[] = [];
  const merged = new Map<number, GatewayTlsPort>();
  for (const t of tlsPorts) {
    if (https.has(t.port)) merged.set(t.port, t);
    else rest.push(t);
  }
  return { ports: ports.map((p) => { const t = merged.get(p.port); return t === undefined ? p : { ...p, passthrough: t.hosts }; }), tlsPorts: rest };
}
