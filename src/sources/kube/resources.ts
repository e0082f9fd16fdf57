import type { Kind } from '../../k8s/types.ts';

/** Where each watched kind lives on the API server (SPEC §6.1). */
export interface WatchedResource {
  readonly kind: Kind;
  readonly group: string; // '' = core
  readonly version: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** Server-side filter: only TLS Secrets are ever read (SPEC §6.1). */
  readonly fieldSelector?: string;
}

export const WATCHED_RESOURCES: Readonly<Record<Kind, WatchedResource>> = {
  Ingress: { kind: 'Ingress', group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', namespaced: true },
  IngressClass: { kind: 'IngressClass', group: 'networking.k8s.io', version: 'v1', plural: 'ingressclasses', namespaced: false },
  Service: { kind: 'Service', group: '', version: 'v1', plural: 'services', namespaced: true },
  EndpointSlice: { kind: 'EndpointSlice', group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true },
  Endpoints: { kind: 'Endpoints', group: '', version: 'v1', plural: 'endpoints', namespaced: true },
  Secret: { kind: 'Secret', group: '', version: 'v1', plural: 'secrets', namespaced: true, fieldSelector: 'type=kubernetes.io/tls' },
  ConfigMap: { kind: 'ConfigMap', group: '', version: 'v1', plural: 'configmaps', namespaced: true },
  // Gateway API: not in DEFAULT_WATCHED_KINDS; watched while discovery finds their CRDs installed
  // (gateway-discovery.ts, README "Gateway API"), at the version discovery reports.
  GatewayClass: { kind: 'GatewayClass', group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gatewayclasses', namespaced: false },
  Gateway: { kind: 'Gateway', group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways', namespaced: true },
  HTTPRoute: { kind: 'HTTPRoute', group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes', namespaced: true },
  GRPCRoute: { kind: 'GRPCRoute', group: 'gateway.networking.k8s.io', version: 'v1', plural: 'grpcroutes', namespaced: true },
  ReferenceGrant: { kind: 'ReferenceGrant', group: 'gateway.networking.k8s.io', version: 'v1', plural: 'referencegrants', namespaced: true },
  Namespace: { kind: 'Namespace', group: '', version: 'v1', plural: 'namespaces', namespaced: false },
  TCPRoute: { kind: 'TCPRoute', group: 'gateway.networking.k8s.io', version: 'v1alpha2', plural: 'tcproutes', namespaced: true },
  UDPRoute: { kind: 'UDPRoute', group: 'gateway.networking.k8s.io', version: 'v1alpha2', plural: 'udproutes', namespaced: true },
  BackendTLSPolicy: { kind: 'BackendTLSPolicy', group: 'gateway.networking.k8s.io', version: 'v1', plural: 'backendtlspolicies', namespaced: true },
  TLSRoute: { kind: 'TLSRoute', group: 'gateway.networking.k8s.io', version: 'v1alpha2', plural: 'tlsroutes', namespaced: true },
};

/**
 * Kinds watched by default. Endpoints (v1) are left out: deprecated since v1.33, EndpointSlices
 * replace them (SPEC §4.1) and watching them doubles the endpoint traffic; opt in with `kinds`.
 * ConfigMaps feed the L4 tcp/udp services maps (README "TCP and UDP services (L4)").
 */
export const DEFAULT_WATCHED_KINDS: readonly Kind[] = ['Ingress', 'IngressClass', 'Service', 'EndpointSlice', 'Secret', 'ConfigMap'];

export function apiVersionOf(r: WatchedResource): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** Collection URL path, namespaced when a namespace is given and the kind is namespaced. */
export function collectionPath(r: WatchedResource, namespace: string | null): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return r.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.plural}` : `${base}/${r.plural}`;
}
