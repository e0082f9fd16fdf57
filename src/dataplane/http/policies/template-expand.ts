// Expansion of the closed variable set (src/k8s/annotations/template.ts) for one request.
// In a URL (`url` mode) the values read from the client ($http_*, $arg_*, $host) are
// percent-encoded, so that a header value cannot change the URL's structure (nginx pastes them
// raw — a deliberate difference, README "External authentication"); $request_uri is the request
// target as received and $escaped_request_uri its component-encoded form (ingress-nginx
// `set_escape_uri`).

import type { Template } from '../../../model/access.ts';
import { rawHeader, type PolicyRequest } from './policy.ts';

/** nginx $host: the Host without port, lower-case ('' when absent). */
export function hostOnly(host: string | null): string {
  if (host === null) return '';
  const h = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return h.toLowerCase();
}

/** nginx $arg_<name>: the raw value of the first `name=` argument of the query, or ''. */
function arg(uri: string, name: string): string {
  const q = uri.indexOf('?');
  if (q === -1) return '';
  for (const pair of uri.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    const n = eq === -1 ? pair : pair.slice(0, eq);
    if (n === name) return eq === -1 ? '' : pair.slice(eq + 1);
  }
  return '';
}

export function expand(t: Template, r: PolicyRequest, mode: 'url' | 'text'): string {
  let out = '';
  for (const p of t) {
    switch (p.kind) {
      case 'text': out += p.text; break;
      case 'scheme': out += r.scheme; break;
      case 'host': out += mode === 'url' ? encodeURIComponent(hostOnly(r.host)).replaceAll('%3A', ':') : hostOnly(r.host); break;
      case 'request_uri': out += r.uri; break;
      case 'escaped_request_uri': out += encodeURIComponent(r.uri); break;
      case 'http': {
        const v = rawHeader(r.raw, p.name) ?? '';
        out += mode === 'url' ? encodeURIComponent(v) : v;
        break;
      }
      case 'arg': {
        const v = arg(r.uri, p.name);
        out += mode === 'url' ? encodeURIComponent(decodeSafe(v)) : v;
        break;
      }
    }
  }
  return out;
}

function decodeSafe(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}
