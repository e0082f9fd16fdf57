// Access-control keys (authentication, client certificates, IP ranges, rate limits, CORS). The
// honoured ones are read together by access-policy.ts (they depend on each other: auth-type needs
// auth-secret…), and translate/access.ts refuses the Ingress when any of them is malformed — never
// the warn-and-default of other groups (auth-tls-* are read by auth-tls.ts). Serving an app
// without the protection its author asked for is never the default (PROTOCOL "never fail open").
// Response bandwidth limits only warn.

import { catalogue, type AnnotationEntry } from './registry.ts';

// The registry passes the text through; access-policy.ts validates each key together with the
// others of the group, and a malformed value refuses the Ingress there.
const passThrough = (raw: string) => ({ value: raw });
const honoured = (key: string, help: string, more: Parameters<typeof catalogue>[4] = {}): AnnotationEntry<string> =>
  ({ ...catalogue('access', key, 'honoured', help, { difference: 'a malformed value refuses the Ingress (ingress-nginx: location denied)', ...more }), parse: passThrough });
const unsupported = (key: string, help: string, more: Parameters<typeof catalogue>[4] = {}) =>
  catalogue('access', key, 'unsupported', help, more);

export const ACCESS: readonly AnnotationEntry<string>[] = [
  honoured('auth-type', 'basic authentication (digest refuses the Ingress)', { grammar: 'basic | digest', difference: 'digest is not implemented: auth-type digest refuses the Ingress' }),
  honoured('auth-secret', 'Secret with the htpasswd file or user map'),
  honoured('auth-secret-type', 'auth-file or auth-map', { grammar: 'auth-file | auth-map' }),
  honoured('auth-realm', 'realm of basic authentication'),
  honoured('auth-url', 'external authentication service URL', { scope: 'path', grammar: 'URL' }),
  honoured('auth-method', 'HTTP method of the external authentication request', { scope: 'path' }),
  honoured('auth-signin', 'where to send a client the auth service rejected', { scope: 'path', grammar: 'URL' }),
  honoured('auth-signin-redirect-param', 'query parameter carrying the original URL', { scope: 'path' }),
  honoured('auth-response-headers', 'auth response headers copied to the upstream request', { scope: 'path', grammar: 'list' }),
  honoured('auth-request-redirect', 'X-Auth-Request-Redirect sent to the auth service', { scope: 'path' }),
  honoured('auth-cache-key', 'cache key of auth responses', { scope: 'path' }),
  honoured('auth-cache-duration', 'cache durations of auth responses', { scope: 'path' }),
  catalogue('access', 'auth-keepalive', 'no-op', 'keep-alive connections to the auth service', { scope: 'path', grammar: 'int' }),
  catalogue('access', 'auth-keepalive-share-vars', 'no-op', 'share variables with the auth subrequest', { scope: 'path', grammar: 'bool' }),
  catalogue('access', 'auth-keepalive-requests', 'no-op', 'requests per auth keep-alive connection', { scope: 'path', grammar: 'int' }),
  catalogue('access', 'auth-keepalive-timeout', 'no-op', 'idle timeout of auth keep-alive connections', { scope: 'path', grammar: 'int', difference: 'Portico always pools auth connections' }),
  honoured('auth-proxy-set-headers', 'ConfigMap of headers sent to the auth service', { scope: 'path' }),
  honoured('auth-always-set-cookie', 'set cookies from the auth service on every response', { scope: 'path', grammar: 'bool' }),
  catalogue('access', 'enable-global-auth', 'no-op', 'apply the global external auth of the ConfigMap', { scope: 'path', grammar: 'bool', difference: 'Portico has no global external auth' }),
  honoured('satisfy', 'any or all of the access checks must pass', { scope: 'path', grammar: 'any | all', difference: 'only all: satisfy any refuses the Ingress' }),
  honoured('auth-tls-secret', 'Secret with ca.crt (and optional ca.crl) for client certificates', { scope: 'host', grammar: 'name or namespace/name (same namespace)',
    difference: 'a missing Secret or a CA/CRL that does not parse refuses the Ingress (ingress-nginx: 403 on the host)' }),
  honoured('auth-tls-verify-client', 'client certificate verification mode', { scope: 'host', grammar: 'on | off | optional | optional_no_ca', defaultText: 'on',
    difference: 'a malformed value refuses the Ingress (ingress-nginx: on)' }),
  honoured('auth-tls-verify-depth', 'intermediate certificates allowed between client certificate and CA', { scope: 'host', grammar: 'int', defaultText: '1',
    difference: 'a malformed value refuses the Ingress (ingress-nginx: 1)' }),
  honoured('auth-tls-error-page', 'URL a client with a missing or bad certificate is redirected to (302)', { scope: 'host', grammar: 'absolute http(s) URL',
    difference: 'a local path (an nginx internal redirect) refuses the Ingress' }),
  honoured('auth-tls-pass-certificate-to-upstream', 'send the URL-escaped client certificate PEM in ssl-client-cert', { scope: 'host', grammar: 'bool', defaultText: 'false' }),
  honoured('auth-tls-match-cn', 'regex the client certificate subject DN must match (403 otherwise)', { scope: 'host', grammar: 'CN=regex (RE2)' }),
  honoured('whitelist-source-range', 'client CIDRs allowed (old name of allowlist-source-range)', { scope: 'path', grammar: 'list of CIDRs' }),
  honoured('allowlist-source-range', 'client CIDRs allowed', { scope: 'path', grammar: 'list of CIDRs' }),
  honoured('denylist-source-range', 'client CIDRs denied', { scope: 'path', grammar: 'list of CIDRs' }),
  honoured('limit-connections', 'concurrent connections per client IP', { scope: 'path', grammar: 'int' }),
  honoured('limit-rps', 'requests per second per client IP', { scope: 'path', grammar: 'int' }),
  honoured('limit-rpm', 'requests per minute per client IP', { scope: 'path', grammar: 'int' }),
  honoured('limit-burst-multiplier', 'burst size as a multiple of the limit', { scope: 'path', grammar: 'int' }),
  honoured('limit-whitelist', 'client CIDRs exempt from limits (old name)', { scope: 'path', grammar: 'list of CIDRs' }),
  honoured('limit-allowlist', 'client CIDRs exempt from limits', { scope: 'path', grammar: 'list of CIDRs' }),
  unsupported('limit-rate', 'response rate limit in KiB/s per connection', { scope: 'path', grammar: 'int' }),
  unsupported('limit-rate-after', 'KiB sent before limit-rate applies', { scope: 'path', grammar: 'int' }),
  honoured('enable-cors', 'answer CORS preflights and add CORS headers', { scope: 'path', grammar: 'bool' }),
  honoured('cors-allow-origin', 'allowed origins', { scope: 'path', grammar: 'list' }),
  honoured('cors-allow-methods', 'allowed methods', { scope: 'path', grammar: 'list' }),
  honoured('cors-allow-headers', 'allowed request headers', { scope: 'path', grammar: 'list' }),
  honoured('cors-expose-headers', 'exposed response headers', { scope: 'path', grammar: 'list' }),
  honoured('cors-allow-credentials', 'allow credentials', { scope: 'path', grammar: 'bool' }),
  honoured('cors-max-age', 'preflight cache seconds', { scope: 'path', grammar: 'int' }),
];
