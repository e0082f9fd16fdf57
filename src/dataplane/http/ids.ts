// Random ids for request ids, trace ids and span ids, cut from a pooled buffer of random bytes
// (one randomFillSync per 256 ids instead of one crypto call per request): lower-case hex, the
// form W3C Trace Context uses (https://www.w3.org/TR/trace-context/#trace-id).

import { randomFillSync } from 'node:crypto';

const POOL = Buffer.allocUnsafe(4096);
let offset = POOL.length;

function take(bytes: number): number {
  if (offset + bytes > POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const at = offset;
  offset += bytes;
  return at;
}

/** 16 random bytes as 32 hex digits (never all zero: the spec forbids an all-zero trace id). */
export function randomId128(): string {
  const at = take(16);
  const s = POOL.toString('hex', at, at + 16);
  return s === '00000000000000000000000000000000' ? randomId128() : s;
}

/** 8 random bytes as 16 hex digits (a span id). */
export function randomId64(): string {
  const at = take(8);
  const s = POOL.toString('hex', at, at + 8);
  return s === '0000000000000000' ? randomId64() : s;
}

// Request ids need to be unique, not unpredictable: a random per-process prefix and a counter,
// 32 hex digits like ingress-nginx's $req_id, at a fraction of the cost of fresh random bytes.
const PREFIX = randomId64();
let counter = 0;

export function requestId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  const c = counter.toString(16);
  return PREFIX + '0000000000000000'.slice(c.length) + c;
}
