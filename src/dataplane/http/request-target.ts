// Host and path as matched (SPEC §1.3, §1.5 [choices]).

import { normalizeHostName } from '../../model/host.ts';
/**
 * Host header → match key: lower-case, ':port' stripped (IPv6 literal '[::1]:80' → '[::1]'), one
 * trailing '.' stripped. Null when there is no host (HTTP/1.0 without Host): such a request only
 * matches the hostless bucket / default route.
 */
export function normalizeHost(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  let h = raw;
  if (h.charCodeAt(0) === 91 /* '[' */) {
    const end = h.indexOf(']');
    if (end !== -1) h = h.slice(0, end + 1);
  } else {
    const colon = h.indexOf(':');
    if (colon !== -1) h = h.slice(0, colon);
  }
  h = normalizeHostName(h);
  return h === '' ? null : h;
}

/** How an encoded '/' or '\\' (%2F, %5C) in a path is treated (`--escaped-slashes`). */
export type EscapedSlashes = 'keep' | 'reject' | 'unescape';

/** Split of a raw request target into what routing and forwarding need. */
export interface RequestTarget {
  /** Authority of an absolute-form target ('http://h:1/p' → 'h:1'), else null. */
  authority: string | null;
  /** Normalised path (normalizePath), query and fragment stripped: what rules match. */
  path: string;
  /** Origin-form target forwarded upstream: the normalised path + '?' + query as received. */
  forward: string;
  /** Why the target is refused (→ 400), or null. */
  error: string | null;
}

/**
 * RFC 9112 §3.2: origin-form '/p?q' is the common case (no allocation beyond the path slice);
 * absolute-form 'http://h/p?q' (proxies, some clients) carries the authority, which then replaces
 * Host (RFC 9112 §3.2.2); asterisk-form '*' (OPTIONS) is kept as is (request-screen.ts answers it).
 * A '#fragment' is never part of a request target (RFC 9112 §3.2); one sent anyway is dropped.
 */
export function parseTarget(url: string, escapedSlashes: EscapedSlashes = 'keep'): RequestTarget {
  let authority: string | null = null;
  let forward = url;
  if (url.charCodeAt(0) !== 47 /* '/' */ && url !== '*') {
    const scheme = url.indexOf('://');
    if (scheme !== -1) {
      const start = scheme + 3;
      let end = start;
      while (end < url.length) {
        const c = url.charCodeAt(end);
        if (c === 47 || c === 63 || c === 35) break; // '/', '?', '#'
        end++;
      }
      authority = url.slice(start, end);
      const at = authority.lastIndexOf('@');
      if (at !== -1) authority = authority.slice(at + 1);
      forward = url.slice(end);
      if (forward === '' || forward.charCodeAt(0) !== 47) forward = '/' + forward;
    }
  }
  const hash = forward.indexOf('#');
  if (hash !== -1) forward = forward.slice(0, hash);
  if (forward === '*') return { authority, path: '*', forward, error: null };
  const q = forward.indexOf('?');
  const rawPath = q === -1 ? forward : forward.slice(0, q);
  const path = normalizePath(rawPath, escapedSlashes);
  if (typeof path !== 'string') return { authority, path: rawPath, forward, error: path.error };
  if (path !== rawPath) forward = q === -1 ? path : path + forward.slice(q);
  return { authority, path, forward, error: null };
}

/**
 * The path rules match and Portico forwards (SPEC §1.3; the way nginx normalises before its
 * location match):
 * 1. percent-encoded unreserved characters are decoded, and other escapes get upper-case hex
 *    (RFC 3986 §6.2.2.1–2); an invalid escape is refused;
 * 2. %2F and %5C stay encoded ('keep', so they never act as a separator), are refused ('reject'),
 *    or are decoded ('unescape', they then separate segments);
 * 3. dot segments are removed (RFC 3986 §5.2.4), after step 1, so '%2e%2e' is '..'; a '..' that
 *    would climb above '/' is refused (nginx: 400) instead of being dropped silently.
 * A path that does not start with '/' is refused (origin-form, RFC 9112 §3.2.1).
 * The common path (no '%', no '/.') is returned as is, without allocating.
 */
export function normalizePath(raw: string, escapedSlashes: EscapedSlashes = 'keep'): string | { error: string } {
  if (raw.charCodeAt(0) !== 47) return { error: 'request target is not an absolute path' };
  let p = raw;
  if (p.indexOf('%') !== -1) {
    const d = decodeUnreserved(p, escapedSlashes);
    if (d === null) return { error: escapedSlashes === 'reject' && /%(2f|5c)/i.test(p) ? 'encoded slash in path' : 'invalid percent-encoding in path' };
    p = d;
  }
  if (p.indexOf('/.') === -1) return p;
  return removeDotSegments(p) ?? { error: 'path climbs above the root' };
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

function isUnreserved(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 95 || c === 126;
}

const HEX = '0123456789ABCDEF';

/** Step 1 and 2 of normalizePath; null when an escape is invalid or refused. */
function decodeUnreserved(p: string, escapedSlashes: EscapedSlashes): string | null {
  let out = '';
  let from = 0;
  for (let i = p.indexOf('%'); i !== -1; i = p.indexOf('%', i + 1)) {
    const hi = i + 2 < p.length ? hexValue(p.charCodeAt(i + 1)) : -1;
    const lo = hi === -1 ? -1 : hexValue(p.charCodeAt(i + 2));
    if (lo === -1) return null;
    const byte = hi * 16 + lo;
    let rep: string;
    if (isUnreserved(byte)) rep = String.fromCharCode(byte);
    else if (byte === 0x2f || byte === 0x5c) {
      if (escapedSlashes === 'reject') return null;
      rep = escapedSlashes === 'unescape' ? String.fromCharCode(byte === 0x5c ? 0x2f : byte) : '%' + HEX[hi] + HEX[lo];
    } else {
      rep = '%' + HEX[hi] + HEX[lo];
    }
    out += p.slice(from, i) + rep;
    from = i + 3;
    i += 2;
  }
  return out + p.slice(from);
}

/** RFC 3986 §5.2.4 on an absolute path; null when '..' would go above the root. */
function removeDotSegments(p: string): string | null {
  const segs = p.split('/');
  const out: string[] = [];
  const last = segs.length - 1;
  for (let i = 1; i <= last; i++) {
    const s = segs[i];
    if (s === '.') {
      if (i === last) out.push('');
    } else if (s === '..') {
      if (out.length === 0) return null;
      out.pop();
      if (i === last) out.push('');
    } else {
      out.push(s);
    }
  }
  return '/' + out.join('/');
}
