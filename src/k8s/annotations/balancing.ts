// Balancing keys (session affinity, consistent hashing, balancing policy): not implemented yet,
// ignored with a warning.

import { catalogue, type AnnotationEntry } from './registry.ts';

const u = (key: string, help: string, more: Parameters<typeof catalogue>[4] = {}) =>
  catalogue('balancing', key, 'unsupported', help, more);

export const BALANCING: readonly AnnotationEntry<never>[] = [
  u('affinity', 'session affinity type', { grammar: 'cookie' }),
  u('affinity-mode', 'stickiness of sessions', { grammar: 'balanced | persistent' }),
  u('affinity-canary-behavior', 'affinity with canaries', { grammar: 'sticky | legacy' }),
  u('session-cookie-name', 'affinity cookie name'),
  u('session-cookie-path', 'affinity cookie Path'),
  u('session-cookie-domain', 'affinity cookie Domain'),
  u('session-cookie-samesite', 'affinity cookie SameSite', { grammar: 'None | Lax | Strict' }),
  u('session-cookie-conditional-samesite-none', 'omit SameSite=None for old browsers', { grammar: 'bool' }),
  u('session-cookie-secure', 'affinity cookie Secure', { grammar: 'bool' }),
  u('session-cookie-max-age', 'affinity cookie Max-Age', { grammar: 'int' }),
  u('session-cookie-expires', 'affinity cookie Expires', { grammar: 'int' }),
  u('session-cookie-change-on-failure', 'new cookie when the endpoint failed', { grammar: 'bool' }),
  u('upstream-hash-by', 'consistent hashing key', { grammar: 'nginx variables' }),
  u('upstream-hash-by-subset', 'hash to a subset of endpoints', { grammar: 'bool' }),
  u('upstream-hash-by-subset-size', 'endpoints per subset', { grammar: 'int' }),
  u('load-balance', 'balancing algorithm', { grammar: 'round_robin | ewma' }),
];
