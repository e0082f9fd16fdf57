// Compares the engine's framing of a stream with llhttp's (both normalised by frames.ts).
//   same      — identical messages, and both accepted or both refused;
//   mismatch  — a message both parsers delivered differs (start line, fields, body, trailers):
//               the engine accepted and framed differently; always a failure;
//   stricter  — the engine refused (or did not deliver) what llhttp accepted;
//   laxer     — the engine delivered what llhttp refused.
// stricter/laxer are decided against RFC 9112 by allow-list.ts; anything not on it is a finding.
// After a message that ends the connection (no keep-alive, RFC 9112 §9.6; or an upgrade, RFC
// 9110 §7.8) nothing more is compared: the server stops reading there.
import type { Framing, MessageFrame } from './frames.ts';

export type Verdict =
  | { kind: 'same' }
  | { kind: 'mismatch' | 'stricter' | 'laxer'; index: number; detail: string };

function lastIndex(f: Framing): number {
  const i = f.messages.findIndex((m) => m.upgrade || (m.complete && !m.keepAlive && !m.interim));
  return i === -1 ? Infinity : i;
}

function cut(f: Framing, i: number): Framing {
  return i === Infinity || i >= f.messages.length ? f : { messages: f.messages.slice(0, i + 1), error: null };
}

function headOf(m: MessageFrame): string {
  // keepAlive is not compared: it is derived from the fields (compared) and llhttp computes it
  // for a response before knowing the request it answers; it only decides where comparison ends.
  return JSON.stringify([m.interim, m.method, m.target, m.statusCode, m.reason, m.versionMinor, m.headers, m.upgrade]);
}

export function compareFramings(engine: Framing, llhttp: Framing): Verdict {
  // Where either side ends the connection (llhttp decides a response's persistence before it
  // knows the request was HEAD; the engine lets `close` win over `keep-alive`, RFC 9112 §9.6).
  const end = Math.min(lastIndex(engine), lastIndex(llhttp));
  const e = cut(engine, end);
  const l = cut(llhttp, end);
  const n = Math.max(e.messages.length, l.messages.length);
  for (let i = 0; i < n; i++) {
    const em = e.messages[i];
    const lm = l.messages[i];
    if (em === undefined) return l.messages.length > 0 && e.error === null && l.error === null && !lm.complete
      ? { kind: 'stricter', index: i, detail: 'llhttp delivered a head the engine did not (yet)' }
      : { kind: 'stricter', index: i, detail: `engine ${e.error ?? 'stopped'} before message ${i}` };
    if (lm === undefined) return { kind: 'laxer', index: i, detail: `llhttp ${l.error ?? 'stopped'} before message ${i}` };
    if (headOf(em) !== headOf(lm)) return { kind: 'mismatch', index: i, detail: `head ${headOf(em)} vs ${headOf(lm)}` };
    // After an upgrade head the bytes belong to the new protocol (README: upgrades are handed to
    // node:http with their bytes); only the head is compared.
    if (em.upgrade) return { kind: 'same' };
    if (em.complete && lm.complete) {
      if (em.body !== lm.body) return { kind: 'mismatch', index: i, detail: 'body differs' };
      if (JSON.stringify(em.trailers) !== JSON.stringify(lm.trailers)) return { kind: 'mismatch', index: i, detail: 'trailers differ' };
      continue;
    }
    // One or both stopped inside this body: what each delivered must agree as far as it goes.
    const short = em.body.length <= lm.body.length ? em.body : lm.body;
    if (!(em.body.length <= lm.body.length ? lm.body : em.body).startsWith(short)) return { kind: 'mismatch', index: i, detail: 'body bytes differ' };
    if (em.complete !== lm.complete) return em.complete
      ? { kind: 'laxer', index: i, detail: `engine completed message ${i}; llhttp ${l.error ?? 'waits'}` }
      : { kind: 'stricter', index: i, detail: `engine ${e.error ?? 'waits'} in message ${i}; llhttp completed it` };
  }
  if ((e.error === null) === (l.error === null)) return { kind: 'same' };
  return e.error !== null
    ? { kind: 'stricter', index: n, detail: `engine ${e.error}; llhttp accepted` }
    : { kind: 'laxer', index: n, detail: `llhttp ${l.error}; engine accepted` };
}
