// THE diagnostic reasons: every reason Portico reports, once, with its severity and meaning.
// `DiagnosticReason` is the union of these keys, so a reason that is not here does not compile;
// README's "Diagnostics reference" is generated from this table (`npm run docs`). Adding a reason
// is adding one entry (CONTRIBUTING.md, "Add a diagnostic reason").
//
// severity: what the reason is unless a caller says otherwise. `error` means the object (or the
// rule, path or port) is not served; `warning` means it is served, degraded or as documented.
// Backend reasons are warnings on HTTP routes (the route stays and answers 503, SPEC §1.7) and
// errors on L4 ports (translate/l4.ts says so where it reports them).

/** `info`: accepted as written, worth knowing (an annotation without effect in Portico). */
export type Severity = 'error' | 'warning' | 'info';

/** Where a reason comes from; groups the README reference. */
export type ReasonTopic = 'manifest' | 'source' | 'ingress' | 'backend' | 'tls' | 'l4' | 'gateway';

export interface ReasonSpec {
  readonly severity: Severity;
  readonly topic: ReasonTopic;
  /** One line: what went wrong and what Portico does about it. */
  readonly meaning: string;
}

export const REASONS = {
  // Manifest files (file mode) and object metadata.
  ResourcesNotFound: { severity: 'error', topic: 'manifest', meaning: 'a --resources path does not exist' },
  InvalidManifest: { severity: 'error', topic: 'manifest', meaning: 'a file or YAML document cannot be read or parsed; its objects are not loaded' },
  KeptLastGood: { severity: 'warning', topic: 'manifest', meaning: 'a file has a syntax error; its last good objects keep serving' },
  UnsupportedKind: { severity: 'warning', topic: 'manifest', meaning: 'a document is of a kind Portico does not read; ignored' },
  UnsupportedAPIVersion: { severity: 'error', topic: 'manifest', meaning: 'a known kind with an apiVersion Portico does not read; not loaded' },
  InvalidMetadata: { severity: 'error', topic: 'manifest', meaning: 'metadata.name or metadata.namespace is missing or not a valid DNS name; not loaded' },
  DuplicateObject: { severity: 'error', topic: 'manifest', meaning: 'the same kind/namespace/name is defined twice; the first definition (sorted file order) is used' },
  // The Kubernetes API (cluster mode).
  Forbidden: { severity: 'error', topic: 'source', meaning: 'RBAC denies listing or watching a kind; its objects are not read until the rule is fixed' },
  // Ingress and IngressClass.
  IngressClassNotFound: { severity: 'warning', topic: 'ingress', meaning: "an Ingress names Portico's class but no IngressClass of that name exists; not served" },
  InvalidIngress: { severity: 'error', topic: 'ingress', meaning: 'spec is not an object, rules is not a list, or there are neither rules nor a defaultBackend (SPEC §1.2)' },
  InvalidRule: { severity: 'error', topic: 'ingress', meaning: 'a rule or its http.paths is malformed; that rule is not served' },
  InvalidHost: { severity: 'error', topic: 'ingress', meaning: 'a rule host is not a valid DNS name or one-label wildcard (SPEC §1.1); that rule is not served' },
  InvalidPath: { severity: 'error', topic: 'ingress', meaning: 'a path or pathType is invalid (SPEC §1.1); that path is not served' },
  InvalidBackend: { severity: 'error', topic: 'ingress', meaning: 'a backend does not set exactly one of service/resource, or its port is malformed; that path is not served' },
  ResourceBackendUnsupported: { severity: 'warning', topic: 'ingress', meaning: 'a resource backend is treated as absent: its requests fall to the default backend (SPEC §1.7)' },
  RouteConflict: { severity: 'warning', topic: 'ingress', meaning: 'host + path + pathType is already served by an older Ingress, which keeps it (SPEC §1.8)' },
  UnsupportedAnnotation: { severity: 'warning', topic: 'ingress', meaning: 'an nginx.ingress.kubernetes.io or portico.io annotation Portico does not implement (or not on this kind); ignored' },
  InvalidAnnotation: { severity: 'warning', topic: 'ingress', meaning: "an annotation's value cannot be read; the documented default is used" },
  SslPassthroughDisabled: { severity: 'error', topic: 'tls', meaning: 'ssl-passthrough asked without --enable-ssl-passthrough (off by default, as in ingress-nginx); the Ingress is not served until the flag is set' },
  SslPassthroughIgnored: { severity: 'warning', topic: 'tls', meaning: 'part of a passthrough Ingress that passthrough cannot honour (a path other than /, a rule without host, a wildcard host, a host another Ingress passes through already); that part is not passed through' },
  AccessPolicyInvalid: { severity: 'error', topic: 'ingress', meaning: 'an access-control annotation (source range, basic or external auth, client certificates) is malformed or names a missing Secret/ConfigMap; the whole Ingress is not served rather than served unprotected' },
  ClientCertificateShared: { severity: 'warning', topic: 'ingress', meaning: 'client certificates are a host setting (nginx ssl_verify_client): the host uses the auth-tls-* settings of the oldest Ingress setting them, not this one\'s' },
  ClientCertificateHostRefused: { severity: 'error', topic: 'ingress', meaning: 'the oldest Ingress asking for client certificates on this host is not served (bad CA, malformed auth-tls-*), so no Ingress of the host is served rather than serving it without them (ingress-nginx: 403 for the whole host)' },
  AnnotationOverridden: { severity: 'warning', topic: 'ingress', meaning: 'the same key is set under both prefixes; the portico.io value wins' },
  RefusedAnnotation: { severity: 'error', topic: 'ingress', meaning: 'the Ingress carries an annotation Portico cannot enforce (auth, source ranges, snippets, WAF…); it is not served' },
  UnenforcedAnnotation: { severity: 'warning', topic: 'ingress', meaning: 'served without enforcing an annotation because --serve-unenforced-annotations is set' },
  CanaryWithoutMain: { severity: 'warning', topic: 'ingress', meaning: 'a canary Ingress path has no main Ingress with the same host, pathType and path; that canary path is ignored' },
  // Backends (Ingress paths and L4 ports).
  ServiceNotFound: { severity: 'warning', topic: 'backend', meaning: 'the backend Service does not exist; HTTP routes answer 503' },
  ServicePortNotFound: { severity: 'warning', topic: 'backend', meaning: 'the Service has no such port (name or number, for the protocol); HTTP routes answer 503' },
  ExternalNameNotAllowed: { severity: 'warning', topic: 'backend', meaning: 'the Service is of type ExternalName and --allow-external-name is off; HTTP routes answer 503' },
  InvalidService: { severity: 'warning', topic: 'backend', meaning: 'an ExternalName Service without spec.externalName; HTTP routes answer 503' },
  // TLS Secrets and certificates (SPEC §7).
  TLSSecretNotFound: { severity: 'error', topic: 'tls', meaning: 'a spec.tls secretName names no Secret; its hosts get the default certificate' },
  TLSSecretInvalid: { severity: 'error', topic: 'tls', meaning: 'the Secret is not kubernetes.io/tls or its PEM cannot be used; its hosts get the default certificate' },
  TLSKeyMismatch: { severity: 'error', topic: 'tls', meaning: 'tls.key does not match the certificate in tls.crt; its hosts get the default certificate' },
  TLSCertificateMismatch: { severity: 'error', topic: 'tls', meaning: 'the certificate does not cover a host listed for it; that host gets the default certificate' },
  TLSHostConflict: { severity: 'warning', topic: 'tls', meaning: 'a host is already served with another Secret by an older Ingress, which keeps it' },
  TLSChainOrder: { severity: 'warning', topic: 'tls', meaning: 'tls.crt intermediates are out of order; served, but clients may fail to build the chain' },
  TLSCertificateExpired: { severity: 'warning', topic: 'tls', meaning: 'the certificate has expired; still served' },
  TLSCertificateNotYetValid: { severity: 'warning', topic: 'tls', meaning: 'the certificate is not valid yet; still served' },
  // TCP/UDP services ConfigMaps (L4).
  ConfigMapNotFound: { severity: 'warning', topic: 'l4', meaning: 'the --tcp/--udp-services-configmap ConfigMap does not exist; no L4 ports' },
  InvalidListenPort: { severity: 'error', topic: 'l4', meaning: 'a ConfigMap key is not a port number 1..65535; that entry is not served' },
  InvalidL4Target: { severity: 'error', topic: 'l4', meaning: 'a ConfigMap value is not namespace/service:port[:PROXY…]; that entry is not served' },
  UnsupportedOption: { severity: 'warning', topic: 'l4', meaning: 'an entry option Portico cannot apply here (PROXY protocol to a UDP backend); ignored' },
  // Upstream protocols, TLS to pods, limits (src/translate/upstream.ts).
  IgnoredAnnotation: { severity: 'info', topic: 'ingress', meaning: 'an ingress-nginx annotation accepted without effect in Portico (buffering family, proxy-http-version, …), or one that does not apply to the route' },
  UnknownAppProtocol: { severity: 'info', topic: 'backend', meaning: 'a Service port appProtocol Portico does not know; HTTP is used' },
  SecretNotFound: { severity: 'warning', topic: 'backend', meaning: 'the proxy-ssl-secret Secret does not exist; routes using it answer 503' },
  SecretInvalid: { severity: 'warning', topic: 'backend', meaning: 'the proxy-ssl-secret Secret has no usable ca.crt or tls.crt/tls.key; routes using it answer 503' },
  ListenFailed: { severity: 'error', topic: 'l4', meaning: 'an L4 port or a Gateway listener port cannot be bound (in use, no permission); the other ports keep working' },
  // Gateway API (the spec's status reasons: gateway-api apis/v1/gateway_types.go, shared_types.go).
  InvalidGateway: { severity: 'error', topic: 'gateway', meaning: 'a Gateway of a Portico GatewayClass has no usable listeners list; not served' },
  InvalidListener: { severity: 'error', topic: 'gateway', meaning: 'a listener name, port or hostname is invalid, or duplicates another listener; that listener is not served' },
  UnsupportedProtocol: { severity: 'error', topic: 'gateway', meaning: 'a listener protocol or TLS mode Portico does not serve (TLS with Terminate, HTTPS with Passthrough), that listener is not served; or a GRPCRoute backend whose Service port appProtocol gRPC cannot use, its share answers UNAVAILABLE' },
  PortUnavailable: { severity: 'error', topic: 'gateway', meaning: 'a listener port (plus --gateway-port-offset) is beyond 65535, is the main port of the other protocol (HTTP on --https-port, HTTPS on --http-port), or is held by an older Gateway speaking another protocol; that listener is not served' },
  InvalidCertificateRef: { severity: 'error', topic: 'gateway', meaning: 'an HTTPS listener has no certificateRef to a valid kubernetes.io/tls Secret; that listener is not served' },
  InvalidRouteKinds: { severity: 'error', topic: 'gateway', meaning: 'a listener allowedRoutes.kinds lists no kind Portico serves on it; no routes attach to it' },
  RefNotPermitted: { severity: 'warning', topic: 'gateway', meaning: 'a cross-namespace reference has no ReferenceGrant; a listener certificate is not used, a backend share answers 500' },
  NoMatchingParent: { severity: 'error', topic: 'gateway', meaning: 'an HTTPRoute parentRef names no Portico Gateway, or no listener of it by sectionName/port; not attached there' },
  NotAllowedByListeners: { severity: 'error', topic: 'gateway', meaning: "the parent's listeners do not allow this route (allowedRoutes namespaces or kinds); not attached there" },
  NoMatchingListenerHostname: { severity: 'error', topic: 'gateway', meaning: "no route hostname intersects the listener's hostname; not attached there" },
  UnsupportedValue: { severity: 'error', topic: 'gateway', meaning: 'a route rule uses a value Portico does not implement or the CRD forbids (filter type, match type, invalid regex); that rule is not served' },
  IncompatibleFilters: { severity: 'error', topic: 'gateway', meaning: 'a rule combines RequestRedirect with URLRewrite or with backendRefs; that rule is not served' },
  BackendNotFound: { severity: 'warning', topic: 'gateway', meaning: "a backendRef's Service or port cannot be resolved; its share of the rule's requests answers 500" },
  InvalidKind: { severity: 'warning', topic: 'gateway', meaning: 'a backendRef is not a core Service; its share of the rule\'s requests answers 500' },
  ListenerInUse: { severity: 'error', topic: 'gateway', meaning: 'a TCPRoute or UDPRoute names a listener that already forwards to an older route; not attached there (Accepted=False)' },
  BackendTLSPolicyInvalid: { severity: 'error', topic: 'gateway', meaning: 'a BackendTLSPolicy Portico cannot honour (CA ref missing or not a ConfigMap with ca.crt, subjectAltNames, options, conflicts with an older policy); Gateway routes to its Service answer 500' },
  HostnameConflict: { severity: 'error', topic: 'gateway', meaning: 'an HTTPRoute and a GRPCRoute meet on a listener hostname, or a TLSRoute hostname is already passed through; the older one keeps it, the other is not attached there (Accepted=False)' },
} as const satisfies Readonly<Record<string, ReasonSpec>>;

export type DiagnosticReason = keyof typeof REASONS;

export function isDiagnosticReason(s: string): s is DiagnosticReason {
  return Object.hasOwn(REASONS, s);
}
