// Cluster → Endpoints, following the SPEC §4 consumer rules (README "Routing rules"). This runs on the fast
// path (one Service's slices changed), so it only reads that Service's objects.

import { nsName } from '../k8s/keys.ts';
import type { EndpointSlice, Endpoints } from '../k8s/types.ts';
import type { StoreView } from '../store/store.ts';
import type { Cluster } from '../model/cluster.ts';
import { makeEndpoint, type Endpoint } from '../model/endpoint.ts';
import { findServicePort } from './backends.ts';

export function endpointsForCluster(view: StoreView, cluster: Cluster): Endpoint[] {
  if (cluster.kind === 'external-name') {
    // Resolved at connect time by the dataplane; the name stands in for the address.
    const name = cluster.externalName ?? '';
    return name ? [makeEndpoint(name, cluster.port, true, name)] : [];
  }
  const key = nsName(cluster.namespace, cluster.service);
  const slices = view.slicesForService(key);
  // SPEC §4.1: Endpoints v1 is deprecated; read it only when no slice exists for the Service
  // (e.g. hand-written files, or a cluster with slice mirroring off).
  if (slices.length > 0) return fromSlices(view, cluster, slices);
  const eps = view.get('Endpoints', key);
  return eps ? fromEndpoints(cluster, eps) : [];
}

export function translateEndpoints(view: StoreView, clusters: readonly Cluster[]): Map<string, Endpoint[]> {
  const out = new Map<string, Endpoint[]>();
  for (const c of [...clusters].sort((a, b) => cmp(a.id, b.id))) {
    if (!out.has(c.id)) out.set(c.id, endpointsForCluster(view, c));
  }
  return out;
}

function fromSlices(view: StoreView, cluster: Cluster, slices: readonly EndpointSlice[]): Endpoint[] {
  const ready = new Map<string, Endpoint>();
  const fallback = new Map<string, Endpoint>();
  let emptyPortsTarget: number | null | undefined; // computed lazily: undefined = not yet
  for (const slice of slices) {
    if (!slice || typeof slice !== 'object') continue;
    // FQDN slices have no defined semantics; kube-proxy ignores them (SPEC §4.2).
    if (slice.addressType === 'FQDN') continue;
    let port: number | null;
    const ports = Array.isArray(slice.ports) ? slice.ports : [];
    if (ports.length === 0) {
      // SPEC §4.2: a slice without ports means "the Service's targetPort" when that is numeric.
      if (emptyPortsTarget === undefined) emptyPortsTarget = numericTargetPort(view, cluster);
      port = emptyPortsTarget;
    } else {
      // Join by name and protocol: an unnamed Service port is the slice port named '' (§1.7).
      const p = ports.find((sp) => sp && (sp.name ?? '') === cluster.portName && (sp.protocol ?? 'TCP') === cluster.protocol);
      port = p && isPort(p.port) ? (p.port as number) : null;
    }
    if (port === null) continue;
    for (const ep of Array.isArray(slice.endpoints) ? slice.endpoints : []) {
      // The controller writes exactly one address; consumers use only the first (SPEC §4.2).
      const address = Array.isArray(ep?.addresses) ? ep.addresses[0] : undefined;
      if (typeof address !== 'string' || address === '') continue;
      const c = ep.conditions ?? {};
      const isReady = c.ready ?? true;
      const serving = c.serving ?? true;
      const terminating = c.terminating ?? false;
      if (isReady) {
        const e = makeEndpoint(address, port, true);
        ready.set(e.id, e); // dedupe (ip, port) across slices
      } else if (serving && terminating) {
        const e = makeEndpoint(address, port, false);
        fallback.set(e.id, e);
      }
    }
  }
  // kube-proxy CategorizeEndpoints: ready ones; only when none, serving-and-terminating ones.
  const chosen = ready.size > 0 ? ready : fallback;
  return [...chosen.values()].sort((a, b) => cmp(a.id, b.id));
}

function numericTargetPort(view: StoreView, cluster: Cluster): number | null {
  const svc = view.get('Service', nsName(cluster.namespace, cluster.service));
  const ports = Array.isArray(svc?.spec?.ports) ? svc.spec.ports : [];
  const sp = findServicePort(ports, { number: cluster.port }, cluster.protocol);
  if (!sp) return null;
  // The API server defaults targetPort to port.
  if (sp.targetPort === undefined || sp.targetPort === null) return cluster.port;
  return isPort(sp.targetPort) ? (sp.targetPort as number) : null;
}

function fromEndpoints(cluster: Cluster, eps: Endpoints): Endpoint[] {
  const out = new Map<string, Endpoint>();
  for (const subset of Array.isArray(eps.subsets) ? eps.subsets : []) {
    const ports = Array.isArray(subset?.ports) ? subset.ports.filter((p) => p && typeof p === 'object') : [];
    // EndpointPort.name must equal the Service port name; it may be omitted when there is one port.
    const p = ports.find((sp) => (sp.name ?? '') === cluster.portName && (sp.protocol ?? 'TCP') === cluster.protocol) ??
      (ports.length === 1 && !ports[0].name && (ports[0].protocol ?? 'TCP') === cluster.protocol ? ports[0] : undefined);
    if (!p || !isPort(p.port)) continue;
    // Proxies use only `addresses`; notReadyAddresses are ignored (SPEC §4.1).
    for (const a of Array.isArray(subset.addresses) ? subset.addresses : []) {
      if (typeof a?.ip !== 'string' || a.ip === '') continue;
      const e = makeEndpoint(a.ip, p.port as number, true);
      out.set(e.id, e);
    }
  }
  return [...out.values()].sort((a, b) => cmp(a.id, b.id));
}

function isPort(p: unknown): boolean {
  return Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
