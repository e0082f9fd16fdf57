// Routing keys: regex paths, rewrites, redirects, https enforcement, upstream Host, aliases and the
// per-Ingress default backend. Semantics are ingress-nginx v1.15's (internal/ingress/annotations/
// rewrite, redirect, alias, upstreamvhost, xforwardedprefix, defaultbackend; template buildLocation
// and buildProxyPass in internal/file/template/template.go); README "Annotations" lists the
// deliberate differences.

import { defineAnnotation, catalogue, type Parsed } from './registry.ts';
import { parseBool, parseHostname, parseInt, parseList, parseTemplate, type TemplatePart } from './grammar.ts';

const q = (raw: string) => JSON.stringify(raw);

export interface TemplateValue {
  readonly raw: string;
  readonly parts: readonly TemplatePart[];
}

/** Characters of a path or URL Portico accepts in a template (no blanks, quotes, ';', '\\', '<>'). */
const URI_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,=:@/%?#{}[\]]+$/;

function template(raw: string, captures: boolean, check: (r: string) => string | null): Parsed<TemplateValue> {
  if (!URI_CHARS.test(raw)) return { error: `${q(raw)} contains characters that are not allowed in a URI` };
  const why = check(raw);
  if (why !== null) return { error: why };
  const t = parseTemplate(raw, captures);
  if (!('value' in t)) return t;
  return { value: { raw, parts: t.value } };
}

const bool = (raw: string, prefix: 'nginx' | 'portico') => parseBool(raw, prefix);

/** ingress-nginx redirect isValidURL: the scheme must be http or https. */
const httpUrl = (r: string) => /^https?:\/\/[^/?#]/i.test(r) ? null : `${q(r)} is not an http:// or https:// URL`;
const absPath = (r: string) => r.startsWith('/') ? null : `${q(r)} must be a path starting with '/'`;

function redirectCode(fallback: number) {
  return (raw: string): Parsed<number> => {
    const n = parseInt(raw, 300, 308);
    return 'value' in n ? n : { error: `${'error' in n ? n.error : ''} (codes 300-308); using ${fallback} as ingress-nginx does` };
  };
}

export const useRegex = defineAnnotation<boolean>({
  key: 'use-regex', group: 'routing', kinds: ['Ingress'], scope: 'ingress', prefixes: 'both', status: 'honoured',
  grammar: 'bool', defaultText: 'false', parse: bool, defaultValue: false,
  help: "this Ingress's paths are case-insensitive regexes anchored at the start (RE2 syntax)",
  difference: "applies to this Ingress's paths only, not to every path of the host across Ingresses; RE2 syntax (no backreferences or lookaround)",
});

export const rewriteTarget = defineAnnotation<TemplateValue>({
  key: 'rewrite-target', group: 'routing', kinds: ['Ingress'], scope: 'path', prefixes: 'both', status: 'honoured',
  grammar: 'path with $1..$9', defaultText: 'none',
  parse: (raw) => template(raw, true, () => null),
  help: 'the whole URI path is replaced by the target ($1..$9 from the path regex); the query string is kept',
  difference: 'makes only this Ingress\'s paths regexes (ingress-nginx: every path of the host)',
});

export const appRoot = defineAnnotation<TemplateValue>({
  key: 'app-root', group: 'routing', kinds: ['Ingress'], scope: 'host', prefixes: 'both', status: 'honoured',
  grammar: 'absolute path', defaultText: 'none', parse: (raw) => template(raw, false, absPath),
  help: 'a request for exactly / is answered 302 to this path',
  difference: '',
});

export const permanentRedirect = defineAnnotation<TemplateValue>({
  key: 'permanent-redirect', group: 'routing', kinds: ['Ingress'], scope: 'path', prefixes: 'both', status: 'honoured',
  grammar: 'http(s) URL', defaultText: 'none', parse: (raw) => template(raw, true, httpUrl),
  help: 'every request is redirected to this URL (permanent-redirect-code, default 301)',
  difference: '',
});

export const permanentRedirectCode = defineAnnotation<number>({
  key: 'permanent-redirect-code', group: 'routing', kinds: ['Ingress'], scope: 'path', prefixes: 'both', status: 'honoured',
  grammar: 'int 300-308', defaultText: '301', parse: redirectCode(301), defaultValue: 301,
  help: 'status of permanent-redirect', difference: 'a code outside 300-308 is reported, then 301 is used as in ingress-nginx',
});

export const temporalRedirect = defineAnnotation<TemplateValue>({
  key: 'temporal-redirect', group: 'routing', kinds: ['Ingress'], scope: 'path', prefixes: 'both', status: 'honoured',
  grammar: 'http(s) URL', defaultText: 'none', parse: (raw) => template(raw, true, httpUrl),
  help: 'every request is redirected to this URL (temporal-redirect-code, default 302); wins over permanent-redirect',
  difference: '',
});

export const temporalRedirectCode = defineAnnotation<number>({
  key: 'temporal-redirect-code', group: 'routing', kinds: ['Ingress'], scope: 'path', prefixes: 'both', status: 'honoured',
  grammar: 'int 300-308', defaultText: '302', parse: redirectCode(302), defaultValue: 302,
  help: 'status of temporal-redirect', difference: 'a code outside 300-308 is reported, then 302 is used',
});

export const fromToWwwRedirect = defineAnnotation<boolean>({
  key: 'from-to-www-redirect', group: 'routing', kinds: ['Ingress'], scope: 'host', prefixes: 'both', status: 'honoured',
  grammar: 'bool', defaultText: 'false', parse: bool, defaultValue: false,
  help: 'www.<host> redirects to <host> or the reverse (308), unless the other name has rules of its own',
  difference: '',
});

export const sslRedirect = defineAnnotation<boolean>({
  key: 'ssl-redirect', group: 'routing', kinds: ['Ingress'], scope: 'path', prefixes: 'both', status: 'honoured',
  grammar: 'bool', defaultText: 'true', parse: bool, defaultValue: true,
  help: 'plain-HTTP requests for hosts with TLS are redirected to https (308)',
  difference: '',
});

export const forceSslRedirect = defineAnnotation<boolean>({
  key: 'force-ssl-redirect', group: 'routing', kinds: ['Ingress'], scope: 'path', prefixes: 'both', status: 'honoured',
  grammar: 'bool', defaultText: 'false', parse: bool, defaultValue: false,
  help: 'plain-HTTP requests are redirected to https (308) even for hosts without spec.tls',
  difference: 'X-Forwarded-Proto: https counts only from --trust-proxy peers',
});

export const upstreamVhost = defineAnnotation<string>({
  key: 'upstream-vhost', group: 'routing', kinds: ['Ingress'], scope: 'path', prefixes: 'both', status: 'honoured',
  grammar: 'host[:port]', defaultText: 'request Host', parse: (raw) => parseHostname(raw, { port: true }),
  help: 'Host header sent to the upstream', difference: 'host-name grammar only (no nginx variables)',
});

export const xForwardedPrefix = defineAnnotation<TemplateValue>({
  key: 'x-forwarded-prefix', group: 'routing', kinds: ['Ingress'], scope: 'path', prefixes: 'both', status: 'honoured',
  grammar: 'path', defaultText: 'none', parse: (raw) => template(raw, false, () => null),
  help: 'X-Forwarded-Prefix header sent to the upstream', difference: '',
});

export const serverAlias = defineAnnotation<string[]>({
  key: 'server-alias', group: 'routing', kinds: ['Ingress'], scope: 'host', prefixes: 'both', status: 'honoured',
  grammar: 'list of host names', defaultText: 'none',
  parse: (raw) => {
    const out: string[] = [];
    for (const item of parseList(raw)) {
      const h = parseHostname(item, { wildcard: true });
      if (!('value' in h)) return h;
      out.push(h.value);
    }
    return out.length === 0 ? { error: `expected a list of host names, got ${q(raw)}` } : { value: out };
  },
  help: "more host names served with this Ingress's rules; a name another rule already declares keeps its own",
  difference: 'no nginx regex server names',
});

export const defaultBackend = defineAnnotation<string>({
  key: 'default-backend', group: 'routing', kinds: ['Ingress'], scope: 'ingress', prefixes: 'both', status: 'honoured',
  grammar: 'Service name', defaultText: 'none',
  parse: (raw) => /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(raw.trim()) ? { value: raw.trim() } : { error: `${q(raw)} is not a Service name` },
  help: "Service (first port, same namespace) that answers when a path's Service has no ready endpoint",
  difference: 'custom-http-errors is not implemented, so only the no-endpoint case uses it',
});

export const ROUTING = [
  useRegex, rewriteTarget, appRoot, permanentRedirect, permanentRedirectCode, temporalRedirect, temporalRedirectCode,
  fromToWwwRedirect, sslRedirect, forceSslRedirect, upstreamVhost, xForwardedPrefix, serverAlias, defaultBackend,
  catalogue('routing', 'preserve-trailing-slash', 'no-op', 'keep a trailing slash in https redirects', {
    scope: 'path', prefixes: 'both', grammar: 'bool', defaultText: 'false', difference: 'Portico always keeps the request URI as received',
  }),
  catalogue('routing', 'use-port-in-redirects', 'unsupported', 'put the port in redirects nginx generates', { grammar: 'bool' }),
  catalogue('routing', 'relative-redirects', 'unsupported', 'relative Location in redirects nginx generates', { grammar: 'bool' }),
] as const;
