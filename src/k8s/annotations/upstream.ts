// Upstream keys (protocol, timeouts, body size, retries, TLS to the backend, passthrough). Not
// implemented yet: ignored with a warning, except what must refuse — FastCGI as a backend
// protocol and ssl-passthrough (a TLS-terminating Portico would see and could not protect the
// traffic the author meant to pass through untouched).

import { catalogue, type AnnotationEntry } from './registry.ts';
import { parseBool } from './grammar.ts';

const u = (key: string, help: string, more: Parameters<typeof catalogue>[4] = {}) =>
  catalogue('upstream', key, 'unsupported', help, { scope: 'path', ...more });

export const UPSTREAM: readonly AnnotationEntry<never>[] = [
  u('backend-protocol', 'protocol to the backend', {
    grammar: 'HTTP | HTTPS | GRPC | GRPCS | FCGI', defaultText: 'HTTP',
    refuseWhen: (raw) => raw.trim().toUpperCase() === 'FCGI' ? 'asks for a FastCGI backend, which Portico does not speak' : null,
    difference: 'FCGI refuses the Ingress',
  }),
  catalogue('upstream', 'ssl-passthrough', 'refused', 'pass TLS through to the backend undecrypted', {
    scope: 'host', grammar: 'bool', defaultText: 'false',
    refuseWhen: (raw) => {
      const b = parseBool(raw);
      return 'value' in b && !b.value ? null : 'asks for TLS passthrough, which this build does not do';
    },
    difference: 'refused when true (not implemented yet)',
  }),
  u('proxy-connect-timeout', 'connect timeout in seconds', { grammar: 'int seconds' }),
  u('proxy-send-timeout', 'send timeout in seconds', { grammar: 'int seconds' }),
  u('proxy-read-timeout', 'read timeout in seconds', { grammar: 'int seconds' }),
  u('proxy-next-upstream', 'when to retry on another endpoint', { grammar: 'list' }),
  u('proxy-next-upstream-timeout', 'time limit for retries', { grammar: 'int seconds' }),
  u('proxy-next-upstream-tries', 'tries including the first', { grammar: 'int' }),
  u('proxy-body-size', 'largest request body', { grammar: 'nginx size' }),
  u('proxy-cookie-domain', 'rewrite Set-Cookie Domain'),
  u('proxy-cookie-path', 'rewrite Set-Cookie Path'),
  u('proxy-redirect-from', 'rewrite Location from'),
  u('proxy-redirect-to', 'rewrite Location to'),
  u('proxy-ssl-secret', 'client certificate and CA for HTTPS backends'),
  u('proxy-ssl-ciphers', 'ciphers to HTTPS backends'),
  u('proxy-ssl-name', 'server name checked on HTTPS backends'),
  u('proxy-ssl-protocols', 'TLS versions to HTTPS backends'),
  u('proxy-ssl-verify', 'verify HTTPS backends', { grammar: 'on | off' }),
  u('proxy-ssl-verify-depth', 'chain depth for HTTPS backends', { grammar: 'int' }),
  u('proxy-ssl-server-name', 'send SNI to HTTPS backends', { grammar: 'on | off' }),
  u('service-upstream', 'forward to the Service ClusterIP instead of endpoints', { grammar: 'bool' }),
  u('custom-http-errors', 'statuses answered by the default backend', { grammar: 'list of ints' }),
  u('disable-proxy-intercept-errors', 'do not intercept upstream errors', { grammar: 'bool' }),
  u('mirror-target', 'URL requests are mirrored to', { grammar: 'URL' }),
  u('mirror-request-body', 'mirror the request body', { grammar: 'on | off' }),
  u('mirror-host', 'Host header of mirrored requests'),
  u('custom-headers', 'ConfigMap of response headers', { scope: 'ingress' }),
];
