// Gateway API routing as the Snapshot carries it (README "Gateway API"). Served by the same
// dataplane as Ingress routes, on the same clusters and certificates; only the matching is richer.
// Shape: listeners of one scheme and port (the HTTP or HTTPS server of that port) → hosts → rules in precedence
// order. Listener isolation (gateway-api conformance gateway-http-listener-isolation): a request
// is routed only by the most specific listener whose hostname matches its Host.
import type { HostKind } from './route.ts';
import type { RequestMatch } from './request-match.ts';
import type { RouteFilters, HeaderModifier } from './filters.ts';
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
  /** The backendRef's own RequestHeaderModifier, applied after the rule's when this backend is picked. */
  readonly requestHeaders?: HeaderModifier;
  /** The backendRef's own ResponseHeaderModifier, on top of the rule's (its names win). */
  readonly responseHeaders?: HeaderModifier;
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
  /**
   * The port bound: `port` plus --gateway-port-offset (absent: `port`). Requests are routed by the
   * listeners of the port they arrived on (gateway-api conformance httproute-listener-port-matching).
   */
  readonly bindPort?: number;
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

/** HTTPS listener hostname → certificate id, for an SNI table. */
export interface GatewaySni {
  readonly hostname: string;
  readonly kind: HostKind;
  readonly certificateId: string;
}

/**
 * An HTTP or HTTPS listener port other than --http-port / --https-port: the dataplane binds it
 * with a listener of its own (src/dataplane/http/gateway-ports.ts), routed by the same tables.
 */
export interface GatewayHttpPort {
  /** The port bound: the listener's plus --gateway-port-offset. */
  readonly port: number;
  readonly scheme: 'http' | 'https';
  /** The listeners bound there (`ns/gateway` and listener name): where a bind failure is reported. */
  readonly listeners: readonly { readonly gateway: string; readonly name: string }[];
  /** HTTPS: the certificates of this port's listeners by hostname, sorted by hostname. */
  readonly sni: readonly GatewaySni[];
  /** HTTPS: certificate of a listener without hostname on this port (any SNI name), or null. */
  readonly anyHostCertificateId: string | null;
  /**
   * HTTPS: TLS passthrough listeners (TLSRoute) of the same port, relayed by SNI by this port's
   * TLS front as on --https-port (conformance gateway-https-and-tls-passthrough-same-port);
   * absent when none.
   */
  readonly passthrough?: readonly PassthroughHost[];
}

export interface GatewaySnapshot {
  /** Sorted: scheme, then listener specificity (exact, longest wildcard, none), then id. */
  readonly listeners: readonly GatewayListenerModel[];
  /** HTTPS listener hostname → certificate id, for the SNI table of --https-port. Sorted by hostname. */
  readonly sni: readonly GatewaySni[];
  /** HTTP/HTTPS listener ports of their own, sorted by port; absent when none. */
  readonly ports?: readonly GatewayHttpPort[];
}

/** Gateway API suffix wildcard: '*.example.com' matches 'a.example.com' and 'a.b.example.com'. */
export function hostnameMatches(pattern: string, host: string): boolean {
  if (pattern === '') return true;
  if (pattern.startsWith('*.')) return host.length > pattern.length - 1 && host.endsWith(pattern.slice(1));
  return host === pattern;
}
