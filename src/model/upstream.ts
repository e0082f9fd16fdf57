// How a Route talks to its upstream: protocol, TLS towards the pod, timeouts, retries, body limit.
// Per Route, not per Cluster: the settings come from Ingress annotations (ingress-nginx scopes them
// to the location, internal/ingress/annotations/proxy/main.go "AnnotationScopeLocation"), while a
// Cluster is one Service port shared by every Ingress that names it, so two Ingresses with
// different settings must not fight over one Cluster. A Route without `upstream` uses the process
// defaults (plain HTTP/1.1, the --upstream-* timeouts, connection-failure retries only).
// Plain data (ARCHITECTURE.md "Model"); the client key below must never reach logs or debug views.

/**
 * Wire protocol to the pod. `HTTP`/`HTTPS`: HTTP/1.1 (ingress-nginx proxies HTTP/1.1 to upstreams);
 * `AUTO_HTTP`: HTTPS for requests that arrived over TLS, HTTP otherwise (ingress-nginx
 * `proxy_pass $scheme://`); `H2C`: HTTP/2 with prior knowledge (RFC 9113 §3.3, appProtocol
 * `kubernetes.io/h2c`); `GRPC`/`GRPCS`: HTTP/2 cleartext / over TLS, with gRPC error answers.
 */
export type UpstreamProtocol = 'HTTP' | 'HTTPS' | 'AUTO_HTTP' | 'H2C' | 'GRPC' | 'GRPCS';

export type TlsProtocolVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export interface UpstreamTls {
  /** `proxy-ssl-verify: on`. Off (the default) accepts any certificate, as ingress-nginx does. */
  readonly verify: boolean;
  /** `ns/name` of `proxy-ssl-secret`, or null. */
  readonly secretId: string | null;
  /** ca.crt of the Secret: the trust anchors when verifying; null ⇒ the default trust store. */
  readonly caPem: string | null;
  /** tls.crt / tls.key of the Secret: client certificate for upstream mTLS. */
  readonly certPem: string | null;
  readonly keyPem: string | null;
  /** `proxy-ssl-name`: the name checked against the certificate (and sent as SNI when enabled). */
  readonly name: string | null;
  /** `proxy-ssl-server-name: on`: send SNI (default off, no SNI). */
  readonly serverName: boolean;
  /** `proxy-ssl-verify-depth` (default 1): intermediate certificates allowed above the leaf. */
  readonly verifyDepth: number;
  /** `proxy-ssl-protocols`, sorted; Node has no SSLv2/SSLv3. */
  readonly protocols: readonly TlsProtocolVersion[];
  /** `proxy-ssl-ciphers`: an OpenSSL cipher list (checked when the annotation is read); null ⇒ Node's default. */
  readonly ciphers: string | null;
}

/** `proxy-next-upstream` tokens (nginx proxy_next_upstream). */
export type NextUpstreamCondition =
  | 'error' | 'timeout' | 'invalid_header' | 'non_idempotent'
  | 'http_500' | 'http_502' | 'http_503' | 'http_504' | 'http_403' | 'http_404' | 'http_429';

export interface RetryPolicy {
  /** Empty ⇒ `off`: never try another endpoint. */
  readonly on: readonly NextUpstreamCondition[];
  /** Attempts including the first; 0 ⇒ as many as there are endpoints. */
  readonly tries: number;
  /** No new attempt this long after the first began; 0 ⇒ no limit. */
  readonly timeoutMs: number;
  /** Wait this long before each further attempt (HTTPRouteRetry.backoff); absent or 0 ⇒ at once. */
  readonly backoffMs?: number;
}

export interface UpstreamPolicy {
  readonly protocol: UpstreamProtocol;
  /** Where the protocol came from, for `explain`. */
  readonly protocolSource: 'annotation' | 'appProtocol' | 'default';
  /** Set for HTTPS, AUTO_HTTP and GRPCS. */
  readonly tls: UpstreamTls | null;
  /** null ⇒ the process default (--upstream-connect-timeout / --upstream-timeout). */
  readonly connectTimeoutMs: number | null;
  /** Between two successive reads of the response (nginx proxy_read_timeout). */
  readonly readTimeoutMs: number | null;
  /** Between two successive writes of the request body (nginx proxy_send_timeout). */
  readonly sendTimeoutMs: number | null;
  /** null ⇒ the default: connection failures only, before any byte was sent. */
  readonly retry: RetryPolicy | null;
  /** Request body limit in bytes; 0 ⇒ unlimited; null ⇒ the process default (--proxy-body-size). */
  readonly maxBodyBytes: number | null;
}

export const DEFAULT_UPSTREAM_TLS: UpstreamTls = {
  verify: false,
  secretId: null,
  caPem: null,
  certPem: null,
  keyPem: null,
  name: null,
  serverName: false,
  verifyDepth: 1,
  // ingress-nginx defaultProxySSLProtocols is "TLSv1 TLSv1.1 TLSv1.2"; Node's OpenSSL security
  // level refuses TLSv1/1.1 anyway, so the default is what Node negotiates (TLSv1.2 and TLSv1.3).
  protocols: ['TLSv1.2', 'TLSv1.3'],
  ciphers: null,
};

export function isGrpc(protocol: UpstreamProtocol): boolean {
  return protocol === 'GRPC' || protocol === 'GRPCS';
}

/** The policy as `explain` and debug views show it: no key material. */
export function describeUpstream(p: UpstreamPolicy | null | undefined): Record<string, unknown> {
  if (p === null || p === undefined) return { protocol: 'HTTP', protocolSource: 'default', tls: null };
  const t = p.tls;
  return {
    protocol: p.protocol,
    protocolSource: p.protocolSource,
    tls: t === null ? null : {
      verify: t.verify ? (t.caPem !== null ? `on (ca.crt of ${t.secretId})` : 'on (default trust store)') : 'off',
      clientCertificate: t.certPem !== null ? t.secretId : null,
      name: t.name,
      serverName: t.serverName,
      verifyDepth: t.verifyDepth,
      protocols: t.protocols,
      ciphers: t.ciphers,
    },
    connectTimeoutMs: p.connectTimeoutMs,
    readTimeoutMs: p.readTimeoutMs,
    sendTimeoutMs: p.sendTimeoutMs,
    retry: p.retry,
    maxBodyBytes: p.maxBodyBytes,
  };
}
