// Keys with nothing to do in Portico (nginx buffering and logging knobs: no-op), observability and
// TLS knobs not implemented (unsupported), and keys ingress-nginx itself removed (obsolete).

import { catalogue, type AnnotationEntry } from './registry.ts';

const noop = (key: string, help: string, difference: string, more: Parameters<typeof catalogue>[4] = {}) =>
  catalogue('other', key, 'no-op', help, { scope: 'path', difference, ...more });
const u = (key: string, help: string, more: Parameters<typeof catalogue>[4] = {}) =>
  catalogue('other', key, 'unsupported', help, more);
const gone = (key: string, help: string, difference: string) =>
  catalogue('other', key, 'obsolete', help, { difference });

const STREAMS = 'Portico streams bodies with backpressure; nginx buffer sizes have no equivalent';

export const OTHER: readonly AnnotationEntry<never>[] = [
  noop('proxy-buffering', 'buffer upstream responses', STREAMS, { grammar: 'on | off' }),
  noop('proxy-buffers-number', 'number of response buffers', STREAMS, { grammar: 'int' }),
  noop('proxy-buffer-size', 'size of the response header buffer', 'upstream response headers up to 128 KiB are accepted without configuration', { grammar: 'nginx size' }),
  noop('proxy-busy-buffers-size', 'busy buffer size', STREAMS, { grammar: 'nginx size' }),
  noop('proxy-max-temp-file-size', 'response temp file size', STREAMS, { grammar: 'nginx size' }),
  noop('proxy-request-buffering', 'buffer request bodies', STREAMS, { grammar: 'on | off' }),
  noop('client-body-buffer-size', 'request body buffer size', STREAMS, { grammar: 'nginx size' }),
  noop('proxy-http-version', 'HTTP version to the upstream', 'Portico speaks HTTP/1.1 with keep-alive upstream (HTTP/2 for GRPC, GRPCS and appProtocol kubernetes.io/h2c)', { grammar: '1.0 | 1.1' }),
  noop('connection-proxy-header', 'Connection header sent upstream', 'Portico manages upstream connections itself (RFC 9110 §7.6.1)'),
  noop('enable-rewrite-log', 'nginx rewrite debug log', 'nginx debug logging; Portico has no rewrite log', { grammar: 'bool' }),
  u('enable-access-log', 'access log for the location', { scope: 'path', grammar: 'bool' }),
  u('ssl-ciphers', 'TLS ciphers of the server', { scope: 'host' }),
  u('ssl-prefer-server-ciphers', 'prefer server ciphers', { scope: 'host', grammar: 'bool' }),
  u('enable-opentelemetry', 'OpenTelemetry tracing', { scope: 'path', grammar: 'bool' }),
  u('opentelemetry-trust-incoming-span', 'trust incoming trace context', { scope: 'path', grammar: 'bool' }),
  u('opentelemetry-operation-name', 'span name', { scope: 'path' }),
  gone('enable-opentracing', 'OpenTracing', 'removed from ingress-nginx (v1.10)'),
  gone('opentracing-trust-incoming-span', 'OpenTracing span trust', 'removed from ingress-nginx (v1.10)'),
  gone('enable-influxdb', 'InfluxDB metrics', 'removed from ingress-nginx'),
  gone('influxdb-measurement', 'InfluxDB measurement', 'removed from ingress-nginx'),
  gone('influxdb-port', 'InfluxDB port', 'removed from ingress-nginx'),
  gone('influxdb-host', 'InfluxDB host', 'removed from ingress-nginx'),
  gone('influxdb-server-name', 'InfluxDB server name', 'removed from ingress-nginx'),
  gone('http2-push-preload', 'HTTP/2 server push of preload links', 'removed from ingress-nginx (nginx dropped HTTP/2 push)'),
  gone('secure-backends', 'HTTPS to the backend', 'removed from ingress-nginx; backend-protocol replaced it'),
  gone('grpc-backend', 'gRPC backend', 'removed from ingress-nginx; backend-protocol replaced it'),
  gone('secure-verify-ca-secret', 'CA of HTTPS backends', 'removed from ingress-nginx; proxy-ssl-secret replaced it'),
  gone('session-cookie-hash', 'affinity cookie hash', 'removed from ingress-nginx'),
  gone('add-base-url', 'base tag injection', 'removed from ingress-nginx'),
  gone('base-url-scheme', 'base tag scheme', 'removed from ingress-nginx'),
  gone('upstream-max-fails', 'passive health failures', 'removed from ingress-nginx'),
  gone('upstream-fail-timeout', 'passive health window', 'removed from ingress-nginx'),
  gone('lua-resty-waf', 'lua-resty-waf mode', 'removed from ingress-nginx (0.25)'),
  gone('lua-resty-waf-debug', 'lua-resty-waf debug', 'removed from ingress-nginx (0.25)'),
  gone('lua-resty-waf-ignore-rulesets', 'lua-resty-waf ignored rule sets', 'removed from ingress-nginx (0.25)'),
  gone('lua-resty-waf-extra-rules', 'lua-resty-waf extra rules', 'removed from ingress-nginx (0.25)'),
  gone('lua-resty-waf-allow-unknown-content-types', 'lua-resty-waf content types', 'removed from ingress-nginx (0.25)'),
  gone('lua-resty-waf-score-threshold', 'lua-resty-waf score', 'removed from ingress-nginx (0.25)'),
  gone('lua-resty-waf-process-multipart-body', 'lua-resty-waf multipart', 'removed from ingress-nginx (0.25)'),
  u('global-rate-limit', 'requests per window across replicas', { scope: 'path', grammar: 'int' }),
  u('global-rate-limit-window', 'window of global-rate-limit', { scope: 'path', grammar: 'Go duration' }),
  u('global-rate-limit-key', 'key of global-rate-limit', { scope: 'path', grammar: 'nginx variables' }),
  u('global-rate-limit-ignored-cidrs', 'CIDRs exempt from global-rate-limit', { scope: 'path', grammar: 'list of CIDRs' }),
];
