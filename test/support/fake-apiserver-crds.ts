// Gateway API resources for the fake API server: served only while their "CRDs" are installed
// (FakeApiServer.installGatewayApi), with the discovery documents a client reads to find out
// (`GET /apis/{group}/{version}` → APIResourceList, 404 when no CRD serves that version).
import type { ResourceDef } from './fake-apiserver.ts';

const G = 'gateway.networking.k8s.io';

/** Every version a Gateway API CRD may serve here; which are installed is the server's state. */
export const GATEWAY_API_RESOURCES: readonly ResourceDef[] = [
  { kind: 'GatewayClass', group: G, version: 'v1', plural: 'gatewayclasses', namespaced: false, status: true },
  { kind: 'Gateway', group: G, version: 'v1', plural: 'gateways', namespaced: true, status: true },
  { kind: 'HTTPRoute', group: G, version: 'v1', plural: 'httproutes', namespaced: true, status: true },
  { kind: 'GRPCRoute', group: G, version: 'v1', plural: 'grpcroutes', namespaced: true, status: true },
  { kind: 'ReferenceGrant', group: G, version: 'v1', plural: 'referencegrants', namespaced: true, status: false },
  { kind: 'ReferenceGrant', group: G, version: 'v1beta1', plural: 'referencegrants', namespaced: true, status: false },
  // Experimental channel kinds.
  { kind: 'TCPRoute', group: G, version: 'v1alpha2', plural: 'tcproutes', namespaced: true, status: true },
  { kind: 'UDPRoute', group: G, version: 'v1alpha2', plural: 'udproutes', namespaced: true, status: true },
  { kind: 'TLSRoute', group: G, version: 'v1alpha2', plural: 'tlsroutes', namespaced: true, status: true },
  { kind: 'BackendTLSPolicy', group: G, version: 'v1', plural: 'backendtlspolicies', namespaced: true, status: true },
];

/** `group/version/plural` of a definition: what "installed" is keyed by. */
export function crdKey(d: ResourceDef): string {
  return `${d.group}/${d.version}/${d.plural}`;
}

/** Which definitions `installGatewayApi` installs: all v1 and v1alpha2, ReferenceGrant as v1 or v1beta1 (or both). */
export function gatewayApiSelection(referenceGrant: readonly ('v1' | 'v1beta1')[]): ResourceDef[] {
  return GATEWAY_API_RESOURCES.filter((d) => (d.kind === 'ReferenceGrant' ? referenceGrant.includes(d.version as 'v1') : d.version === 'v1' || d.version === 'v1alpha2'));
}

/** metav1.APIResourceList for one group/version, like the real server's discovery endpoint. */
export function apiResourceList(group: string, version: string, defs: readonly ResourceDef[]): Record<string, unknown> {
  const resources = defs.flatMap((d) => {
    const main = { name: d.plural, singularName: d.kind.toLowerCase(), namespaced: d.namespaced, kind: d.kind,
      verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'] };
    return d.status ? [main, { name: `${d.plural}/status`, singularName: '', namespaced: d.namespaced, kind: d.kind, verbs: ['get', 'patch', 'update'] }] : [main];
  });
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`, resources };
}
