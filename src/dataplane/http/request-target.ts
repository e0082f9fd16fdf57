// Host and path as matched (SPEC §1.3, §1.5 [choices]).

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
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h === '') return null;
  return hasUpper(h) ? h.toLowerCase() : h;
}

function hasUpper(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

/** Split of a raw request target into what routing and forwarding need. */
export interface RequestTarget {
  /** Authority of an absolute-form target ('http://h:1/p' → 'h:1'), else null. */
  authority: string | null;
  /** Raw path, query stripped, no decoding: what rules match. */
  path: string;
  /** Origin-form target forwarded upstream (path + '?' + query as received). */
  forward: string;
}

/**
 * RFC 9112 §3.2: origin-form '/p?q' is the common case (no allocation beyond the path slice);
 * absolute-form 'http://h/p?q' (proxies, some clients) carries the authority, which then replaces
 * Host (RFC 9112 §3.2.2); asterisk-form '*' (OPTIONS) is kept as is.
 */
export function parseTarget(url: string): RequestTarget {
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
  const q = forward.indexOf('?');
  const path = q === -1 ? forward : forward.slice(0, q);
  return { authority, path, forward };
}
