// One fuzz run: generate (and mutate) cases from consecutive seeds, frame each with the engine and
// llhttp, and collect the findings — differences allow-list.ts does not allow.
import { allowed } from './allow-list.ts';
import { compareFramings, type Verdict } from './compare.ts';
import { engineFraming } from './engine.ts';
import type { FuzzCase } from './frames.ts';
import { requestStream, responseStream } from './generate.ts';
import { llhttpFraming } from './llhttp.ts';
import { mutate } from './mutate.ts';
import { Rng } from './rng.ts';

export interface Finding { seed: number; fuzzCase: FuzzCase; verdict: Verdict }
export interface RunStats { cases: number; same: number; allowed: Record<string, number>; findings: Finding[] }

/** The case of one seed: odd seeds requests, even responses; seeds ≡ 2,3 (mod 4) mutated. */
export function caseOf(seed: number): FuzzCase {
  const rng = new Rng(seed);
  const c = seed % 2 === 1 ? requestStream(rng) : responseStream(rng);
  return seed % 4 >= 2 ? mutate(rng, c) : c;
}

/** Compares one case; null when it agrees or differs as allowed, else the verdict. */
export function check(c: FuzzCase, stats?: RunStats): Verdict | null {
  const e = engineFraming(c);
  const l = llhttpFraming(c);
  const v = compareFramings(e, l);
  const why = allowed(c, v, e, l);
  if (stats !== undefined) {
    stats.cases++;
    if (why === 'same') stats.same++;
    else if (why !== null) stats.allowed[why] = (stats.allowed[why] ?? 0) + 1;
  }
  return why === null ? v : null;
}

/** Seeds from `seed` on until `cases` are done or `deadline` (ms since epoch) passes. */
export function fuzz(seed: number, cases: number, deadline = Infinity): RunStats {
  const stats: RunStats = { cases: 0, same: 0, allowed: {}, findings: [] };
  for (let s = seed; s < seed + cases && Date.now() < deadline; s++) {
    const c = caseOf(s);
    const v = check(c, stats);
    if (v !== null) stats.findings.push({ seed: s, fuzzCase: c, verdict: v });
  }
  return stats;
}
