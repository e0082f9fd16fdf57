// A route's access policies compiled into one ordered chain at apply time (src/model/access.ts
// ACCESS_ORDER: source ranges → rate limit → client certificate → basic/external auth → CORS
// preflight → proxy). Routes without policies get no chain at all (CompiledRoute.policies null),
// so they pay nothing. A step answers synchronously unless it must wait (bcrypt on a cache miss,
// the external auth subrequest); then the chain resumes where it stopped.

import type { RouteAccess } from '../../../model/access.ts';
import { BasicAuthCheck, type VerifiedCache } from './basic-auth.ts';
import { ExternalAuthCheck, type ExternalAuthDeps } from './external-auth.ts';
import { denial, type Allow, type AsyncVerdict, type Denial, type PolicyRequest } from './policy.ts';
import { ClientCertCheck } from './client-cert.ts';
import { SourceRangeCheck } from './source-range.ts';
import { RateLimitCheck, type RateLimitDeps } from './rate-limit.ts';
import { CorsCheck } from './cors.ts';

export interface PolicyDeps {
  readonly verified: VerifiedCache;
  readonly externalAuth: ExternalAuthDeps;
  readonly rateLimit: RateLimitDeps;
}

export interface PolicySink {
  deny(d: Denial): void;
  /**
   * `set`: headers to set on the upstream request, replacing the client's of the same name ('' only
   * removes); `respond`: flat [name, value, …] added to the client response (auth Set-Cookie, CORS).
   */
  proceed(set: readonly (readonly [string, string])[] | null, respond: readonly string[] | null): void;
}

interface Step {
  readonly step: string;
  check(r: PolicyRequest): Denial | Allow | null | Promise<AsyncVerdict>;
  /** Live summary for explain (state that changes, e.g. clients tracked). */
  describe?(): string;
  /** Headers this step adds to the client response of a request it let through (CORS). */
  responseHeaders?(r: PolicyRequest): readonly string[] | null;
}

const FAILED = denial(500, 'AUTH_FAILED', 'internal error while checking access\n');

export class PolicyChain {
  private readonly steps: readonly Step[];
  private readonly described: readonly { readonly step: string; readonly detail: string }[];

  constructor(steps: readonly Step[], described: { step: string; detail: string }[]) {
    this.steps = steps;
    this.described = described;
  }

  /** What `explain` shows, in order: step name and a one-line summary (never a credential). */
  describe(): { step: string; detail: string }[] {
    return this.described.map((d, i) => ({ step: d.step, detail: this.steps[i].describe?.() ?? d.detail }));
  }

  run(r: PolicyRequest, sink: PolicySink): void {
    this.from(0, r, sink, null, null);
  }

  private from(start: number, r: PolicyRequest, sink: PolicySink, set: readonly (readonly [string, string])[] | null, cookies: readonly string[] | null): void {
    const steps = this.steps;
    for (let i = start; i < steps.length; i++) {
      const v = steps[i].check(r);
      if (v === null) continue;
      if (v instanceof Promise) {
        v.then((av) => {
          if ('denial' in av) return sink.deny(av.denial);
          const next = av.set.length === 0 ? set : [...(set ?? []), ...av.set];
          const c = av.cookies === undefined ? cookies : [...(cookies ?? []), ...av.cookies];
          this.from(i + 1, r, sink, next, c);
        }, () => sink.deny(FAILED));
        return;
      }
      if ('set' in v) {
        // A synchronous step that lets the request through with headers (client certificate).
        set = set === null ? v.set : [...set, ...v.set];
        continue;
      }
      sink.deny(v);
      return;
    }
    let respond: string[] | null = null;
    if (cookies !== null) for (const c of cookies) (respond ??= []).push('set-cookie', c);
    for (const s of steps) {
      const h = s.responseHeaders?.(r) ?? null;
      if (h !== null) (respond ??= []).push(...h);
    }
    sink.proceed(set, respond);
  }
}

export function compilePolicies(access: RouteAccess | undefined, deps: PolicyDeps): PolicyChain | null {
  if (access === undefined) return null;
  const steps: Step[] = [];
  const described: { step: string; detail: string }[] = [];
  if (access.sourceRange !== null) {
    const s = access.sourceRange;
    steps.push(new SourceRangeCheck(s));
    const parts = [];
    if (s.allow.length > 0) parts.push(`allow ${s.allow.join(', ')} (${s.allowFrom})`);
    if (s.deny.length > 0) parts.push(`deny ${s.deny.join(', ')} (${s.denyFrom})`);
    described.push({ step: 'source-range', detail: `${parts.join('; ')}; otherwise 403` });
  }
  if (access.rateLimit !== null) {
    steps.push(new RateLimitCheck(access.rateLimit, deps.rateLimit));
    described.push({ step: 'rate-limit', detail: '' });
  }
  if (access.clientCert != null) {
    const c = new ClientCertCheck(access.clientCert);
    steps.push(c);
    described.push({ step: 'client-certificate', detail: c.describe() });
  }
  if (access.basicAuth !== null) {
    steps.push(new BasicAuthCheck(access.basicAuth, deps.verified));
    described.push({ step: 'basic-auth', detail: `realm "${access.basicAuth.realm}", ${access.basicAuth.users.length} user(s) from Secret ${access.basicAuth.secret}; otherwise 401` });
  }
  if (access.externalAuth !== null) {
    steps.push(new ExternalAuthCheck(access.externalAuth, deps.externalAuth));
    described.push({ step: 'external-auth', detail: `subrequest to ${access.externalAuth.url}${access.externalAuth.signin ? ' (sign-in redirect on 401)' : ''}; 5xx/timeout → 500` });
  }
  if (access.cors !== null) {
    const c = access.cors;
    steps.push(new CorsCheck(c));
    described.push({ step: 'cors-preflight', detail: `origins ${c.origins.join(', ')}; matching OPTIONS → 204 here, other matching requests get the CORS headers` });
  }
  return steps.length === 0 ? null : new PolicyChain(steps, described);
}
