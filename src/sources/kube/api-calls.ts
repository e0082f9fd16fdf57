// Every Kubernetes API call Portico makes, in one place, so that the RBAC rules in deploy/ can be
// checked against it (README "Run in a cluster" "Done when"; test/deploy/manifests.test.ts). A new call anywhere
// in src/sources/kube or src/status belongs in this list in the same change.

export interface ApiCall {
  readonly group: string; // '' = core
  /** Resource name as RBAC spells it, `ingresses/status` for a subresource. */
  readonly resource: string;
  readonly verbs: readonly string[];
  readonly by: string;
}

export const PORTICO_API_CALLS: readonly ApiCall[] = [
  // KubeSource informers: paged list + watch (src/sources/kube/kind-watcher.ts).
  { group: 'networking.k8s.io', resource: 'ingresses', verbs: ['list', 'watch'], by: 'KubeSource' },
  { group: 'networking.k8s.io', resource: 'ingressclasses', verbs: ['list', 'watch'], by: 'KubeSource' },
  { group: '', resource: 'services', verbs: ['list', 'watch'], by: 'KubeSource' },
  { group: 'discovery.k8s.io', resource: 'endpointslices', verbs: ['list', 'watch'], by: 'KubeSource' },
  { group: '', resource: 'secrets', verbs: ['list', 'watch'], by: 'KubeSource' },
  { group: '', resource: 'configmaps', verbs: ['list', 'watch'], by: 'KubeSource' },
  // Status (src/status/ingress-status.ts): merge PATCH of the status subresource.
  { group: 'networking.k8s.io', resource: 'ingresses/status', verbs: ['patch'], by: 'IngressStatusWriter' },
  { group: '', resource: 'services', verbs: ['get'], by: 'PublishAddress' },
  // Leader election (src/status/leader-election.ts).
  { group: 'coordination.k8s.io', resource: 'leases', verbs: ['get', 'create', 'update'], by: 'LeaderElector' },
  // Diagnostics as Events (src/status/events.ts).
  { group: '', resource: 'events', verbs: ['create'], by: 'EventRecorder' },
];

/**
 * The calls made only when the Gateway API CRDs are installed (README "Gateway API"): granted by
 * deploy/gateway-api/, not the base (a cluster without the CRDs needs none of them). Discovery
 * (`GET /apis/gateway.networking.k8s.io/{version}`) needs no rule: system:discovery allows it.
 */
export const GATEWAY_API_CALLS: readonly ApiCall[] = [
  ...['gatewayclasses', 'gateways', 'httproutes', 'grpcroutes', 'referencegrants'].map((resource) =>
    ({ group: 'gateway.networking.k8s.io', resource, verbs: ['list', 'watch'], by: 'KubeSource' })),
  { group: '', resource: 'namespaces', verbs: ['list', 'watch'], by: 'KubeSource' },
  // Status (src/status/gateway-status.ts): merge PATCH of the status subresources.
  ...['gatewayclasses/status', 'gateways/status', 'httproutes/status', 'grpcroutes/status'].map((resource) =>
    ({ group: 'gateway.networking.k8s.io', resource, verbs: ['patch'], by: 'GatewayStatusWriter' })),
];
