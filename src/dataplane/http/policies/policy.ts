// What every access policy sees and answers (src/model/access.ts ACCESS_ORDER). A policy is
// compiled once per route at apply time; per request it reads a PolicyRequest and either lets the
// request through (null) or answers it with a Denial. Only external auth is asynchronous.

import type { AccessStep } from '../../../model/access.ts';
import type { PeerSocket } from '../../tls/peer-certificate.ts';

export interface PolicyRequest {
  readonly method: string;
  readonly scheme: 'http' | 'https';
  /** Host as received (may carry :port), or null. */
  readonly host: string | null;
  /** The request target as received in origin form: nginx $request_uri. */
  readonly uri: string;
  /** The request's raw header list [name, value, …]. */
  readonly raw: readonly string[];
  /** The client address (src/dataplane/http/client-address.ts). */
  readonly clientIp: string;
  /** The TLS connection the request came on (client certificate), null over plain HTTP. */
  readonly tls?: PeerSocket | null;
  /** Run `fn` once when the exchange is over (response closed or upgraded socket closed). */
  onClose(fn: () => void): void;
}

export interface Denial {
  readonly status: number;
  /** Lower-case names; an array value is sent as several fields (Set-Cookie). */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: string;
  /** Access-log error code (never a credential). */
  readonly code: string;
}

export interface SyncPolicy {
  readonly step: AccessStep;
  check(r: PolicyRequest): Denial | null;
}

/** Result of an asynchronous policy: a denial, or headers to set on the upstream request. */
export type AsyncVerdict =
  | { readonly denial: Denial }
  /** `set`: upstream request headers ('' removes); `cookies`: Set-Cookie values for the client response. */
  | { readonly set: readonly (readonly [string, string])[]; readonly cookies?: readonly string[] };

/** A synchronous policy's "allowed, with these upstream request headers" ('' removes). */
export interface Allow {
  readonly set: readonly (readonly [string, string])[];
}

export function denial(status: number, code: string, body: string, headers: Record<string, string | readonly string[]> = {}): Denial {
  return { status, code, body, headers };
}

/** The first value of a header among rawHeaders (names compared case-insensitively), or undefined. */
export function rawHeader(raw: readonly string[], lower: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i];
    if (n.length === lower.length && n.toLowerCase() === lower) return raw[i + 1];
  }
  return undefined;
}
