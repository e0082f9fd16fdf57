// htpasswd content of a basic-auth Secret → entries (nginx ngx_http_auth_basic_module "The
// following password types are supported": crypt(), apr1 MD5, {PLAIN}, {SHA}, {SSHA}; Apache's
// htpasswd adds bcrypt). Only the shapes the dataplane can verify are accepted; any other line
// rejects the Secret (an unverifiable line would lock a user out, or worse be guessed at).
// Messages name the line number and user, never a hash.

import type { HtpasswdEntry } from '../model/access.ts';

export type HashKind = 'bcrypt' | 'apr1' | 'sha' | 'ssha' | 'plain' | 'crypt';

/** The scheme of a stored hash, or null when Portico cannot verify it. */
export function hashKind(hash: string): HashKind | null {
  if (/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(hash)) return 'bcrypt';
  if (/^\$apr1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}$/.test(hash)) return 'apr1';
  if (/^\{SHA\}[A-Za-z0-9+/]{27}=$/.test(hash)) return 'sha';
  if (/^\{SSHA\}[A-Za-z0-9+/]{28,}={0,2}$/.test(hash)) return 'ssha';
  if (hash.startsWith('{PLAIN}')) return 'plain';
  if (/^[./A-Za-z0-9]{13}$/.test(hash)) return 'crypt';
  return null;
}

/** auth-file: `user:hash` lines; blank lines and `#` comments skipped. */
export function parseHtpasswd(text: string): { value: HtpasswdEntry[] } | { error: string } {
  const entries: HtpasswdEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: `line ${i + 1} is not user:hash` };
    const e = entry(line.slice(0, colon), line.slice(colon + 1));
    if ('error' in e) return { error: `line ${i + 1}: ${e.error}` };
    entries.push(e.value);
  }
  return finish(entries);
}

/** auth-map: one Secret key per user, the value its hash. */
export function parseAuthMap(map: ReadonlyMap<string, string>): { value: HtpasswdEntry[] } | { error: string } {
  const entries: HtpasswdEntry[] = [];
  for (const [user, hash] of map) {
    const e = entry(user, hash.trim());
    if ('error' in e) return e;
    entries.push(e.value);
  }
  return finish(entries);
}

function entry(user: string, hash: string): { value: HtpasswdEntry } | { error: string } {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
  if (/[\x00-\x1f\x7f:]/.test(user) || user === '') return { error: 'user name is empty or has control characters' };
  // Apache htpasswd may append `:comment` fields; nginx reads up to the next ':'.
  const h = hash.split(':')[0];
  if (hashKind(h) === null) return { error: `user ${JSON.stringify(user)}: unsupported password hash (use bcrypt, apr1, {SHA}, {SSHA}, {PLAIN} or crypt)` };
  return { value: { user, hash: h } };
}

function finish(entries: HtpasswdEntry[]): { value: HtpasswdEntry[] } | { error: string } {
  if (entries.length === 0) return { error: 'no users' };
  // nginx reads the file top down and stops at the first line of the user: the first one wins.
  const seen = new Set<string>();
  const out = entries.filter((e) => (seen.has(e.user) ? false : (seen.add(e.user), true)));
  return { value: out.sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0)) };
}
