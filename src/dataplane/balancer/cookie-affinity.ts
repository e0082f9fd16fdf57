// `affinity: cookie` on the HTTP side (ingress-nginx rootfs/etc/nginx/lua/balancer/sticky.lua):
// which cookie to read, and the Set-Cookie to answer with. The attributes are fixed at apply
// time; only Expires (a date) and Secure/SameSite (scheme, User-Agent) are decided per response.

import { randomBytes } from 'node:crypto';
import type { CookieAffinity } from '../../model/balancing.ts';

/** Issued values: persistent tokens and balanced session keys are both 32 hex digits. */
const VALUE_RE = /^[0-9a-f]{32}$/;

export class StickyCookie {
  readonly cfg: CookieAffinity;
  readonly name: string;
  /** `; Path=…; Domain=…; Max-Age=…; HttpOnly`, built once. */
  private readonly attrs: string;
  /**
   * Appended to every value issued here and required on every value accepted: '' on a route's
   * own backend, the canary side's tag on its canary backend (canary-affinity.ts), so a cookie
   * says which side of the split issued it, as ingress-nginx's `value|backend_key` does.
   */
  readonly tag: string;

  constructor(cfg: CookieAffinity, matchedPath: string, tag = '') {
    this.cfg = cfg;
    this.name = cfg.name;
    this.tag = tag;
    // ingress-nginx: the cookie path defaults to the location (the matched Ingress path).
    let a = `; Path=${cfg.path ?? matchedPath}`;
    if (cfg.domain !== null) a += `; Domain=${cfg.domain}`;
    if (cfg.maxAgeSeconds !== null) a += `; Max-Age=${cfg.maxAgeSeconds}`;
    // sticky.lua sets httponly = true on every affinity cookie.
    this.attrs = a + '; HttpOnly';
  }

  /** A value Portico could have issued, or '' (absent, tampered, foreign): then a new pick. */
  accept(value: string): string {
    const t = this.tag;
    if (t === '') return VALUE_RE.test(value) ? value : '';
    if (value.length !== 32 + t.length || !value.endsWith(t)) return '';
    const v = value.slice(0, 32);
    return VALUE_RE.test(v) ? v : '';
  }

  /** A fresh balanced-mode session key. */
  newKey(): string {
    return randomBytes(16).toString('hex');
  }

  /**
   * The Set-Cookie value for `value`. Secure when asked or when the request came over HTTPS
   * (sticky.lua: `secure = ngx.var.https == "on"`); SameSite=None left out for the user agents
   * that mishandle it when `conditional-samesite-none` is on.
   */
  header(value: string, https: boolean, userAgent: string, nowMs: number): string {
    const c = this.cfg;
    let s = `${this.name}=${value}${this.tag}${this.attrs}`;
    if (c.expiresSeconds !== null) s += `; Expires=${new Date(nowMs + c.expiresSeconds * 1000).toUTCString()}`;
    if (c.secure || https) s += '; Secure';
    if (c.sameSite !== null && !(c.sameSite === 'None' && c.conditionalSameSiteNone && !sameSiteNoneCompatible(userAgent))) {
      s += `; SameSite=${c.sameSite}`;
    }
    return s;
  }
}

/**
 * User agents that reject or misread `SameSite=None` (the Chromium project's list,
 * https://www.chromium.org/updates/same-site/incompatible-clients, which ingress-nginx's
 * same-site check follows): Chrome 51-66, iOS 12 and Safari on macOS 10.14, and UC Browser.
 * Substring tests only — linear in the header, no backtracking regex on client input.
 */
export function sameSiteNoneCompatible(ua: string): boolean {
  const c = ua.indexOf('Chrome/');
  if (c >= 0) {
    const major = parseInt(ua.slice(c + 7, c + 10), 10);
    if (major >= 51 && major <= 66) return false;
  }
  if (ua.includes('CPU iPhone OS 12') || ua.includes('iPad; CPU OS 12')) return false;
  if (ua.includes('Macintosh') && ua.includes('Mac OS X 10_14') && ua.includes('Safari') && !ua.includes('Chrom')) return false;
  if (ua.includes('UCBrowser/')) return false;
  return true;
}
