// The "upstream" annotation group: protocol to the pods, TLS towards them, timeouts, retries, the
// request body limit and TLS passthrough, under both prefixes (registry.ts). Typed parsers: every
// value becomes data here and is never pasted into anything parsed again. The buffering family
// and proxy-http-version are no-ops, listed in other.ts.
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

import { createSecureContext } from 'node:tls';
import type { NextUpstreamCondition, TlsProtocolVersion } from '../../model/upstream.ts';
import { catalogue, defineAnnotation, type AnnotationEntry, type Parsed } from './registry.ts';
import { parseBool } from './grammar.ts';
import type { AnnotationValues } from './read.ts';

export type BackendProtocol = 'HTTP' | 'HTTPS' | 'AUTO_HTTP' | 'GRPC' | 'GRPCS';

export interface UpstreamAnnotations {
  backendProtocol: BackendProtocol | null;
  sslSecret: { namespace: string | null; name: string } | null;
  sslVerify: boolean | null;
  sslName: string | null;
  sslServerName: boolean | null;
  sslVerifyDepth: number | null;
  sslProtocols: TlsProtocolVersion[] | null;
  sslCiphers: string | null;
  connectTimeoutS: number | null;
  readTimeoutS: number | null;
  sendTimeoutS: number | null;
  nextUpstream: NextUpstreamCondition[] | null;
  nextUpstreamTries: number | null;
  nextUpstreamTimeoutS: number | null;
  bodySizeBytes: number | null;
  /** Some key of the group is set to a valid value. */
  any: boolean;
  /** ssl-passthrough: "true". */
  sslPassthrough: boolean;
}


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

/** ingress-nginx proxyssl/main.go proxySSLCiphersRegex (anchored, linear). */
const CIPHERS = /^[A-Za-z0-9+:_!-]+$/;
const MAX_CIPHERS_LENGTH = 1024;

/**
 * `proxy-ssl-ciphers`: ingress-nginx's character set, then OpenSSL itself must find at least one
 * cipher in the list (a list that matches nothing would fail every connection). The list is handed
 * to OpenSSL's cipher-list parser only: the same thing nginx does with proxy_ssl_ciphers, and the
 * character set keeps out everything else. Invalid ⇒ the default, with a warning (as ingress-nginx).
 */
export function parseCiphers(raw: string): Parsed<string> {
  const v = raw.trim();
  if (v.length > MAX_CIPHERS_LENGTH || !CIPHERS.test(v)) return { error: `${JSON.stringify(raw.slice(0, 64))} is not an OpenSSL cipher list (letters, digits and + : _ ! -)` };
  try {
    createSecureContext({ ciphers: v });
  } catch (e) {
    return { error: `OpenSSL matches no cipher in ${JSON.stringify(v)} (${(e as Error).message})` };
  }
  return { value: v };
}

/** `namespace/name` (or a bare name: the Ingress's namespace); the namespace check is translate's. */
export function parseSecretRef(raw: string): Parsed<{ namespace: string | null; name: string }> {
  const v = raw.trim();
  const i = v.indexOf('/');
  const namespace = i < 0 ? null : v.slice(0, i);
  const name = i < 0 ? v : v.slice(i + 1);
  if ((namespace !== null && !DNS_LABEL.test(namespace)) || !SECRET_NAME.test(name)) return { error: `${JSON.stringify(raw)} is not namespace/name` };
  return { value: { namespace, name } };
}

export function parseServerName(raw: string): Parsed<string> {
  const v = raw.trim().toLowerCase();
  return SERVER_NAME.test(v) && v.length <= 253 ? { value: v } : { error: `${JSON.stringify(raw)} is not a DNS name` };
}

const h = <T>(key: string, help: string, parse: (raw: string) => Parsed<T>, more: { grammar: string; defaultText: string; difference?: string; scope?: 'path' | 'host' }) =>
  defineAnnotation<T>({
    key, group: 'upstream', kinds: ['Ingress'], scope: more.scope ?? 'path', prefixes: 'both', status: 'honoured',
    grammar: more.grammar, defaultText: more.defaultText, help, difference: more.difference ?? '', parse,
  });
const seconds = (min: number) => (raw: string) => parseInteger(raw, min);

export const backendProtocol = h('backend-protocol', 'protocol to the backend', (raw) => {
  // FastCGI/AJP are protocols Portico does not speak: refusing beats sending HTTP to such a pod.
  const v = raw.trim().toUpperCase();
  if (v === 'FCGI' || v === 'AJP') return { refused: `asks for ${v === 'FCGI' ? 'a FastCGI' : 'an AJP'} backend, which Portico does not speak` };
  return parseBackendProtocol(raw);
}, { grammar: 'HTTP | HTTPS | AUTO_HTTP | GRPC | GRPCS (any case)', defaultText: 'HTTP (else the Service port appProtocol)', difference: 'FCGI and AJP refuse the Ingress' });
export const proxySslSecret = h('proxy-ssl-secret', 'ca.crt (and tls.crt/tls.key client certificate) for HTTPS backends', parseSecretRef, { grammar: 'namespace/name (same namespace)', defaultText: 'none' });
export const proxySslVerify = h('proxy-ssl-verify', 'verify HTTPS backends', parseOnOff, { grammar: 'on | off', defaultText: 'off', difference: 'on without proxy-ssl-secret verifies against the default trust store (ingress-nginx verifies nothing then)' });
export const proxySslName = h('proxy-ssl-name', 'name verified on (and sent as SNI to) HTTPS backends', parseServerName, { grammar: 'DNS name', defaultText: 'service.namespace.svc' });
export const proxySslServerName = h('proxy-ssl-server-name', 'send SNI to HTTPS backends', parseOnOff, { grammar: 'on | off', defaultText: 'off' });
// proxyssl/main.go: "if err != nil || config.VerifyDepth == 0 { VerifyDepth = 1 }".
export const proxySslVerifyDepth = h('proxy-ssl-verify-depth', 'certificates allowed above the leaf', (raw) => {
  const n = parseInteger(raw, 0);
  return 'value' in n && n.value === 0 ? { value: 1 } : n;
}, { grammar: 'int', defaultText: '1' });
export const proxySslProtocols = h('proxy-ssl-protocols', 'TLS versions to HTTPS backends', parseTlsProtocols, { grammar: 'space-separated TLSv1 TLSv1.1 TLSv1.2 TLSv1.3', defaultText: 'TLSv1.2 TLSv1.3', difference: 'SSLv2/SSLv3 are not available' });
export const proxySslCiphers = h('proxy-ssl-ciphers', 'OpenSSL cipher list to HTTPS backends', parseCiphers, { grammar: 'OpenSSL cipher list of [A-Za-z0-9+:_!-]', defaultText: "Node's default (OpenSSL DEFAULT)", difference: 'TLS_* names in the list also restrict the TLS 1.3 suites' });
export const proxyConnectTimeout = h('proxy-connect-timeout', 'connect timeout in seconds', seconds(1), { grammar: 'int seconds ("60s" is invalid, as in ingress-nginx)', defaultText: '--upstream-connect-timeout' });
export const proxyReadTimeout = h('proxy-read-timeout', 'timeout between two reads of the response, in seconds', seconds(1), { grammar: 'int seconds', defaultText: '--upstream-timeout' });
export const proxySendTimeout = h('proxy-send-timeout', 'timeout between two writes of the request body, in seconds', seconds(1), { grammar: 'int seconds', defaultText: 'none' });
export const proxyNextUpstream = h('proxy-next-upstream', 'when to retry on another endpoint', parseNextUpstream, { grammar: 'error timeout invalid_header http_500|502|503|504|403|404|429 non_idempotent off', defaultText: 'connection failures before any byte was sent', difference: 'a request whose body was partly read is never retried (bodies are streamed, not buffered)' });
export const proxyNextUpstreamTries = h('proxy-next-upstream-tries', 'tries including the first (0 = no limit)', seconds(0), { grammar: 'int', defaultText: '3' });
export const proxyNextUpstreamTimeout = h('proxy-next-upstream-timeout', 'no new try this many seconds after the first (0 = no limit)', seconds(0), { grammar: 'int seconds', defaultText: '0' });
export const proxyBodySize = h('proxy-body-size', 'largest request body; 413 above it', parseSize, { grammar: 'nginx size (digits + b, k, m or g, 1024-based; 0 = unlimited)', defaultText: '--proxy-body-size (0 = unlimited)', difference: "Portico's default is unlimited, ingress-nginx's 1m" });

// ingress-nginx sslpassthrough/main.go: parser.GetBoolAnnotation; honoured only with
// --enable-ssl-passthrough (translate/passthrough.ts refuses the Ingress otherwise).
export const sslPassthrough = defineAnnotation<boolean>({
  key: 'ssl-passthrough', group: 'upstream', kinds: ['Ingress'], scope: 'host', prefixes: 'both', status: 'honoured',
  grammar: 'bool', defaultText: 'false', help: 'pass TLS through to the backend undecrypted (needs --enable-ssl-passthrough)',
  difference: 'without --enable-ssl-passthrough the Ingress is refused (ingress-nginx ignores the key silently); paths other than / are ignored, as there',
  parse: (raw, prefix) => parseBool(raw, prefix),
});

const u = (key: string, help: string, more: Parameters<typeof catalogue>[4] = {}) =>
  catalogue('upstream', key, 'unsupported', help, { scope: 'path', ...more });

const HONOURED = [
  backendProtocol, proxySslSecret, proxySslVerify, proxySslName, proxySslServerName, proxySslVerifyDepth, proxySslProtocols, proxySslCiphers,
  proxyConnectTimeout, proxyReadTimeout, proxySendTimeout, proxyNextUpstream, proxyNextUpstreamTries, proxyNextUpstreamTimeout,
  proxyBodySize,
] as const;

// Entries of different value types in one list (as in registry.ts).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const UPSTREAM: readonly AnnotationEntry<any>[] = [
  ...HONOURED,
  sslPassthrough,
  u('proxy-cookie-domain', 'rewrite Set-Cookie Domain'),
  u('proxy-cookie-path', 'rewrite Set-Cookie Path'),
  u('proxy-redirect-from', 'rewrite Location from'),
  u('proxy-redirect-to', 'rewrite Location to'),
  u('service-upstream', 'forward to the Service ClusterIP instead of endpoints', { grammar: 'bool' }),
  u('custom-http-errors', 'statuses answered by the default backend', { grammar: 'list of ints' }),
  u('disable-proxy-intercept-errors', 'do not intercept upstream errors', { grammar: 'bool' }),
  u('mirror-target', 'URL requests are mirrored to', { grammar: 'URL' }),
  u('mirror-request-body', 'mirror the request body', { grammar: 'on | off' }),
  u('mirror-host', 'Host header of mirrored requests'),
  u('custom-headers', 'ConfigMap of response headers', { scope: 'ingress' }),
];

/** The group's typed values of one Ingress (invalid values were reported by the registry reading). */
export function upstreamAnnotations(values: AnnotationValues): UpstreamAnnotations {
  const g = <T>(e: AnnotationEntry<T>): T | null => values.get(e) ?? null;
  const out: UpstreamAnnotations = {
    backendProtocol: g(backendProtocol), sslSecret: g(proxySslSecret), sslVerify: g(proxySslVerify), sslName: g(proxySslName),
    sslServerName: g(proxySslServerName), sslVerifyDepth: g(proxySslVerifyDepth), sslProtocols: g(proxySslProtocols),
    sslCiphers: g(proxySslCiphers),
    connectTimeoutS: g(proxyConnectTimeout), readTimeoutS: g(proxyReadTimeout), sendTimeoutS: g(proxySendTimeout),
    nextUpstream: g(proxyNextUpstream), nextUpstreamTries: g(proxyNextUpstreamTries), nextUpstreamTimeoutS: g(proxyNextUpstreamTimeout),
    bodySizeBytes: g(proxyBodySize), any: false, sslPassthrough: g(sslPassthrough) === true,
  };
  out.any = HONOURED.some((e) => values.has(e));
  return out;
}
