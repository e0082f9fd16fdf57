// Narrow shapes of the Gateway API objects Portico reads (gateway.networking.k8s.io v1, and
// ReferenceGrant v1beta1). Plain JSON as it arrives: every field optional and unchecked; the
// Gateway translator (src/translate/gateway/) checks what it uses and applies the CRD defaults
// itself, because in file mode no API server applied them.
// Field names and defaults: gateway-api apis/v1/gateway_types.go, httproute_types.go,
// shared_types.go, referencegrant_types.go.
import type { KubeObject } from './types.ts';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';

export interface GatewayClass extends KubeObject {
  spec?: { controllerName?: string; description?: string };
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key?: string; operator?: string; values?: string[] }[];
}

export interface SecretObjectReference { group?: string; kind?: string; name?: string; namespace?: string }

export interface GatewayListener {
  name?: string;
  hostname?: string;
  port?: number;
  protocol?: string;
  tls?: { mode?: string; certificateRefs?: SecretObjectReference[] };
  allowedRoutes?: {
    namespaces?: { from?: string; selector?: LabelSelector };
    kinds?: { group?: string; kind?: string }[];
  };
}

export interface Gateway extends KubeObject {
  spec?: { gatewayClassName?: string; listeners?: GatewayListener[] };
}

export interface ParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  sectionName?: string;
  port?: number;
}

export interface HTTPHeader { name?: string; value?: string }
export interface HTTPHeaderFilter { set?: HTTPHeader[]; add?: HTTPHeader[]; remove?: string[] }
export interface HTTPPathModifier { type?: string; replaceFullPath?: string; replacePrefixMatch?: string }

export interface HTTPRouteFilter {
  type?: string;
  requestHeaderModifier?: HTTPHeaderFilter;
  responseHeaderModifier?: HTTPHeaderFilter;
  requestRedirect?: { scheme?: string; hostname?: string; path?: HTTPPathModifier; port?: number; statusCode?: number };
  urlRewrite?: { hostname?: string; path?: HTTPPathModifier };
  requestMirror?: { backendRef?: HTTPBackendRef; percent?: number; fraction?: { numerator?: number; denominator?: number } };
}

export interface HTTPRouteMatch {
  path?: { type?: string; value?: string };
  headers?: { type?: string; name?: string; value?: string }[];
  queryParams?: { type?: string; name?: string; value?: string }[];
  method?: string;
}

export interface HTTPBackendRef {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  port?: number;
  weight?: number;
  filters?: HTTPRouteFilter[];
}

export interface HTTPRouteRule {
  name?: string;
  matches?: HTTPRouteMatch[];
  filters?: HTTPRouteFilter[];
  backendRefs?: HTTPBackendRef[];
  /** HTTPRouteTimeouts: GEP-2257 durations ('10s', '1m30s', '0s' = none). */
  timeouts?: { request?: string; backendRequest?: string };
  /** HTTPRouteRetry (experimental). */
  retry?: { codes?: number[]; attempts?: number; backoff?: string };
}

export interface HTTPRoute extends KubeObject {
  spec?: { parentRefs?: ParentReference[]; hostnames?: string[]; rules?: HTTPRouteRule[] };
}

/** GRPCRoute (apis/v1/grpcroute_types.go). Method match type defaults to Exact; header match type to Exact. */
export interface GRPCMethodMatch { type?: string; service?: string; method?: string }
export interface GRPCRouteMatch { method?: GRPCMethodMatch; headers?: { type?: string; name?: string; value?: string }[] }
export interface GRPCRouteFilter {
  type?: string;
  requestHeaderModifier?: HTTPHeaderFilter;
  responseHeaderModifier?: HTTPHeaderFilter;
}
export type GRPCBackendRef = HTTPBackendRef;
export interface GRPCRouteRule {
  name?: string;
  matches?: GRPCRouteMatch[];
  filters?: GRPCRouteFilter[];
  backendRefs?: GRPCBackendRef[];
}

export interface GRPCRoute extends KubeObject {
  spec?: { parentRefs?: ParentReference[]; hostnames?: string[]; rules?: GRPCRouteRule[] };
}

/** TCPRoute / UDPRoute (apis/v1alpha2 tcproute_types.go, udproute_types.go): one rule of backendRefs. */
export interface L4RouteRule { name?: string; backendRefs?: HTTPBackendRef[] }
export interface TCPRoute extends KubeObject {
  spec?: { parentRefs?: ParentReference[]; rules?: L4RouteRule[] };
}
export type UDPRoute = TCPRoute;
/** TLSRoute (apis/v1alpha2, v1alpha3, v1 tlsroute_types.go): SNI hostnames and one rule. */
export interface TLSRoute extends KubeObject {
  spec?: { parentRefs?: ParentReference[]; hostnames?: string[]; rules?: L4RouteRule[] };
}

/** BackendTLSPolicy (apis/v1 backendtlspolicy_types.go). */
export interface BackendTLSPolicy extends KubeObject {
  spec?: {
    targetRefs?: { group?: string; kind?: string; name?: string; sectionName?: string }[];
    validation?: {
      caCertificateRefs?: { group?: string; kind?: string; name?: string }[];
      wellKnownCACertificates?: string;
      hostname?: string;
      subjectAltNames?: { type?: string; hostname?: string; uri?: string }[];
    };
    options?: Record<string, string>;
  };
}

export interface ReferenceGrant extends KubeObject {
  spec?: {
    from?: { group?: string; kind?: string; namespace?: string }[];
    to?: { group?: string; kind?: string; name?: string }[];
  };
}

export type Namespace = KubeObject;
