// Structural equality of the model's plain data (Snapshot, VirtualHost, Route…), for deciding at
// apply time whether a compiled part can be kept. Same answer as node:util isDeepStrictEqual for
// what the model holds (plain objects, arrays, primitives): every own enumerable key counts, so a
// field added to the model can never be skipped. Anything that is not plain data (a RegExp, Map,
// class instance, function) is handed to isDeepStrictEqual itself. The plain walk avoids what makes
// the general algorithm slow on tens of thousands of small objects per apply — symbol keys,
// prototype, property-descriptor and cycle bookkeeping (docs/benchmarks/http.md).

import { isDeepStrictEqual } from 'node:util';

const OBJECT = Object.prototype;

export function plainEqual(a: unknown, b: unknown): boolean {
  // Primitives compare with Object.is, as in isDeepStrictEqual (NaN equals NaN, +0 is not -0).
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Object.is(a, b);
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length || Object.getPrototypeOf(a) !== Array.prototype ||
      Object.getPrototypeOf(b) !== Array.prototype) return isDeepStrictEqual(a, b);
    for (let i = 0; i < a.length; i++) if (!plainEqual(a[i], b[i])) return false;
    return Object.keys(a).length === Object.keys(b).length || isDeepStrictEqual(a, b);
  }
  const pa = Object.getPrototypeOf(a) as unknown;
  const pb = Object.getPrototypeOf(b) as unknown;
  if ((pa !== OBJECT && pa !== null) || pa !== pb || Array.isArray(b)) return isDeepStrictEqual(a, b);
  if (Object.getOwnPropertySymbols(a).length !== 0 || Object.getOwnPropertySymbols(b).length !== 0) return isDeepStrictEqual(a, b);
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k of ka) {
    if (!Object.hasOwn(rb, k) || !plainEqual(ra[k], rb[k])) return false;
  }
  return true;
}
