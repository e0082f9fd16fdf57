// Host names, one way everywhere: how a name is normalised and how a host finds its entry. The
// router (Host header), the SNI table (servername) and translate (rule and tls hosts) all use these,
// so a request, its handshake and its certificate report can never disagree (SPEC §1.5, §7).

/** Lower-case, one trailing dot removed. Allocates only when the name has an upper-case letter. */
export function normalizeHostName(name: string): string {
  const h = name.charCodeAt(name.length - 1) === 46 /* . */ ? name.slice(0, -1) : name;
  return hasUpper(h) ? h.toLowerCase() : h;
}

function hasUpper(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

/**
 * The entry for a normalised name: the exact name, else `*.` + the name minus its first label
 * (one label only: `*.foo.com` covers `bar.foo.com`, not `foo.com` nor `a.bar.foo.com`). Wildcard
 * keys are stored as written, `*.foo.com`. Hot path: at most two Map gets and one slice.
 */
export function lookupHost<T>(exact: ReadonlyMap<string, T>, wildcard: ReadonlyMap<string, T>, name: string): T | undefined {
  const e = exact.get(name);
  if (e !== undefined) return e;
  if (wildcard.size === 0) return undefined;
  const dot = name.indexOf('.');
  return dot > 0 ? wildcard.get('*' + name.slice(dot)) : undefined;
}
