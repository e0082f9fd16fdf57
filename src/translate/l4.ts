// tcp/udp services ConfigMaps → L4Routes and their Clusters (README "TCP and UDP services (L4)" "Configuration").
//
// Format, the ingress-nginx convention: each data key is a listen port (1..65535), each value
//   namespace/service:port                     plain forwarding
//   namespace/service:port:PROXY               send PROXY protocol v1 upstream (README "TCP and UDP services (L4)")
//   namespace/service:port:PROXYv1|PROXYv2     choose the PROXY protocol version explicitly
//   namespace/service:port:<decode>:<encode>   ingress-nginx's 4-field form: <encode> as above;
//                                              <decode> must be empty (inbound PROXY is the
//                                              process-wide --l4-accept-proxy-protocol)
// `port` is the Service port number or name. A malformed entry is dropped with a Diagnostic on the
// ConfigMap; the other entries keep working. An entry whose Service or port cannot be resolved
// keeps its listener with clusterId null (connections are closed, like HTTP's 503, SPEC §1.7
// [choice]) so that it starts forwarding as soon as the Service appears.

import { splitKey } from '../k8s/keys.ts';
import type { StoreView } from '../store/store.ts';
import type { Cluster } from '../model/cluster.ts';
import type { L4Route, ProxyProtocolMode } from '../model/l4.ts';
import { diagnostic, compareDiagnostics, type Diagnostic, type ObjectRef } from '../model/diagnostic.ts';
import { resolveServiceBackend } from './backends.ts';

export interface L4TranslateOptions {
  tcpServicesConfigMap: string | null;
  udpServicesConfigMap: string | null;
  allowExternalName: boolean;
}

export interface L4TranslateResult {
  routes: L4Route[];
  clusters: Cluster[];
  diagnostics: Diagnostic[];
}

/** Parsed value of one ConfigMap entry. */
export interface L4Target {
  namespace: string;
  service: string;
  port: { number?: number; name?: string };
  proxyProtocol: ProxyProtocolMode;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const PORT_NUMBER = /^[0-9]{1,5}$/;

export function translateL4(view: StoreView, opts: L4TranslateOptions): L4TranslateResult {
  const routes: L4Route[] = [];
  const clusters = new Map<string, Cluster>();
  const diagnostics: Diagnostic[] = [];
  const sources: [string | null, 'TCP' | 'UDP'][] = [[opts.tcpServicesConfigMap, 'TCP'], [opts.udpServicesConfigMap, 'UDP']];
  for (const [key, protocol] of sources) {
    if (key === null || key === '') continue;
    const { namespace, name } = splitKey(key);
    const ref: ObjectRef = { kind: 'ConfigMap', namespace, name };
    const cm = view.get('ConfigMap', key);
    if (!cm) {
      diagnostics.push(diagnostic(ref, 'ConfigMapNotFound', `${protocol.toLowerCase()} services ConfigMap ${key} not found`, 'warning'));
      continue;
    }
    const data = cm.data && typeof cm.data === 'object' ? cm.data : {};
    for (const k of Object.keys(data).sort()) {
      const value = data[k];
      const where = `${protocol.toLowerCase()} services entry ${JSON.stringify(k)}`;
      if (!PORT_NUMBER.test(k) || Number(k) < 1 || Number(k) > 65535) {
        diagnostics.push(diagnostic(ref, 'InvalidListenPort', `${where}: the key must be a port number 1..65535`));
        continue;
      }
      const parsed = parseL4Target(typeof value === 'string' ? value : '');
      if ('error' in parsed) {
        diagnostics.push(diagnostic(ref, 'InvalidL4Target', `${where}: ${parsed.error}`));
        continue;
      }
      const t = parsed.target;
      const listenPort = Number(k);
      if (protocol === 'UDP' && t.proxyProtocol !== 'none') {
        // PROXY protocol is a stream preamble; there is no agreed per-datagram form to send to a
        // UDP backend, so the option is ignored there rather than corrupting every datagram.
        diagnostics.push(diagnostic(ref, 'UnsupportedOption', `${where}: PROXY protocol is not sent to UDP backends; ignored`, 'warning'));
        t.proxyProtocol = 'none';
      }
      const res = resolveServiceBackend(view, t.namespace, t.service, t.port, { allowExternalName: opts.allowExternalName, protocol });
      let clusterId: string | null = null;
      if (res.ok) {
        // A TCP and a UDP port of one Service share `ns/svc:port` (DNS on 53): the UDP cluster gets
        // its own id so both can live in one Snapshot and one EndpointSet.
        const cluster = protocol === 'UDP' ? { ...res.cluster, id: `${res.cluster.id}/udp` } : res.cluster;
        clusters.set(cluster.id, cluster);
        clusterId = cluster.id;
      } else {
        // An L4 port without a backend is not served at all: an error here, unlike an HTTP route's 503.
        diagnostics.push(diagnostic(ref, res.reason, `${where}: ${res.message}`, 'error'));
      }
      routes.push({
        id: `${protocol.toLowerCase()}/${listenPort}`,
        protocol,
        listenPort,
        clusterId,
        proxyProtocol: t.proxyProtocol,
        source: value,
        origin: ref,
      });
    }
  }
  routes.sort((a, b) => cmp(a.id, b.id));
  return {
    routes,
    clusters: [...clusters.values()].sort((a, b) => cmp(a.id, b.id)),
    diagnostics: diagnostics.sort(compareDiagnostics),
  };
}

/** Parse `namespace/service:port[:PROXY…]` (see the header of this file). */
export function parseL4Target(value: string): { target: L4Target } | { error: string } {
  const v = value.trim();
  const slash = v.indexOf('/');
  if (slash <= 0) return { error: `${JSON.stringify(value)} is not namespace/service:port` };
  const namespace = v.slice(0, slash);
  const fields = v.slice(slash + 1).split(':');
  const service = fields[0];
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) return { error: `invalid namespace ${JSON.stringify(namespace)}` };
  if (!DNS_LABEL.test(service) || service.length > 63) return { error: `invalid service name ${JSON.stringify(service)}` };
  if (fields.length < 2 || fields[1] === '') return { error: `${JSON.stringify(value)} has no service port` };
  if (fields.length > 4) return { error: `${JSON.stringify(value)} has too many ':' fields` };
  const p = fields[1];
  let port: L4Target['port'];
  if (PORT_NUMBER.test(p)) {
    const n = Number(p);
    if (n < 1 || n > 65535) return { error: `service port ${p} is out of range 1..65535` };
    port = { number: n };
  } else if (DNS_LABEL.test(p) && p.length <= 63 && /[a-z]/.test(p)) {
    port = { name: p };
  } else {
    return { error: `invalid service port ${JSON.stringify(p)}` };
  }
  let encode = '';
  if (fields.length === 3) encode = fields[2];
  if (fields.length === 4) {
    if (fields[2] !== '') {
      return { error: 'per-entry inbound PROXY protocol (third field) is not supported; use --l4-accept-proxy-protocol' };
    }
    encode = fields[3];
  }
  const mode = proxyMode(encode);
  if (mode === null) return { error: `unknown option ${JSON.stringify(encode)} (expected PROXY, PROXYv1 or PROXYv2)` };
  return { target: { namespace, service, port, proxyProtocol: mode } };
}

function proxyMode(s: string): ProxyProtocolMode | null {
  switch (s.toUpperCase()) {
    case '': return 'none';
    case 'PROXY': case 'PROXYV1': return 'v1';
    case 'PROXYV2': return 'v2';
    default: return null;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
