// /debug/snapshot without credentials: htpasswd hashes of basic-auth policies are replaced by
// their scheme (ARCHITECTURE.md "Conventions": credentials never reach debug endpoints).
import type { Route, VirtualHost } from '../model/route.ts';

function redactRoute(r: Route): Route {
  const b = r.access?.basicAuth;
  if (!r.access || !b) return r;
  const users = b.users.map((u) => ({ user: u.user, hash: `${u.hash.startsWith('{') ? u.hash.slice(0, u.hash.indexOf('}') + 1) : u.hash.slice(0, u.hash.indexOf('$', 1) + 1) || 'crypt'}(redacted)` }));
  return { ...r, access: { ...r.access, basicAuth: { ...b, users } } };
}

export function redactHosts(hosts: readonly VirtualHost[]): VirtualHost[] {
  return hosts.map((h) => ({ ...h, routes: h.routes.map(redactRoute), fallback: h.fallback === null ? null : redactRoute(h.fallback) }));
}

export function redactDefault(r: Route | null): Route | null {
  return r === null ? null : redactRoute(r);
}
