// CORS as ingress-nginx configures it (internal/ingress/annotations/cors, rootfs/etc/nginx/template
// cors section; Fetch standard "CORS protocol"): a request whose Origin matches cors-allow-origin
// gets Access-Control-Allow-Origin (the request's Origin), -Allow-Credentials, -Allow-Methods,
// -Allow-Headers, -Expose-Headers (when set) and -Max-Age; a matching OPTIONS request is the
// preflight and is answered 204 by Portico without reaching the backend. A request without Origin
// or with one that does not match gets no CORS headers and is proxied as is.

import type { CorsPolicy } from '../../../model/access.ts';
import { denial, rawHeader, type Denial, type PolicyRequest } from './policy.ts';

export class CorsCheck {
  readonly step = 'cors-preflight' as const;
  private readonly p: CorsPolicy;
  private readonly any: boolean;
  private readonly exact: ReadonlySet<string>;
  /** `https://*.example.com` → ['https://', '.example.com', port suffix ''] parts. */
  private readonly wildcards: readonly { readonly scheme: string; readonly suffix: string }[];
  private readonly fixed: readonly string[];

  constructor(p: CorsPolicy) {
    this.p = p;
    this.any = p.origins.includes('*');
    this.exact = new Set(p.origins.filter((o) => !o.includes('*')));
    this.wildcards = p.origins.filter((o) => o.includes('://*.')).map((o) => {
      const i = o.indexOf('://*.');
      return { scheme: o.slice(0, i + 3), suffix: o.slice(i + 4) };
    });
    const f = ['access-control-allow-methods', p.methods, 'access-control-allow-headers', p.headers, 'access-control-max-age', String(p.maxAge)];
    if (p.credentials) f.push('access-control-allow-credentials', 'true');
    if (p.expose !== '') f.push('access-control-expose-headers', p.expose);
    this.fixed = f;
  }

  private matches(origin: string): boolean {
    if (this.any) return true;
    const o = origin.toLowerCase();
    if (this.exact.has(o)) return true;
    for (const w of this.wildcards) {
      // One label in place of `*` (ingress-nginx turns `*` into `[A-Za-z0-9-]+`).
      if (o.startsWith(w.scheme) && o.endsWith(w.suffix)) {
        const label = o.slice(w.scheme.length, o.length - w.suffix.length);
        if (/^[a-z0-9-]+$/.test(label)) return true;
      }
    }
    return false;
  }

  check(r: PolicyRequest): Denial | null {
    if (r.method !== 'OPTIONS') return null;
    const origin = rawHeader(r.raw, 'origin');
    if (origin === undefined || !this.matches(origin)) return null;
    const headers: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'Origin' };
    for (let i = 0; i < this.fixed.length; i += 2) headers[this.fixed[i]] = this.fixed[i + 1];
    return denial(204, 'CORS_PREFLIGHT', '', headers);
  }

  responseHeaders(r: PolicyRequest): readonly string[] | null {
    const origin = rawHeader(r.raw, 'origin');
    if (origin === undefined || !this.matches(origin)) return null;
    return ['access-control-allow-origin', origin, 'vary', 'Origin', ...this.fixed];
  }
}
