// The "upstream" annotation group: protocol to the pods, TLS towards them, timeouts, retries and the
// request body limit, under both prefixes (`nginx.ingress.kubernetes.io/` for migrated Ingresses,
// `portico.io/`; the Portico key wins when both are set). Pure typed parsers: every value becomes
// data here and is never pasted into anything parsed again.
//
// Grammar and defaults follow ingress-nginx v1.15:
// - internal/ingress/annotations/backendprotocol/main.go: `^(AUTO_HTTP|HTTP|HTTPS|AJP|GRPC|GRPCS)$`
//   after TrimSpace+ToUpper; anything else ⇒ HTTP with a warning. AJP and FCGI are not spoken here.
// - internal/ingress/annotations/proxy/main.go: timeouts and tries via parser.GetIntAnnotation
//   (strconv.Atoi: "60s" is invalid and the default is kept); proxy-body-size via parser.SizeRegex
//   `^(?i)\d+[bkmg]?$`; proxy-next-upstream via
//   `^((error|timeout|invalid_header|http_500|http_502|http_503|http_504|http_403|http_404|http_429|non_idempotent|off)\s?)+$`.
// - internal/ingress/annotations/proxyssl/main.go: on|off switches, verify depth 0 ⇒ 1, protocols
//   `^(SSLv2|SSLv3|TLSv1|TLSv1\.1|TLSv1\.2|TLSv1\.3| )*$`, secret `namespace/name` in the Ingress's
//   namespace only.

import type { NextUpstreamCondition, TlsProtocolVersion } from '../../model/upstream.ts';

export const PREFIXES = ['portico.io/', 'nginx.ingress.kubernetes.io/'] as const;

export type BackendProtocol = 'HTTP' | 'HTTPS' | 'AUTO_HTTP' | 'GRPC' | 'GRPCS';

/** Keys this group reads and enforces (without prefix). */
export const HONOURED_KEYS = [
  'backend-protocol',
  'proxy-ssl-secret', 'proxy-ssl-verify', 'proxy-ssl-name', 'proxy-ssl-server-name',
  'proxy-ssl-verify-depth', 'proxy-ssl-protocols',
  'proxy-connect-timeout', 'proxy-read-timeout', 'proxy-send-timeout',
  'proxy-next-upstream', 'proxy-next-upstream-tries', 'proxy-next-upstream-timeout',
  'proxy-body-size',
] as const;

/**
 * Accepted and deliberately without effect (info diagnostic): Portico streams both directions
 * without nginx's buffers, always speaks HTTP/1.1 (or HTTP/2) upstream and manages Connection
 * itself. The limit that `proxy-buffer-size` usually works around (large upstream response
 * headers) is Portico's own 128 KiB, see MAX_RESPONSE_HEADER_BYTES in the dataplane.
 */
export const NO_OP_KEYS = [
  'proxy-buffering', 'proxy-buffer-size', 'proxy-buffers-number', 'proxy-busy-buffers-size',
  'proxy-request-buffering', 'client-body-buffer-size', 'proxy-http-version', 'connection-proxy-header',
] as const;

export type HonouredKey = (typeof HONOURED_KEYS)[number];

export interface UpstreamAnnotations {
  backendProtocol: BackendProtocol | null;
  sslSecret: { namespace: string; name: string } | null;
  sslVerify: boolean | null;
  sslName: string | null;
  sslServerName: boolean | null;
  sslVerifyDepth: number | null;
  sslProtocols: TlsProtocolVersion[] | null;
  connectTimeoutS: number | null;
  readTimeoutS: number | null;
  sendTimeoutS: number | null;
  nextUpstream: NextUpstreamCondition[] | null;
  nextUpstreamTries: number | null;
  nextUpstreamTimeoutS: number | null;
  bodySizeBytes: number | null;
  /** Some key of the group is present (valid or not). */
  any: boolean;
}

export interface AnnotationProblem {
  readonly key: string;
  readonly severity: 'warning' | 'info';
  readonly reason: 'InvalidAnnotation' | 'IgnoredAnnotation';
  readonly message: string;
}

type Parsed<T> = { value: T } | { error: string };

const PROTOCOLS: readonly BackendProtocol[] = ['HTTP', 'HTTPS', 'AUTO_HTTP', 'GRPC', 'GRPCS'];
const NEXT_UPSTREAM = new Set<string>(['error', 'timeout', 'invalid_header', 'http_500', 'http_502', 'http_503',
  'http_504', 'http_403', 'http_404', 'http_429', 'non_idempotent', 'off']);
const TLS_VERSIONS = new Set<string>(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
/** DNS-1123 subdomain; the same character set ingress-nginx's ValidateServerName allows. */
const SERVER_NAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function parseBackendProtocol(raw: string): Parsed<BackendProtocol> {
  const v = raw.trim().toUpperCase();
  return (PROTOCOLS as readonly string[]).includes(v)
    ? { value: v as BackendProtocol }
    : { error: `${JSON.stringify(raw)} is not one of ${PROTOCOLS.join(', ')}; using HTTP` };
}

/** strconv.Atoi grammar: optional sign and digits only. `min` excludes what nginx cannot use. */
export function parseInteger(raw: string, min: number): Parsed<number> {
  if (!/^[+-]?\d{1,9}$/.test(raw)) return { error: `${JSON.stringify(raw)} is not an integer (seconds without unit, e.g. "60")` };
  const n = Number(raw);
  if (n < min) return { error: `${JSON.stringify(raw)} must be at least ${min}` };
  return { value: n };
}

/** `^\d+[bkmg]?$`, case-insensitive, 1024-based; "0" = unlimited. */
export function parseSize(raw: string): Parsed<number> {
  const m = /^(\d{1,15})([bkmgBKMG]?)$/.exec(raw.trim());
  if (m === null) return { error: `${JSON.stringify(raw)} is not a size (digits with an optional b, k, m or g suffix, e.g. "8m")` };
  const bytes = Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()];
  if (!Number.isSafeInteger(bytes)) return { error: `${JSON.stringify(raw)} is too large` };
  return { value: bytes };
}

export function parseOnOff(raw: string): Parsed<boolean> {
  const v = raw.trim();
  if (v === 'on') return { value: true };
  if (v === 'off') return { value: false };
  return { error: `${JSON.stringify(raw)} must be "on" or "off"` };
}

export function parseNextUpstream(raw: string): Parsed<NextUpstreamCondition[]> {
  const tokens = raw.trim().split(/\s+/).filter((t) => t !== '');
  if (tokens.length === 0) return { error: 'empty value' };
  const bad = tokens.filter((t) => !NEXT_UPSTREAM.has(t));
  if (bad.length > 0) return { error: `unknown condition ${bad.map((b) => JSON.stringify(b)).join(', ')}` };
  // nginx: "off" disables passing a request to the next server.
  if (tokens.includes('off')) return { value: [] };
  return { value: [...new Set(tokens)].sort() as NextUpstreamCondition[] };
}

export function parseTlsProtocols(raw: string): Parsed<TlsProtocolVersion[]> {
  const tokens = raw.trim().split(/\s+/).filter((t) => t !== '');
  const unknown = tokens.filter((t) => !TLS_VERSIONS.has(t) && t !== 'SSLv2' && t !== 'SSLv3');
  if (unknown.length > 0) return { error: `unknown protocol ${unknown.map((u) => JSON.stringify(u)).join(', ')}` };
  const usable = tokens.filter((t) => TLS_VERSIONS.has(t));
  if (usable.length === 0) return { error: `${JSON.stringify(raw)} names no TLS version Portico can speak (SSLv2/SSLv3 are not available)` };
  return { value: [...new Set(usable)].sort() as TlsProtocolVersion[] };
}

export function parseSecretRef(raw: string, ingressNamespace: string): Parsed<{ namespace: string; name: string }> {
  const v = raw.trim();
  const i = v.indexOf('/');
  const namespace = i < 0 ? ingressNamespace : v.slice(0, i);
  const name = i < 0 ? v : v.slice(i + 1);
  if (!DNS_LABEL.test(namespace) || !SECRET_NAME.test(name)) return { error: `${JSON.stringify(raw)} is not namespace/name` };
  // ingress-nginx: "cross namespace secrets are not supported" (LocationDenied).
  if (namespace !== ingressNamespace) return { error: `Secret ${v} is in another namespace than the Ingress (${ingressNamespace}); cross-namespace Secrets are not allowed` };
  return { value: { namespace, name } };
}

export function parseServerName(raw: string): Parsed<string> {
  const v = raw.trim().toLowerCase();
  return SERVER_NAME.test(v) && v.length <= 253 ? { value: v } : { error: `${JSON.stringify(raw)} is not a DNS name` };
}

/** The raw value of `key` under either prefix (portico.io/ first), or undefined. */
function rawValue(annotations: Record<string, unknown>, key: string): { name: string; value: unknown } | undefined {
  for (const p of PREFIXES) {
    const name = p + key;
    if (Object.hasOwn(annotations, name)) return { name, value: annotations[name] };
  }
  return undefined;
}

/** Every key of this group on an Ingress, typed; problems say what was ignored and why. */
export function readUpstreamAnnotations(annotations: Record<string, unknown> | undefined, ingressNamespace: string): { values: UpstreamAnnotations; problems: AnnotationProblem[] } {
  const values: UpstreamAnnotations = {
    backendProtocol: null, sslSecret: null, sslVerify: null, sslName: null, sslServerName: null,
    sslVerifyDepth: null, sslProtocols: null, connectTimeoutS: null, readTimeoutS: null, sendTimeoutS: null,
    nextUpstream: null, nextUpstreamTries: null, nextUpstreamTimeoutS: null, bodySizeBytes: null, any: false,
  };
  const problems: AnnotationProblem[] = [];
  if (annotations === undefined || annotations === null || typeof annotations !== 'object') return { values, problems };
  const read = <T>(key: HonouredKey, parse: (raw: string) => Parsed<T>, set: (v: T) => void): void => {
    const found = rawValue(annotations, key);
    if (found === undefined) return;
    values.any = true;
    const r = typeof found.value === 'string' ? parse(found.value) : { error: 'annotation value must be a string' };
    if ('error' in r) problems.push({ key: found.name, severity: 'warning', reason: 'InvalidAnnotation', message: `annotation ${found.name}: ${r.error}; the default is used` });
    else set(r.value);
  };
  read('backend-protocol', parseBackendProtocol, (v) => { values.backendProtocol = v; });
  read('proxy-ssl-secret', (r) => parseSecretRef(r, ingressNamespace), (v) => { values.sslSecret = v; });
  read('proxy-ssl-verify', parseOnOff, (v) => { values.sslVerify = v; });
  read('proxy-ssl-name', parseServerName, (v) => { values.sslName = v; });
  read('proxy-ssl-server-name', parseOnOff, (v) => { values.sslServerName = v; });
  // proxyssl/main.go: "if err != nil || config.VerifyDepth == 0 { VerifyDepth = 1 }".
  read('proxy-ssl-verify-depth', (r) => parseInteger(r, 0), (v) => { values.sslVerifyDepth = v === 0 ? 1 : v; });
  read('proxy-ssl-protocols', parseTlsProtocols, (v) => { values.sslProtocols = v; });
  read('proxy-connect-timeout', (r) => parseInteger(r, 1), (v) => { values.connectTimeoutS = v; });
  read('proxy-read-timeout', (r) => parseInteger(r, 1), (v) => { values.readTimeoutS = v; });
  read('proxy-send-timeout', (r) => parseInteger(r, 1), (v) => { values.sendTimeoutS = v; });
  read('proxy-next-upstream', parseNextUpstream, (v) => { values.nextUpstream = v; });
  read('proxy-next-upstream-tries', (r) => parseInteger(r, 0), (v) => { values.nextUpstreamTries = v; });
  read('proxy-next-upstream-timeout', (r) => parseInteger(r, 0), (v) => { values.nextUpstreamTimeoutS = v; });
  read('proxy-body-size', parseSize, (v) => { values.bodySizeBytes = v; });
  for (const key of NO_OP_KEYS) {
    const found = rawValue(annotations, key);
    if (found === undefined) continue;
    problems.push({ key: found.name, severity: 'info', reason: 'IgnoredAnnotation', message: `annotation ${found.name} has no effect in Portico: ${NO_OP_WHY[key]}` });
  }
  return { values, problems };
}

const NO_OP_WHY: Record<(typeof NO_OP_KEYS)[number], string> = {
  'proxy-buffering': 'responses are streamed to the client as they arrive, with backpressure',
  'proxy-buffer-size': 'upstream response headers up to 128 KiB are accepted without configuration',
  'proxy-buffers-number': 'responses are streamed, there are no per-request proxy buffers',
  'proxy-busy-buffers-size': 'responses are streamed, there are no per-request proxy buffers',
  'proxy-request-buffering': 'request bodies are streamed to the upstream as they arrive',
  'client-body-buffer-size': 'request bodies are streamed, never buffered to memory or disk',
  'proxy-http-version': 'Portico always speaks HTTP/1.1 (or HTTP/2 for gRPC and h2c) to upstreams',
  'connection-proxy-header': 'Portico manages the upstream Connection header itself (keep-alive pools)',
};

/** Whether `name` (with prefix) belongs to this group. */
export function isUpstreamAnnotation(name: string): boolean {
  const p = PREFIXES.find((x) => name.startsWith(x));
  if (p === undefined) return false;
  const key = name.slice(p.length);
  return (HONOURED_KEYS as readonly string[]).includes(key) || (NO_OP_KEYS as readonly string[]).includes(key);
}
