// Narrow shapes of the Kubernetes objects Portico reads (SPEC §1, §3, §4, §7). Plain JSON as it
// arrives from a YAML file or a watch event: every field optional, because user input is not
// trusted to follow the schema. Translate checks what it uses.
// This is the only place Kubernetes object shapes are interpreted (ARCHITECTURE.md layout).
import type { GRPCRoute, Gateway, GatewayClass, HTTPRoute, Namespace, ReferenceGrant, TCPRoute, TLSRoute, UDPRoute, BackendTLSPolicy } from './gateway-types.ts';

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  /** RFC 3339 string (sources normalise client-node Date instances to strings). */
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface ServiceBackendPort { name?: string; number?: number }
export interface IngressServiceBackend { name?: string; port?: ServiceBackendPort }
export interface TypedLocalObjectReference { apiGroup?: string; kind?: string; name?: string }
export interface IngressBackend { service?: IngressServiceBackend; resource?: TypedLocalObjectReference }
export interface HTTPIngressPath { path?: string; pathType?: string; backend?: IngressBackend }
export interface IngressRule { host?: string; http?: { paths?: HTTPIngressPath[] } }
export interface IngressTLS { hosts?: string[]; secretName?: string }
export interface IngressLoadBalancerIngress { ip?: string; hostname?: string; ports?: { port: number; protocol: string; error?: string }[] }

export interface Ingress extends KubeObject {
  spec?: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    tls?: IngressTLS[];
    rules?: IngressRule[];
  };
  status?: { loadBalancer?: { ingress?: IngressLoadBalancerIngress[] } };
}

export interface IngressClass extends KubeObject {
  spec?: {
    controller?: string;
    parameters?: { apiGroup?: string; kind?: string; name?: string; scope?: string; namespace?: string };
  };
}

export interface ServicePort {
  name?: string;
  protocol?: string;
  appProtocol?: string;
  port?: number;
  targetPort?: number | string;
  nodePort?: number;
}

export interface Service extends KubeObject {
  spec?: {
    type?: string;
    ports?: ServicePort[];
    selector?: Record<string, string>;
    clusterIP?: string;
    clusterIPs?: string[];
    externalName?: string;
    externalIPs?: string[];
    sessionAffinity?: string;
    sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
    publishNotReadyAddresses?: boolean;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export interface EndpointConditions { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null }

export interface EndpointSlice extends KubeObject {
  addressType?: string;
  endpoints?: {
    addresses?: string[];
    conditions?: EndpointConditions;
    hostname?: string;
    nodeName?: string;
    zone?: string;
  }[];
  ports?: { name?: string | null; protocol?: string; port?: number | null; appProtocol?: string }[];
}

export interface EndpointAddress { ip?: string; hostname?: string; nodeName?: string }
export interface Endpoints extends KubeObject {
  subsets?: {
    addresses?: EndpointAddress[];
    notReadyAddresses?: EndpointAddress[];
    ports?: { name?: string; port?: number; protocol?: string }[];
  }[];
}

export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  /** Accepted in files (SPEC §7); the API server returns only `data`. */
  stringData?: Record<string, string>;
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** The kinds Portico stores (the Gateway API ones: gateway-types.ts). */
export const KINDS = ['Ingress', 'IngressClass', 'Service', 'EndpointSlice', 'Endpoints', 'Secret', 'ConfigMap',
  'GatewayClass', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant', 'Namespace', 'TCPRoute', 'UDPRoute', 'TLSRoute', 'BackendTLSPolicy'] as const;
export type Kind = (typeof KINDS)[number];

export type ObjectOfKind<K extends Kind> =
  K extends 'Ingress' ? Ingress :
  K extends 'IngressClass' ? IngressClass :
  K extends 'Service' ? Service :
  K extends 'EndpointSlice' ? EndpointSlice :
  K extends 'Endpoints' ? Endpoints :
  K extends 'Secret' ? Secret :
  K extends 'ConfigMap' ? ConfigMap :
  K extends 'GatewayClass' ? GatewayClass :
  K extends 'Gateway' ? Gateway :
  K extends 'HTTPRoute' ? HTTPRoute :
  K extends 'GRPCRoute' ? GRPCRoute :
  K extends 'ReferenceGrant' ? ReferenceGrant :
  K extends 'Namespace' ? Namespace :
  K extends 'TCPRoute' ? TCPRoute :
  K extends 'UDPRoute' ? UDPRoute :
  K extends 'TLSRoute' ? TLSRoute :
  K extends 'BackendTLSPolicy' ? BackendTLSPolicy : never;

/** apiVersion each kind must carry in a manifest file. */
export const API_VERSIONS: Readonly<Record<Kind, string>> = {
  Ingress: 'networking.k8s.io/v1',
  IngressClass: 'networking.k8s.io/v1',
  Service: 'v1',
  EndpointSlice: 'discovery.k8s.io/v1',
  Endpoints: 'v1',
  Secret: 'v1',
  ConfigMap: 'v1',
  GatewayClass: 'gateway.networking.k8s.io/v1',
  Gateway: 'gateway.networking.k8s.io/v1',
  HTTPRoute: 'gateway.networking.k8s.io/v1',
  GRPCRoute: 'gateway.networking.k8s.io/v1',
  ReferenceGrant: 'gateway.networking.k8s.io/v1',
  Namespace: 'v1',
  // Experimental channel (gateway-api apis/v1alpha2); newer releases also serve them as v1.
  TCPRoute: 'gateway.networking.k8s.io/v1alpha2',
  UDPRoute: 'gateway.networking.k8s.io/v1alpha2',
  TLSRoute: 'gateway.networking.k8s.io/v1alpha2',
  BackendTLSPolicy: 'gateway.networking.k8s.io/v1',
};

/** Older apiVersions still read for a kind (ReferenceGrant moved to v1 in gateway-api v1.5). */
export const OLDER_API_VERSIONS: Readonly<Partial<Record<Kind, readonly string[]>>> = {
  ReferenceGrant: ['gateway.networking.k8s.io/v1beta1'],
  TCPRoute: ['gateway.networking.k8s.io/v1'],
  UDPRoute: ['gateway.networking.k8s.io/v1'],
  TLSRoute: ['gateway.networking.k8s.io/v1alpha3', 'gateway.networking.k8s.io/v1'],
  BackendTLSPolicy: ['gateway.networking.k8s.io/v1alpha3'],
};

export const CLUSTER_SCOPED: ReadonlySet<Kind> = new Set<Kind>(['IngressClass', 'GatewayClass', 'Namespace']);

export function isKind(k: unknown): k is Kind {
  return typeof k === 'string' && (KINDS as readonly string[]).includes(k);
}
