// Gateway API routing as the Snapshot carries it (README "Gateway API"). Served by the same
// dataplane as Ingress routes, on the same clusters and certificates; only the matching is richer.
// Shape: listeners of one scheme (the HTTP or the HTTPS server) → hosts → rules in precedence
// order. Listener isolation (gateway-api conformance gateway-http-listener-isolation): a request
// is routed only by the most specific listener whose hostname matches its Host.
import type { HostKind } from './route.ts';
import type { RequestMatch } from './request-match.ts';
import type { RouteFilters } from './filters.ts';
import type { UpstreamPolicy } from './upstream.ts';
import type { PassthroughHost } from './passthrough.ts';

/** One backendRef: a cluster, or unresolvable (its share of requests answers 500). */
export interface WeightedBackend {
  /** Cluster id, or null when the backendRef cannot be resolved (`reason` says why). */
  readonly clusterId: string | null;
  readonly reason: string | null;
  /** `namespace/name` of the Service, for metrics; '' when not a Service. */
  readonly service: string;
  /** > 0 (translate drops weight-0 backends). */
  readonly weight: number;
  /**
   * Protocol to the pods when not plain HTTP/1.1: GRPC (h2c) for a GRPCRoute's backends, H2C for a
   * Service port with appProtocol kubernetes.io/h2c (GRPCBackendRef, HTTPBackendRef: honour appProtocol).
   */
  readonly upstream?: UpstreamPolicy;
}

/** One HTTPRouteMatch of one rule of one HTTPRoute, attached to one listener. */
export interface GatewayRule {
  /** `ns/route#rule.match`. */
  readonly id: string;
  /** `ns/route`, for metrics and explain. */
  readonly route: string;
  /** The route's kind; a GRPCRoute rule answers its errors as gRPC statuses (UNAVAILABLE for an invalid backend). */
  readonly kind?: 'HTTPRoute' | 'GRPCRoute';
  readonly match: RequestMatch;
  readonly filters: RouteFilters;
  /**
   * Empty when the rule only redirects, or when it has no usable backend: then, without a
   * redirect, every request answers 500 (HTTPRouteRule.BackendRefs).
   */
  readonly backends: readonly WeightedBackend[];
  /**
   * HTTPRouteRule.Timeouts in ms (null: none). The dataplane cuts the exchange after the smaller
   * of the two, counted from dispatch (README "Gateway API": backendRequest is not restarted for a
   * connection-failure retry). Absent when neither is set.
   */
  readonly timeouts?: { readonly requestMs: number | null; readonly backendRequestMs: number | null };
  /** CORS filter (HTTPCORSFilter); absent when none. */
  readonly cors?: GatewayCors;
  /** RequestMirror filters (HTTPRequestMirrorFilter); absent when none. */
  readonly mirrors?: readonly GatewayMirror[];
}

/** HTTPCORSFilter, validated; origins, header names lower-case. */
export interface GatewayCors {
  /** ['*'], or `scheme://host[:port]` entries whose host may start with '*'. */
  readonly origins: readonly string[];
  readonly credentials: boolean;
  readonly methods: readonly string[];
  readonly headers: readonly string[];
  readonly expose: readonly string[];
  /** Seconds. */
  readonly maxAge: number;
}

/** One RequestMirror: a copy of `numerator`/`denominator` of the rule's requests, response ignored. */
export interface GatewayMirror {
  /** Null when the backendRef cannot be resolved: nothing is mirrored (the route reports why). */
  readonly clusterId: string | null;
  readonly service: string;
  readonly numerator: number;
  readonly denominator: number;
}

export interface GatewayHost {
  /** Lower-case; '*.example.com' (suffix match over one or more labels); '' for any host. */
  readonly hostname: string;
  readonly kind: HostKind;
  /** In the precedence order of HTTPRouteRule.Matches; the first rule that matches wins. */
  readonly rules: readonly GatewayRule[];
}

export interface GatewayListenerModel {
  /** `ns/gateway/listener`. */
  readonly id: string;
  readonly scheme: 'http' | 'https';
  /** The declared port, what clients connect to (Portico binds it plus --gateway-port-offset). */
  readonly port: number;
  /** Lower-case listener hostname, '*.x' wildcard, '' for none. */
  readonly hostname: string;
  readonly hosts: readonly GatewayHost[];
}

/**
 * A TLS passthrough listener port other than the HTTPS port (TLSRoute): connections are relayed
 * undecrypted by SNI, and refused when no host matches. Bound by the L4 module.
 */
export interface GatewayTlsPort {
  /** The port bound: the listener's plus --gateway-port-offset. */
  readonly port: number;
  /** Sorted by hostname; exact or '*.' suffix names (model/passthrough.ts). */
  readonly hosts: readonly PassthroughHost[];
  /** `ns/gateway` declaring it: where a port that cannot be bound is reported. */
  readonly gateway: string;
}

export interface GatewaySnapshot {
  /** Sorted: scheme, then listener specificity (exact, longest wildcard, none), then id. */
  readonly listeners: readonly GatewayListenerModel[];
  /** HTTPS listener hostname → certificate id, for the SNI table. Sorted by hostname. */
  readonly sni: readonly { readonly hostname: string; readonly kind: HostKind; readonly certificateId: string }[];
}

/** Gateway API suffix wildcard: '*.example.com' matches 'a.example.com' and 'a.b.example.com'. */
export function hostnameMatches(pattern: string, host: string): boolean {
  if (pattern === '') return true;
  if (pattern.startsWith('*.')) return host.length > pattern.length - 1 && host.endsWith(pattern.slice(1));
  return host === pattern;
}
