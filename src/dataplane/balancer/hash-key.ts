// `upstream-hash-by` compiled at apply time: the typed parts (model/balancing.ts HashPart) become
// one function from the request to its key. Reads only what the parts name: rawHeaders are
// scanned for the one header or cookie asked for, nothing else is built per request.

import type { HashPart } from '../../model/balancing.ts';

/** What a hash key can be made of: the request as the HTTP dataplane holds it. */
export interface HashInput {
  readonly clientIp: string;
  /** Request target as sent (`$request_uri`). */
  readonly url: string;
  /** Normalised path (`$uri`). */
  readonly path: string;
  readonly host: string | null;
  readonly rawHeaders: readonly string[];
}

export type HashKeyFn = (input: HashInput) => string;

export function compileHashKey(parts: readonly HashPart[]): HashKeyFn {
  const fns = parts.map(partFn);
  if (fns.length === 1) return fns[0];
  return (input) => {
    let key = '';
    for (let i = 0; i < fns.length; i++) key += fns[i](input);
    return key;
  };
}

function partFn(p: HashPart): HashKeyFn {
  switch (p.kind) {
    case 'client-address': return (i) => i.clientIp;
    case 'request-uri': return (i) => i.url;
    case 'uri': return (i) => i.path;
    case 'host': return (i) => i.host ?? '';
    case 'header': {
      const name = p.name;
      return (i) => headerValue(i.rawHeaders, name);
    }
    case 'cookie': {
      const name = p.name;
      return (i) => cookieValue(i.rawHeaders, name);
    }
    case 'arg': {
      const name = p.name;
      return (i) => argValue(i.url, name);
    }
    default: {
      const text = p.text;
      return () => text;
    }
  }
}

/** All values of header `name` (lower case) joined by ", " (RFC 9110 §5.3), '' when absent. */
export function headerValue(raw: readonly string[], name: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i];
    if (n.length === name.length && n.toLowerCase() === name) out = out === '' ? raw[i + 1] : `${out}, ${raw[i + 1]}`;
  }
  return out;
}

/**
 * Value of cookie `name` from the Cookie header(s) (RFC 6265 §5.4: `name=value` pairs joined by
 * "; "; HTTP/2 may split them over several fields, RFC 9113 §8.2.3). First match wins; '' when
 * absent.
 */
export function cookieValue(raw: readonly string[], name: string): string {
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i];
    if (n.length !== 6 || n.toLowerCase() !== 'cookie') continue;
    const v = raw[i + 1];
    let at = 0;
    while (at < v.length) {
      let end = v.indexOf(';', at);
      if (end < 0) end = v.length;
      let s = at;
      while (s < end && v.charCodeAt(s) === 32) s++;
      if (v.startsWith(name, s) && v.charCodeAt(s + name.length) === 61 /* = */) {
        let e = end;
        while (e > s && v.charCodeAt(e - 1) === 32) e--;
        return v.slice(s + name.length + 1, e);
      }
      at = end + 1;
    }
  }
  return '';
}

/** Value of query parameter `name` (raw, not decoded), '' when absent. */
export function argValue(url: string, name: string): string {
  const q = url.indexOf('?');
  if (q < 0) return '';
  const query = url.slice(q + 1);
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if ((eq < 0 ? pair : pair.slice(0, eq)) === name) return eq < 0 ? '' : pair.slice(eq + 1);
  }
  return '';
}
