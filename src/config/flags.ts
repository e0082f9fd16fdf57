// THE flag table: every process option, once. The config type (PorticoConfig), its defaults,
// parsing and validation, `--help` and README's "Flags" section all come from it; adding a flag is
// adding one entry here and running `npm run docs` (CONTRIBUTING.md, "Add a flag").
// Keys are the config field names; `flag` is the command-line name.
import { flag, type FlagTable } from './flag-table.ts';
import * as t from './flag-types.ts';
import { DEFAULT_TLS_CIPHERS, DEFAULT_TLS_CURVES } from '../dataplane/tls/tls-policy.ts';

export const FLAG_TABLE = {
  resources: flag(t.list, { flag: 'resources', default: [], help: 'manifest file or directory, searched recursively for *.yaml, *.yml, *.json (repeatable; file mode)' }),
  kubeconfig: flag(t.optionalText, { flag: 'kubeconfig', default: null, help: 'kubeconfig file: watch the Kubernetes API (cluster mode)' }),
  inCluster: flag(t.boolean, { flag: 'in-cluster', default: false, help: 'use the pod service account (cluster mode)' }),
  watchNamespace: flag(t.optionalText, { flag: 'watch-namespace', default: null, help: 'only this namespace for namespaced kinds', defaultText: 'all namespaces' }),
  bindAddress: flag(t.text, { flag: 'bind-address', default: '0.0.0.0', help: 'address of the HTTP, HTTPS and L4 listeners' }),
  httpPort: flag(t.port, { flag: 'http-port', default: 8080, help: 'HTTP listener port' }),
  /** null: no TLS listener. */
  httpsPort: flag(t.portOrOff, { flag: 'https-port', default: 8443, help: 'HTTPS listener port, or "off" for no TLS listener' }),
  adminPort: flag(t.port, { flag: 'admin-port', default: 9901, help: 'admin server port' }),
  adminAddress: flag(t.text, { flag: 'admin-address', default: '127.0.0.1', help: 'admin server address' }),
  ingressClass: flag(t.text, { flag: 'ingress-class', default: 'portico', help: 'IngressClass name and legacy kubernetes.io/ingress.class value' }),
  controllerName: flag(t.text, { flag: 'controller-name', default: 'portico.io/ingress-controller', help: 'IngressClass spec.controller Portico answers to' }),
  watchWithoutClass: flag(t.boolean, { flag: 'watch-without-class', default: false, help: 'also serve Ingresses with no class at all' }),
  allowExternalName: flag(t.boolean, { flag: 'allow-external-name', default: false, help: 'proxy to ExternalName Services (off: whoever writes a Service could aim the gateway at any host)' }),
  trustProxy: flag(t.cidrList, { flag: 'trust-proxy', default: [], help: 'keep X-Forwarded-* from peers in this CIDR (repeatable); otherwise they are replaced' }),
  drainTimeoutMs: flag(t.duration, { flag: 'drain-timeout', default: 30_000, help: 'graceful shutdown bound' }),
  sslRedirect: flag(t.boolean, { flag: 'ssl-redirect', default: true, help: '308 from HTTP to HTTPS for hosts in spec.tls' }),
  /** Port in the 308 Location; null = the HTTPS listener's own port. 443 behind a load balancer. */
  sslRedirectPort: flag(t.optionalPort, { flag: 'ssl-redirect-port', default: null, defaultText: 'the HTTPS listener port', help: 'port in the https redirect URL; 443 behind a load balancer that maps 443 to Portico' }),
  hstsMaxAge: flag(t.count, { flag: 'hsts-max-age', default: 15_724_800, help: 'Strict-Transport-Security max-age seconds on TLS responses; 0 disables' }),
  hstsIncludeSubdomains: flag(t.boolean, { flag: 'hsts-include-subdomains', default: false, help: 'add includeSubDomains to HSTS' }),
  /** TLS session tickets (resumption); off makes every handshake a full one (benchmarks). */
  tlsSessionResumption: flag(t.boolean, { flag: 'tls-session-resumption', default: true, help: 'TLS session tickets; off makes every handshake a full one' }),
  defaultTlsSecret: flag(t.objectRef, { flag: 'default-tls-secret', default: null, defaultText: 'a generated self-signed certificate', help: 'Secret served when SNI matches nothing' }),
  tcpServicesConfigMap: flag(t.objectRef, { flag: 'tcp-services-configmap', default: null, help: 'the TCP services ConfigMap (L4)' }),
  udpServicesConfigMap: flag(t.objectRef, { flag: 'udp-services-configmap', default: null, help: 'the UDP services ConfigMap (L4)' }),
  tcpIdleTimeoutMs: flag(t.duration, { flag: 'tcp-idle-timeout', default: 3_600_000, help: 'L4 TCP idle timeout' }),
  udpSessionTimeoutMs: flag(t.duration, { flag: 'udp-session-timeout', default: 30_000, help: 'L4 UDP session idle timeout' }),
  udpMaxSessions: flag(t.count, { flag: 'udp-max-sessions', default: 65_536, help: 'L4 UDP session table bound' }),
  l4DrainTimeoutMs: flag(t.duration, { flag: 'l4-drain-timeout', default: 30_000, help: 'L4 connections to removed endpoints close after this' }),
  l4AcceptProxyProtocol: flag(t.boolean, { flag: 'l4-accept-proxy-protocol', default: false, help: 'read PROXY protocol v1/v2 on inbound L4 TCP' }),
  publishService: flag(t.objectRef, { flag: 'publish-service', default: null, help: 'Service whose addresses go into Ingress status (cluster mode)' }),
  publishAddress: flag(t.list, { flag: 'publish-address', default: [], help: 'address written into Ingress status (repeatable; cluster mode)' }),
  electionId: flag(t.text, { flag: 'election-id', default: 'portico-leader', help: 'Lease name for leader election (cluster mode)' }),
  connectTimeoutMs: flag(t.duration, { flag: 'upstream-connect-timeout', default: 5_000, help: 'upstream connect timeout; 502 after failed connects' }),
  upstreamTimeoutMs: flag(t.duration, { flag: 'upstream-timeout', default: 60_000, help: 'upstream response timeout; 504 after a slow upstream' }),
  // Upstream limits (README "Upstream protocols, timeouts and limits").
  proxyBodySize: flag(t.size, { flag: 'proxy-body-size', default: 0, defaultText: '0 (unlimited; ingress-nginx defaults to 1m)', help: 'request body limit for routes without a proxy-body-size annotation, e.g. 8m; 413 above it' }),
  logLevel: flag(t.text, { flag: 'log-level', default: 'info', help: 'pino level: trace, debug, info, warn, error or silent; access log lines are info' }),
  watch: flag(t.boolean, { flag: 'watch', default: true, help: 'reload manifest files on change (file mode)' }),
  // Access control (README "Access control").
  allowlistSourceRange: flag(t.sourceRanges, { flag: 'allowlist-source-range', default: [], defaultText: 'everyone', help: 'client CIDRs allowed where an Ingress sets no allowlist-source-range (repeatable); others get 403' }),
  denylistSourceRange: flag(t.sourceRanges, { flag: 'denylist-source-range', default: [], help: 'client CIDRs denied (403) where an Ingress sets no denylist-source-range (repeatable)' }),
  authTimeoutMs: flag(t.duration, { flag: 'auth-timeout', default: 5_000, help: 'external auth (auth-url) subrequest timeout; a slower auth service means 500' }),
  limitReqStatusCode: flag(t.errorStatus, { flag: 'limit-req-status-code', default: 503, help: 'status of requests over limit-rps / limit-rpm (ingress-nginx limit-req-status-code)' }),
  limitConnStatusCode: flag(t.errorStatus, { flag: 'limit-conn-status-code', default: 503, help: 'status of requests over limit-connections (ingress-nginx limit-conn-status-code)' }),
  limitClients: flag(t.count, { flag: 'limit-clients', default: 16_384, help: 'client addresses tracked per rate-limited route; the least recently seen is forgotten beyond it' }),
  /** Serve Ingresses whose annotations Portico cannot enforce (auth, WAF, snippets…), with a warning each. */
  serveUnenforcedAnnotations: flag(t.boolean, { flag: 'serve-unenforced-annotations', default: false, help: 'serve Ingresses carrying annotations Portico cannot enforce (auth, WAF, snippets), with a warning each; off: such Ingresses are not served' }),
  allowPartial: flag(t.boolean, { flag: 'allow-partial', default: false, help: 'portico convert: exit 0 even when some routes or annotations had no Gateway API equivalent (still listed)' }),
  /** ingress-nginx's flag of the same name (README "TLS passthrough"). */
  enableSslPassthrough: flag(t.boolean, { flag: 'enable-ssl-passthrough', default: false, help: 'honour ssl-passthrough: TLS connections whose SNI names such a host are relayed undecrypted to its backend' }),
  // Gateway API (README "Gateway API").
  gatewayControllerName: flag(t.text, { flag: 'gateway-controller-name', default: 'portico.io/gateway-controller', help: 'GatewayClass spec.controllerName Portico answers to' }),
  gatewayPortOffset: flag(t.count, { flag: 'gateway-port-offset', default: 0, help: 'added to every Gateway listener port (containers that cannot bind below 1024: 8000 serves port 80 on 8080)' }),
  /** Output of `portico validate` / `portico explain`. */
  format: flag(t.oneOf(['text', 'json'] as const), { flag: 'format', default: 'text', help: 'validate/explain output: text or json (diagnostics and the annotation migration report)' }),
  // Admission webhook (README "Admission webhook").
  /** null: no webhook listener. */
  webhookPort: flag(t.optionalPort, { flag: 'webhook-port', default: null, defaultText: 'off', help: 'validating admission webhook HTTPS port' }),
  webhookAddress: flag(t.text, { flag: 'webhook-address', default: '0.0.0.0', help: 'admission webhook address (the API server must reach it)' }),
  webhookCertFile: flag(t.optionalText, { flag: 'webhook-cert-file', default: null, help: 'webhook serving certificate PEM (reloaded on change)' }),
  webhookKeyFile: flag(t.optionalText, { flag: 'webhook-key-file', default: null, help: 'webhook serving key PEM (reloaded on change)' }),
  /** `ns/name` of a kubernetes.io/tls Secret (cert-manager) serving the webhook. */
  webhookTlsSecret: flag(t.objectRef, { flag: 'webhook-tls-secret', default: null, help: 'kubernetes.io/tls Secret serving the webhook (reloaded on change)' }),
  webhookTimeoutMs: flag(t.duration, { flag: 'webhook-timeout', default: 2_000, help: 'time budget per admission review' }),
  webhookFailureMode: flag(t.oneOf(['refused', 'open', 'closed'] as const), { flag: 'webhook-failure-mode', default: 'refused', help: 'over budget: refused (judge the object alone), open (allow) or closed (deny)' }),
  // ---- Limits against hostile clients and backends (README "Limits and timeouts").
  escapedSlashes: flag(t.oneOf(['keep', 'reject', 'unescape'] as const), { flag: 'escaped-slashes', default: 'keep', help: '%2F and %5C in request paths: keep (text inside a segment), reject (400) or unescape (become /)' }),
  allowTrace: flag(t.boolean, { flag: 'allow-trace', default: false, help: 'forward TRACE requests; off answers 405' }),
  verboseErrors: flag(t.boolean, { flag: 'verbose-errors', default: false, help: 'error bodies name endpoints and objects; off: error code and request id only' }),
  maxHeaderSize: flag(t.positive, { flag: 'max-header-size', default: 32 * 1024, help: 'request header block bound in bytes (HTTP/1 head, HTTP/2 header list); 431 beyond' }),
  maxHeaderCount: flag(t.positive, { flag: 'max-header-count', default: 100, help: 'request header fields per HTTP/1 message; 431 beyond' }),
  http1Engine: flag(t.oneOf(['node', 'lean'] as const), { flag: 'http1-engine', default: 'lean', help: 'HTTP/1.1 engine, plain and TLS: lean (README "Lean HTTP/1.1 engine"; what it does not implement goes to node) or node (node:http + undici)' }),
  clientHeaderTimeoutMs: flag(t.duration, { flag: 'client-header-timeout', default: 60_000, help: 'time to receive a request head; 408 after' }),
  clientBodyTimeoutMs: flag(t.duration, { flag: 'client-body-timeout', default: 60_000, help: 'longest pause between two reads of a request body; the connection (HTTP/2: stream) and its upstream request close after' }),
  clientSendTimeoutMs: flag(t.duration, { flag: 'client-send-timeout', default: 60_000, help: 'longest a client may leave a response unread (upstream paused by backpressure); both sides close after' }),
  keepaliveTimeoutMs: flag(t.duration, { flag: 'keepalive-timeout', default: 5_000, help: 'idle HTTP/1.1 keep-alive connection lifetime' }),
  http2MaxConcurrentStreams: flag(t.positive, { flag: 'http2-max-concurrent-streams', default: 128, help: 'SETTINGS_MAX_CONCURRENT_STREAMS advertised and enforced per HTTP/2 connection' }),
  http2IdleTimeoutMs: flag(t.duration, { flag: 'http2-idle-timeout', default: 60_000, help: 'an HTTP/2 connection with no open stream (or a header block that stopped) closes after' }),
  http2MaxResets: flag(t.positive, { flag: 'http2-max-resets', default: 200, help: 'streams a client may reset, or have refused, per HTTP/2 connection per 10 s; GOAWAY and close beyond' }),
  tlsMinVersion: flag(t.oneOf(['TLSv1.2', 'TLSv1.3'] as const), { flag: 'tls-min-version', default: 'TLSv1.2', help: 'lowest TLS version offered' }),
  tlsCiphers: flag(t.text, { flag: 'tls-ciphers', default: DEFAULT_TLS_CIPHERS, defaultText: 'ECDHE with AES-GCM or ChaCha20-Poly1305 only', help: 'OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites are all AEAD)' }),
  tlsCurves: flag(t.text, { flag: 'tls-curves', default: DEFAULT_TLS_CURVES, help: 'ECDH groups, most preferred first' }),
  requestBuffering: flag(t.boolean, { flag: 'request-buffering', default: false, help: 'read request bodies of declared length up to --request-buffer-size whole before taking an upstream connection (ingress-nginx proxy-request-buffering); larger or chunked bodies stream' }),
  requestBufferSize: flag(t.positive, { flag: 'request-buffer-size', default: 64 * 1024, help: 'largest body --request-buffering holds in memory, bytes per request' }),
  upstreamMaxConnections: flag(t.count, { flag: 'upstream-max-connections', default: 512, help: 'connections per upstream endpoint; further requests wait for a free one (0: unbounded)' }),
  // Access log, request ids and tracing (README "Access log" and "Tracing").
  accessLogFormat: flag(t.oneOf(['json', 'combined'] as const), { flag: 'access-log-format', default: 'json', help: 'access log lines: json (one object per line) or combined (Apache/nginx combined log format)' }),
  accessLogFields: flag(t.wordList(['request-id', 'trace-id', 'upstream-address', 'upstream-status', 'retries', 'tls-version', 'tls-cipher', 'sni'] as const), { flag: 'access-log-fields', default: [], defaultText: 'none', help: 'extra access log fields, comma-separated or repeated: request-id, trace-id, upstream-address, upstream-status, retries, tls-version, tls-cipher, sni' }),
  requestId: flag(t.boolean, { flag: 'request-id', default: true, help: 'keep or generate X-Request-Id and pass it upstream' }),
  otlpEndpoint: flag(t.optionalUrl, { flag: 'otlp-endpoint', default: null, defaultText: 'tracing off', help: 'OTLP/HTTP traces URL (e.g. http://otel-collector:4318/v1/traces): one server span per request' }),
  traceSamplingRatio: flag(t.ratio, { flag: 'trace-sampling-ratio', default: 1, help: 'share of requests without a sampled parent that are traced (a sampled parent is always followed)' }),
  // ---- Worker processes (README "Worker processes").
  workers: flag(t.countOrAuto, { flag: 'workers', default: 'auto', defaultText: 'auto (the CPUs available: affinity and cgroup cpu.max quota)', help: 'dataplane worker processes fed by one control-plane process; 1 serves from a single process' }),
  workerAccept: flag(t.oneOf(['auto', 'reuseport', 'primary'] as const), { flag: 'worker-accept', default: 'auto', help: 'how workers get connections: reuseport (each binds every port with SO_REUSEPORT), primary (the primary accepts and hands them out; L4 runs in the primary), auto (reuseport where it works, else primary)' }),
  workerMaxOldSpaceSize: flag(t.optionalMebibytes, { flag: 'worker-max-old-space-size', default: null, defaultText: '3/4 of the cgroup memory limit / (workers + 1); V8\'s own without a limit', help: 'V8 old-space limit of each worker process, MiB' }),
} satisfies FlagTable;
