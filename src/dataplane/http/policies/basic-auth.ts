// HTTP Basic authentication (RFC 7617; ingress-nginx auth-type basic = nginx auth_basic with the
// Secret's htpasswd): a request without valid credentials gets 401 with
// `WWW-Authenticate: Basic realm="…"` (RFC 9110 §11.6.1). Hashes are verified with libraries
// (bcryptjs, apache-md5, apache-crypt) or node:crypto digests, compared in constant time.
// bcrypt is slow on purpose (≈50-100 ms at cost 10), so bcrypt runs asynchronously and a
// successful check is remembered in a bounded LRU keyed by a SHA-256 of the stored hash and the
// Authorization value — the hot path is one digest and one map lookup, never bcrypt per request.

import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import apacheMd5 from 'apache-md5';
import apacheCrypt from 'apache-crypt';
import type { BasicAuthPolicy, HtpasswdEntry } from '../../../model/access.ts';
import type { Lru } from './lru.ts';
import { denial, rawHeader, type AsyncVerdict, type Denial, type PolicyRequest } from './policy.ts';

/** Verified credentials, shared by every route (survives reloads; a changed hash is a new key). */
export type VerifiedCache = Lru<true>;

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  // timingSafeEqual needs equal lengths; comparing x with itself keeps the time independent of b.
  return x.length === y.length ? timingSafeEqual(x, y) : (timingSafeEqual(x, x), false);
}

/** Synchronous schemes; null for bcrypt (asynchronous). */
function verifySync(password: string, hash: string): boolean | null {
  if (hash.startsWith('$2')) return null;
  if (hash.startsWith('$apr1$')) return sameText(apacheMd5(password, hash), hash);
  if (hash.startsWith('{SHA}')) return sameText(`{SHA}${createHash('sha1').update(password, 'utf8').digest('base64')}`, hash);
  if (hash.startsWith('{SSHA}')) {
    const raw = Buffer.from(hash.slice(6), 'base64');
    if (raw.length <= 20) return false;
    const digest = createHash('sha1').update(password, 'utf8').update(raw.subarray(20)).digest();
    return timingSafeEqual(digest, raw.subarray(0, 20));
  }
  if (hash.startsWith('{PLAIN}')) return sameText(`{PLAIN}${password}`, hash);
  return sameText(apacheCrypt(password, hash.slice(0, 2)), hash);
}

/** RFC 7617 §2: `Basic base64(user-id ":" password)`; the scheme is case-insensitive. */
export function parseBasicCredentials(value: string | undefined): { user: string; password: string } | null {
  if (value === undefined) return null;
  const m = /^basic[ \t]+([A-Za-z0-9+/]+=*)[ \t]*$/i.exec(value);
  if (m === null) return null;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

export class BasicAuthCheck {
  readonly step = 'basic-auth' as const;
  private readonly users: Map<string, HtpasswdEntry>;
  private readonly challenge: Denial;
  /** A bcrypt hash checked for unknown users, so that their answer takes as long (no user probing). */
  private readonly decoy: string | null;
  private readonly cache: VerifiedCache;

  constructor(p: BasicAuthPolicy, cache: VerifiedCache) {
    this.users = new Map(p.users.map((u) => [u.user, u]));
    this.challenge = denial(401, 'AUTH_REQUIRED', 'authentication required\n', { 'www-authenticate': `Basic realm="${p.realm}"` });
    this.decoy = p.users.find((u) => u.hash.startsWith('$2'))?.hash ?? null;
    this.cache = cache;
  }

  check(r: PolicyRequest): Denial | null | Promise<AsyncVerdict> {
    const auth = rawHeader(r.raw, 'authorization');
    const cred = parseBasicCredentials(auth);
    if (cred === null) return this.challenge;
    const entry = this.users.get(cred.user);
    if (entry === undefined) {
      if (this.decoy === null) return this.challenge;
      return bcrypt.compare(cred.password, this.decoy).then(() => ({ denial: this.challenge }), () => ({ denial: this.challenge }));
    }
    const key = createHash('sha256').update(entry.hash).update('\0').update(auth as string).digest('base64');
    if (this.cache.get(key) === true) return null;
    const ok = verifySync(cred.password, entry.hash);
    if (ok === true) {
      this.cache.set(key, true);
      return null;
    }
    if (ok === false) return this.challenge;
    return bcrypt.compare(cred.password, entry.hash).then((good): AsyncVerdict => {
      if (!good) return { denial: this.challenge };
      this.cache.set(key, true);
      return { set: [] };
    }, (): AsyncVerdict => ({ denial: this.challenge }));
  }
}
