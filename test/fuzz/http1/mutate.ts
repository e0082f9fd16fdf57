// The mutator: takes a valid stream and breaks it the ways request smuggling and framing attacks
// do — byte flips, inserted CR / LF / NUL / SP / HTAB and obs-fold (RFC 9112 §5.2), bare LF for
// CRLF (§2.2), duplicated or conflicting Content-Length / Transfer-Encoding (§6.1, §6.3),
// overlong chunk sizes and lengths, truncation — and re-draws the execute() split points.
import type { FuzzCase } from './frames.ts';
import { randomSplits } from './generate.ts';
import type { Rng } from './rng.ts';

const INSERTS = ['\r', '\n', '\0', ' ', '\t', '\r\n ', '\r\n\t', '\r\n', '\x7f', ':', '"', ';', '\\'];
const HEADER_LINES = [
  'Content-Length: 0', 'Content-Length: 5', 'Content-Length: 00005', 'Content-Length: 5, 5', 'Content-Length: -1',
  'Content-Length: 18446744073709551617', 'Content-Length: +5', 'Content-Length:', 'Transfer-Encoding: chunked',
  'Transfer-Encoding: gzip, chunked', 'Transfer-Encoding: chunked, gzip', 'Transfer-Encoding: identity',
  'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked', 'Transfer-Encoding : chunked', 'Transfer-Encoding:\tchunked',
  ' Transfer-Encoding: chunked', 'Connection: close', 'Connection: upgrade\r\nUpgrade: websocket',
  'Expect: 100-continue', 'Host: a\r\nHost: b', 'X: a\r\n b', 'Content-Length\0: 3', 'Transfer-Encoding: xchunked',
];
const NUMBERS = ['ffffffffffffffffff', '10000000000000000', '99999999999999999999', '-1', '0x10', '1 1', ' 5', '5 '];

function at(rng: Rng, s: string): number {
  return rng.int(0, s.length);
}

/** Offsets just after each LF that ends a line in the first head (where a field line may go). */
function lineStarts(s: string): number[] {
  const out: number[] = [];
  const end = s.indexOf('\r\n\r\n');
  for (let i = s.indexOf('\n'); i !== -1 && (end === -1 || i <= end + 1); i = s.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

function mutateOnce(rng: Rng, s: string): string {
  switch (rng.int(0, 8)) {
    case 0: { // flip one bit of one byte
      if (s === '') return s;
      const i = rng.int(0, s.length - 1);
      return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (1 << rng.int(0, 7))) + s.slice(i + 1);
    }
    case 1: { // insert a control or delimiter byte
      const i = at(rng, s);
      return s.slice(0, i) + rng.pick(INSERTS) + s.slice(i);
    }
    case 2: { // delete a short range
      const i = at(rng, s);
      return s.slice(0, i) + s.slice(i + rng.int(1, 3));
    }
    case 3: { // add a framing field line (duplicate / conflicting CL and TE, folds, …)
      const starts = lineStarts(s);
      if (starts.length === 0) return s;
      const i = rng.pick(starts);
      return s.slice(0, i) + rng.pick(HEADER_LINES) + '\r\n' + s.slice(i);
    }
    case 4: { // an overlong or malformed number where a length or chunk size was
      const m = [...s.matchAll(/(?<=Content-Length: *)\d+|(?<=\r\n)[0-9a-fA-F]+(?=[;\r])/gi)];
      if (m.length === 0) return s;
      const hit = rng.pick(m);
      return s.slice(0, hit.index) + rng.pick(NUMBERS) + s.slice(hit.index + hit[0].length);
    }
    case 5: { // one CRLF becomes a bare LF or a bare CR
      const m = [...s.matchAll(/\r\n/g)];
      if (m.length === 0) return s;
      const hit = rng.pick(m);
      return s.slice(0, hit.index) + (rng.chance(0.7) ? '\n' : '\r') + s.slice(hit.index + 2);
    }
    case 6: // truncate
      return s.slice(0, at(rng, s));
    case 7: { // duplicate a whole line
      const starts = lineStarts(s);
      if (starts.length < 2) return s;
      const k = rng.int(0, starts.length - 2);
      const line = s.slice(starts[k], starts[k + 1]);
      return s.slice(0, starts[k + 1]) + line + s.slice(starts[k + 1]);
    }
    default: { // a random byte anywhere
      const i = at(rng, s);
      return s.slice(0, i) + String.fromCharCode(rng.int(0, 255)) + s.slice(i);
    }
  }
}

/** 1-3 mutations of the case's input, new split points; methods and eof are kept. */
export function mutate(rng: Rng, c: FuzzCase): FuzzCase {
  let input = c.input;
  for (let n = rng.int(1, 3); n > 0; n--) input = mutateOnce(rng, input);
  return { ...c, input, splits: randomSplits(rng, input.length) };
}
