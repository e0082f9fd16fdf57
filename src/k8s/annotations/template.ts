// The closed set of nginx variables Portico expands itself in auth URLs, cache keys and
// proxy-set-header values (README "External authentication"). Text is never handed to anything
// that interprets it again: a value becomes a list of literal text and known variables, and any
// other `$name` rejects the annotation (the ingress-nginx CVE-2021-25742/CVE-2025-1974 lesson).

import type { Template, TemplatePart } from '../../model/access.ts';
import type { Parsed } from './cidr.ts';

const NAMED = new Set(['scheme', 'host', 'request_uri', 'escaped_request_uri']);
const HEADER_NAME = /^[a-z0-9_]+$/;

/**
 * `$name` / `${name}` → variables; `$http_<h>` reads request header h (underscores for dashes,
 * as nginx); `$arg_<n>` reads query argument n. `$$` is not an escape in nginx; a `$` not followed
 * by a name is literal text.
 */
export function parseTemplate(raw: string): Parsed<Template> {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw[i];
    if (c !== '$') {
      text += c;
      i++;
      continue;
    }
    let name: string;
    let end: number;
    if (raw[i + 1] === '{') {
      const close = raw.indexOf('}', i + 2);
      if (close === -1) return { error: `unterminated \${ at offset ${i}` };
      name = raw.slice(i + 2, close);
      end = close + 1;
    } else {
      const m = /^[A-Za-z0-9_]+/.exec(raw.slice(i + 1));
      if (m === null) {
        text += c;
        i++;
        continue;
      }
      name = m[0];
      end = i + 1 + name.length;
    }
    const part = variable(name);
    if (part === null) {
      return { error: `variable $${name} is not supported (only $scheme, $host, $request_uri, $escaped_request_uri, $http_<header>, $arg_<name>)` };
    }
    if (text !== '') parts.push({ kind: 'text', text });
    text = '';
    parts.push(part);
    i = end;
  }
  if (text !== '') parts.push({ kind: 'text', text });
  return { value: parts };
}

function variable(name: string): TemplatePart | null {
  if (NAMED.has(name)) return { kind: name as 'scheme' };
  if (name.startsWith('http_') && name.length > 5) {
    const h = name.slice(5).toLowerCase();
    return HEADER_NAME.test(h) ? { kind: 'http', name: h.replaceAll('_', '-') } : null;
  }
  if (name.startsWith('arg_') && name.length > 4) return { kind: 'arg', name: name.slice(4) };
  return null;
}
