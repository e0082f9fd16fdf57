// A Route's UpstreamPolicy compiled at apply time (ARCHITECTURE.md hot-path rule 2): the profiles
// (pools) it dispatches to, per-request timeouts, the retry decision table and the body limit.
// Routes without a policy get `null` and the forwarder's default path, which costs nothing extra.

import type { NextUpstreamCondition, UpstreamPolicy, UpstreamProtocol } from '../../model/upstream.ts';
import { isGrpc } from '../../model/upstream.ts';
import type { UpstreamProfile, UpstreamProfiles, Wire } from './upstream-profile.ts';

export interface UpstreamDefaults {
  readonly connectTimeoutMs: number;
  /** --proxy-body-size; 0 = unlimited. */
  readonly maxBodyBytes: number;
}

/** nginx proxy_next_upstream: "non-idempotent method (POST, LOCK, PATCH)". */
const NON_IDEMPOTENT = new Set(['POST', 'LOCK', 'PATCH']);

/** Whether nginx counts `method` as non-idempotent when it decides a retry (proxy_next_upstream). */
export function isNonIdempotent(method: string): boolean {
  return NON_IDEMPOTENT.has(method);
}

export class CompiledUpstream {
  readonly policy: UpstreamPolicy | null;
  readonly protocol: UpstreamProtocol;
  readonly grpc: boolean;
  /** Profile for requests that arrived over plain HTTP / over TLS; null ⇒ the default pool. */
  readonly plainProfile: UpstreamProfile | null;
  readonly secureProfile: UpstreamProfile | null;
  /** Per-request header/body idle timeout, or undefined ⇒ the pool's. */
  readonly readTimeoutMs: number | undefined;
  /** 0 ⇒ none. */
  readonly sendTimeoutMs: number;
  /** 0 ⇒ unlimited. */
  readonly maxBodyBytes: number;
  /** Retry switches; `custom` false ⇒ the default (connection failures before any byte). */
  readonly custom: boolean;
  readonly onError: boolean;
  readonly onTimeout: boolean;
  readonly nonIdempotent: boolean;
  readonly retryStatuses: ReadonlySet<number>;
  /** Attempts including the first; 0 ⇒ bounded by the endpoints only. */
  readonly tries: number;
  readonly retryWindowMs: number;
  /** Wait before each further attempt (RetryPolicy.backoffMs); 0 ⇒ at once. */
  readonly retryBackoffMs: number;

  constructor(policy: UpstreamPolicy | null, serviceDns: string, profiles: UpstreamProfiles, defaults: UpstreamDefaults) {
    this.policy = policy;
    const protocol = policy?.protocol ?? 'HTTP';
    this.protocol = protocol;
    this.grpc = isGrpc(protocol);
    const connectTimeoutMs = policy?.connectTimeoutMs ?? defaults.connectTimeoutMs;
    const tls = policy?.tls ?? null;
    const get = (wire: Wire, t: typeof tls): UpstreamProfile => profiles.get({ wire, tls: t, defaultName: serviceDns, connectTimeoutMs });
    // Plain HTTP keeps the default pool unless it has its own connect timeout.
    const plainHttp = policy !== null && policy.connectTimeoutMs !== null ? get('http1', null) : null;
    switch (protocol) {
      case 'HTTP': this.plainProfile = this.secureProfile = plainHttp; break;
      case 'AUTO_HTTP': this.plainProfile = plainHttp; this.secureProfile = get('http1', tls); break;
      case 'HTTPS': this.plainProfile = this.secureProfile = get('http1', tls); break;
      case 'H2C': case 'GRPC': this.plainProfile = this.secureProfile = get('h2c', null); break;
      case 'GRPCS': this.plainProfile = this.secureProfile = get('h2', tls); break;
    }
    this.readTimeoutMs = policy?.readTimeoutMs ?? undefined;
    this.sendTimeoutMs = policy?.sendTimeoutMs ?? 0;
    const limit = policy?.maxBodyBytes ?? null;
    this.maxBodyBytes = limit === null ? defaults.maxBodyBytes : limit;
    const r = policy?.retry ?? null;
    this.custom = r !== null;
    const on = new Set<NextUpstreamCondition>(r?.on ?? []);
    this.onError = on.has('error') || on.has('invalid_header');
    this.onTimeout = on.has('timeout');
    this.nonIdempotent = on.has('non_idempotent');
    const statuses = new Set<number>();
    for (const c of on) if (c.startsWith('http_')) statuses.add(Number(c.slice(5)));
    this.retryStatuses = statuses;
    this.tries = r === null ? 3 : r.on.length === 0 ? 1 : r.tries;
    this.retryWindowMs = r?.timeoutMs ?? 0;
    this.retryBackoffMs = r?.backoffMs ?? 0;
  }

  profileFor(scheme: 'http' | 'https'): UpstreamProfile | null {
    return scheme === 'https' ? this.secureProfile : this.plainProfile;
  }

  /**
   * May another endpoint be tried? `sent`: the request may have reached an application (nginx:
   * "a request has been sent to an upstream server"); `unread`: no body byte was consumed, so the
   * request can be sent again (Portico streams bodies and keeps no copy).
   */
  mayRetry(kind: 'connect' | 'connect-timeout' | 'error' | 'timeout' | 'status', method: string, sent: boolean, unread: boolean,
    attempts: number, startedAt: number, now: number): boolean {
    if (!unread) return false;
    if (this.tries !== 0 && attempts >= this.tries) return false;
    if (this.retryWindowMs !== 0 && now - startedAt >= this.retryWindowMs) return false;
    if (sent && isNonIdempotent(method) && !this.nonIdempotent) return false;
    switch (kind) {
      case 'connect': return this.onError;
      case 'connect-timeout': return this.onTimeout;
      case 'error': return this.onError;
      case 'timeout': return this.onTimeout;
      case 'status': return true;
    }
  }
}
