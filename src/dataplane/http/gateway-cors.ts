// The HTTPRoute CORS filter at request time (gateway-api httproute_types.go HTTPCORSFilter; Fetch
// standard "CORS protocol"): a preflight (OPTIONS with Origin and Access-Control-Request-Method)
// is answered here with 204 — with the CORS headers when the Origin is allowed, without them
// otherwise (the spec's first option) — and never reaches the backend; an actual request gets
// Access-Control-Allow-Origin (and -Credentials, -Expose-Headers) on its response when its Origin
// is allowed. With credentials, '*' is never sent: the request's Origin, method or headers are
// echoed instead, as the filter's documentation requires. Vary: Origin whenever the answer
// depends on it.
import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayCors } from '../../model/gateway.ts';
import type { HeaderModifier } from '../../model/filters.ts';

interface OriginPattern { readonly scheme: string; readonly host: string; readonly wildcard: boolean; readonly port: number }

const DEFAULT_PORT: Readonly<Record<string, number>> = { http: 80, https: 443 };

function parseOrigin(o: string): OriginPattern | null {
  const m = /^(https?):\/\/([^:/]+)(?::([0-9]{1,5}))?$/.exec(o.toLowerCase());
  if (m === null) return null;
  const wildcard = m[2].startsWith('*');
  return { scheme: m[1], host: wildcard ? m[2].slice(1) : m[2], wildcard, port: m[3] === undefined ? DEFAULT_PORT[m[1]] : Number(m[3]) };
}

export class CompiledCors {
  readonly model: GatewayCors;
  private readonly any: boolean;
  private readonly patterns: readonly OriginPattern[];

  constructor(model: GatewayCors) {
    this.model = model;
    this.any = model.origins.length === 1 && model.origins[0] === '*';
    this.patterns = this.any ? [] : model.origins.map(parseOrigin).filter((p): p is OriginPattern => p !== null);
  }

  allowed(origin: string): boolean {
    if (this.any) return true;
    const o = parseOrigin(origin);
    if (o === null || o.wildcard) return false;
    // '*' is greedy to the left: '*.example.com' takes a.example.com and a.b.example.com.
    return this.patterns.some((p) => p.scheme === o.scheme && p.port === o.port &&
      (p.wildcard ? (p.host === '' || (o.host.endsWith(p.host) && o.host.length > p.host.length)) : o.host === p.host));
  }

  /** Headers of a preflight answer (204), or null when the request is not a preflight. */
  preflight(method: string, headers: IncomingHttpHeaders): [string, string][] | null {
    const origin = headers.origin;
    const want = headers['access-control-request-method'];
    if (method !== 'OPTIONS' || typeof origin !== 'string' || typeof want !== 'string') return null;
    const out: [string, string][] = [['vary', 'Origin']];
    if (!this.allowed(origin)) return out;
    const m = this.model;
    out.push(['access-control-allow-origin', this.originValue(origin)]);
    if (m.credentials) out.push(['access-control-allow-credentials', 'true']);
    if (m.methods.length > 0) out.push(['access-control-allow-methods', m.methods[0] === '*' && m.credentials ? want : m.methods.join(', ')]);
    const reqHeaders = headers['access-control-request-headers'];
    if (m.headers.length > 0) {
      if (m.headers[0] !== '*' || !m.credentials) out.push(['access-control-allow-headers', m.headers.join(', ')]);
      else if (typeof reqHeaders === 'string' && reqHeaders !== '') out.push(['access-control-allow-headers', reqHeaders]);
    }
    out.push(['access-control-max-age', String(m.maxAge)]);
    return out;
  }

  /** Response header additions for an actual request from `origin`; null when it carries none. */
  responseHeaders(origin: string | undefined): HeaderModifier | null {
    if (typeof origin !== 'string') return null;
    if (!this.allowed(origin)) return { set: [], add: [['vary', 'Origin']], remove: [] };
    const m = this.model;
    const set: [string, string][] = [['access-control-allow-origin', this.originValue(origin)]];
    if (m.credentials) set.push(['access-control-allow-credentials', 'true']);
    if (m.expose.length > 0 && !(m.expose[0] === '*' && m.credentials)) set.push(['access-control-expose-headers', m.expose.join(', ')]);
    return { set, add: [['vary', 'Origin']], remove: [] };
  }

  private originValue(origin: string): string {
    return this.any && !this.model.credentials ? '*' : origin;
  }
}
