// Keys Portico refuses: raw nginx configuration (snippets), the ModSecurity WAF and FastCGI. Each
// would need Portico to run nginx configuration or a WAF engine; serving the Ingress without them
// could serve a protected app open (PROTOCOL "never fail open"), so the Ingress is not served
// unless the operator passes --serve-unenforced-annotations.

import { catalogue, type AnnotationEntry } from './registry.ts';
import { parseBool } from './grammar.ts';

/** Boolean WAF switches refuse only when on: `enable-modsecurity: "false"` asks for nothing. */
const whenTrue = (raw: string): string | null => {
  const b = parseBool(raw);
  return 'value' in b && !b.value ? null : 'asks for the ModSecurity WAF, which Portico does not run';
};

const SNIPPET = 'raw nginx configuration; Portico never pastes annotation text into configuration';

export const REFUSED: readonly AnnotationEntry<never>[] = [
  catalogue('refused', 'configuration-snippet', 'refused', 'nginx directives pasted into the location', { scope: 'path', grammar: 'nginx configuration', difference: SNIPPET }),
  catalogue('refused', 'server-snippet', 'refused', 'nginx directives pasted into the server block', { scope: 'host', grammar: 'nginx configuration', difference: SNIPPET }),
  catalogue('refused', 'auth-snippet', 'refused', 'nginx directives pasted into the auth location', { scope: 'path', grammar: 'nginx configuration', difference: SNIPPET }),
  catalogue('refused', 'stream-snippet', 'refused', 'nginx directives pasted into the stream block', { grammar: 'nginx configuration', difference: SNIPPET }),
  catalogue('refused', 'modsecurity-snippet', 'refused', 'ModSecurity rules pasted into the location', { scope: 'path', grammar: 'ModSecurity configuration', difference: SNIPPET }),
  catalogue('refused', 'enable-modsecurity', 'refused', 'ModSecurity WAF for the location', { scope: 'path', grammar: 'bool', defaultText: 'false', refuseWhen: whenTrue, difference: 'no WAF engine in Portico; refused when true' }),
  catalogue('refused', 'enable-owasp-core-rules', 'refused', 'OWASP core rule set of ModSecurity', { scope: 'path', grammar: 'bool', defaultText: 'false', refuseWhen: whenTrue, difference: 'no WAF engine in Portico; refused when true' }),
  catalogue('refused', 'modsecurity-transaction-id', 'refused', 'ModSecurity transaction id', { scope: 'path', difference: 'no WAF engine in Portico' }),
  catalogue('refused', 'fastcgi-index', 'refused', 'FastCGI index file', { scope: 'path', difference: 'no FastCGI client in Portico' }),
  catalogue('refused', 'fastcgi-params-configmap', 'refused', 'ConfigMap of FastCGI parameters', { scope: 'path', difference: 'no FastCGI client in Portico' }),
];

/**
 * Typed keys that cover the usual snippet directives, for the migration report. Only directives
 * a typed key really covers are named; the rest say there is none yet.
 */
export function snippetSuggestions(snippet: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (s: string) => {
    if (!seen.has(s)) {
      seen.add(s);
      out.push(s);
    }
  };
  for (const line of snippet.split(/[;\n]/)) {
    const t = line.trim();
    const directive = /^([a-z_]+)\b/.exec(t)?.[1];
    if (directive === undefined) continue;
    if (directive === 'more_set_headers' || directive === 'add_header') add(`${directive}: response headers have no typed key in Portico yet`);
    else if (directive === 'proxy_set_header') {
      const name = /^proxy_set_header\s+"?([A-Za-z0-9-]+)/.exec(t)?.[1]?.toLowerCase();
      if (name === 'host') add('proxy_set_header Host: use upstream-vhost');
      else if (name === 'x-forwarded-prefix') add('proxy_set_header X-Forwarded-Prefix: use x-forwarded-prefix');
      else add('proxy_set_header: request headers have no typed key in Portico yet');
    } else if (directive === 'return') {
      const code = /^return\s+(\d{3})/.exec(t)?.[1];
      if (code === '301' || code === '308') add(`return ${code}: use permanent-redirect with permanent-redirect-code`);
      else if (code === '302' || code === '303' || code === '307') add(`return ${code}: use temporal-redirect with temporal-redirect-code`);
      else add('return: no typed key covers this status');
    } else if (directive === 'rewrite') add('rewrite: use rewrite-target (with use-regex for captures)');
  }
  return out;
}
