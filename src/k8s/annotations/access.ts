// Access-control keys (authentication, client certificates, IP ranges, rate limits, CORS). Until
// Portico enforces them, every authentication and allow/deny key refuses the Ingress: serving an
// app without the protection its author asked for is never the default (PROTOCOL "never fail
// open"). Rate limits and CORS only warn.

import { catalogue, type AnnotationEntry } from './registry.ts';

const AUTH = 'not enforced yet; the Ingress is refused so the app is never served open';
const refused = (key: string, help: string, more: Parameters<typeof catalogue>[4] = {}) =>
  catalogue('access', key, 'refused', help, { difference: AUTH, ...more });
const unsupported = (key: string, help: string, more: Parameters<typeof catalogue>[4] = {}) =>
  catalogue('access', key, 'unsupported', help, more);

export const ACCESS: readonly AnnotationEntry<never>[] = [
  refused('auth-type', 'basic or digest authentication', { grammar: 'basic | digest' }),
  refused('auth-secret', 'Secret with the htpasswd file or user map'),
  refused('auth-secret-type', 'auth-file or auth-map', { grammar: 'auth-file | auth-map' }),
  refused('auth-realm', 'realm of basic authentication'),
  refused('auth-url', 'external authentication service URL', { scope: 'path', grammar: 'URL' }),
  refused('auth-method', 'HTTP method of the external authentication request', { scope: 'path' }),
  refused('auth-signin', 'where to send a client the auth service rejected', { scope: 'path', grammar: 'URL' }),
  refused('auth-signin-redirect-param', 'query parameter carrying the original URL', { scope: 'path' }),
  refused('auth-response-headers', 'auth response headers copied to the upstream request', { scope: 'path', grammar: 'list' }),
  refused('auth-request-redirect', 'X-Auth-Request-Redirect sent to the auth service', { scope: 'path' }),
  refused('auth-cache-key', 'cache key of auth responses', { scope: 'path' }),
  refused('auth-cache-duration', 'cache durations of auth responses', { scope: 'path' }),
  refused('auth-keepalive', 'keep-alive connections to the auth service', { scope: 'path', grammar: 'int' }),
  refused('auth-keepalive-share-vars', 'share variables with the auth subrequest', { scope: 'path', grammar: 'bool' }),
  refused('auth-keepalive-requests', 'requests per auth keep-alive connection', { scope: 'path', grammar: 'int' }),
  refused('auth-keepalive-timeout', 'idle timeout of auth keep-alive connections', { scope: 'path', grammar: 'int' }),
  refused('auth-proxy-set-headers', 'ConfigMap of headers sent to the auth service', { scope: 'path' }),
  refused('auth-always-set-cookie', 'set cookies from the auth service on every response', { scope: 'path', grammar: 'bool' }),
  refused('enable-global-auth', 'apply the global external auth of the ConfigMap', { scope: 'path', grammar: 'bool' }),
  refused('satisfy', 'any or all of the access checks must pass', { scope: 'path', grammar: 'any | all' }),
  refused('auth-tls-secret', 'CA bundle Secret for client certificates', { scope: 'host' }),
  refused('auth-tls-verify-client', 'client certificate verification mode', { scope: 'host', grammar: 'on | off | optional | optional_no_ca' }),
  refused('auth-tls-verify-depth', 'client certificate chain depth', { scope: 'host', grammar: 'int' }),
  refused('auth-tls-error-page', 'URL on client certificate failure', { scope: 'host', grammar: 'URL' }),
  refused('auth-tls-pass-certificate-to-upstream', 'send the client certificate upstream', { scope: 'host', grammar: 'bool' }),
  refused('auth-tls-match-cn', 'required client certificate CN', { scope: 'host', grammar: 'CN=regex' }),
  refused('whitelist-source-range', 'client CIDRs allowed (old name of allowlist-source-range)', { scope: 'path', grammar: 'list of CIDRs' }),
  refused('allowlist-source-range', 'client CIDRs allowed', { scope: 'path', grammar: 'list of CIDRs' }),
  refused('denylist-source-range', 'client CIDRs denied', { scope: 'path', grammar: 'list of CIDRs' }),
  unsupported('limit-connections', 'concurrent connections per client IP', { scope: 'path', grammar: 'int' }),
  unsupported('limit-rps', 'requests per second per client IP', { scope: 'path', grammar: 'int' }),
  unsupported('limit-rpm', 'requests per minute per client IP', { scope: 'path', grammar: 'int' }),
  unsupported('limit-burst-multiplier', 'burst size as a multiple of the limit', { scope: 'path', grammar: 'int' }),
  unsupported('limit-whitelist', 'client CIDRs exempt from limits (old name)', { scope: 'path', grammar: 'list of CIDRs' }),
  unsupported('limit-allowlist', 'client CIDRs exempt from limits', { scope: 'path', grammar: 'list of CIDRs' }),
  unsupported('limit-rate', 'response rate limit in KiB/s per connection', { scope: 'path', grammar: 'int' }),
  unsupported('limit-rate-after', 'KiB sent before limit-rate applies', { scope: 'path', grammar: 'int' }),
  unsupported('enable-cors', 'answer CORS preflights and add CORS headers', { scope: 'path', grammar: 'bool' }),
  unsupported('cors-allow-origin', 'allowed origins', { scope: 'path', grammar: 'list' }),
  unsupported('cors-allow-methods', 'allowed methods', { scope: 'path', grammar: 'list' }),
  unsupported('cors-allow-headers', 'allowed request headers', { scope: 'path', grammar: 'list' }),
  unsupported('cors-expose-headers', 'exposed response headers', { scope: 'path', grammar: 'list' }),
  unsupported('cors-allow-credentials', 'allow credentials', { scope: 'path', grammar: 'bool' }),
  unsupported('cors-max-age', 'preflight cache seconds', { scope: 'path', grammar: 'int' }),
];
