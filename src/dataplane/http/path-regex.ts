// Regex path rules (use-regex / rewrite-target; ingress-nginx `location ~* "^<path>"`) on a
// linear-time engine: re2js, the pure-JavaScript port of RE2. Why re2js and not the native `re2`
// package: `re2` installs by downloading a prebuilt binary or, failing that, building with
// node-gyp (which downloads Node headers), and a fresh `npm ci` must download nothing but
// registry packages; re2js is plain JavaScript with RE2's guarantees (no backtracking, no
// backreferences or lookaround).
//
// Cost bounds (measured with re2js 2.10 on this machine, see docs/benchmarks/regex.md):
// - matching (`test`, no captures) stayed under 0.2 ms for every pathological pattern tried
//   against an 8 KiB path;
// - extracting captures ($1..$9 for rewrite-target) runs RE2's NFA with capture slots, whose cost
//   grows with program size × input length; within CAPTURE_BUDGET it stayed near 1 ms, beyond it
//   a crafted pattern took 100 ms and more. A request whose captures would exceed the budget is
//   answered 414 instead of stalling the event loop.

import { RE2JS } from 're2js';

/** Program size × path length allowed for capture extraction. */
export const CAPTURE_BUDGET = 65_536;

const NEVER = RE2JS.compile('[^\\x00-\\x{10FFFF}]');

export class PathRegex {
  readonly pattern: string;
  private readonly re: RE2JS;
  /** Longest path whose captures fit CAPTURE_BUDGET. */
  readonly captureLimit: number;

  /** `caseInsensitive`: nginx `~*` locations (the default); false for ngx.re.match uses. */
  constructor(pattern: string, caseInsensitive = true) {
    this.pattern = pattern;
    let re: RE2JS;
    try {
      // `^(?:…)`: nginx prepends `^` to the path; the group keeps an alternation anchored too.
      re = RE2JS.compile(`^(?:${pattern})`, caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
    } catch {
      // translate validated the pattern; an engine difference must not throw on the apply path.
      re = NEVER;
    }
    this.re = re;
    this.captureLimit = Math.floor(CAPTURE_BUDGET / Math.max(1, re.programSize()));
  }

  test(path: string): boolean {
    return this.re.test(path);
  }

  /** Captures $0..$9 of `path` ('' for groups that did not take part), or null when over budget / no match. */
  captures(path: string): string[] | null {
    if (path.length > this.captureLimit) return null;
    const m = this.re.exec(path);
    if (m === null) return null;
    const out: string[] = [];
    for (let i = 0; i < 10; i++) {
      const g: unknown = m[i];
      out.push(typeof g === 'string' ? g : '');
    }
    return out;
  }
}
