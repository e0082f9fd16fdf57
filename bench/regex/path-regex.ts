// Cost of regex path rules on re2js (dataplane/http/path-regex.ts): matching (`test`) and capture
// extraction per pattern and path length, including pathological patterns. Prints a Markdown
// table for docs/benchmarks/regex.md. Run: node_modules/.bin/node bench/regex/path-regex.ts
import { PathRegex, CAPTURE_BUDGET } from '../../src/dataplane/http/path-regex.ts';

const PATTERNS = ['/something(/|$)(.*)', '/api/v[0-9]+/users/([^/]+)', '/(a+)+$x', '/(.*a){20}', '/(.*){1,100}b', '/((a|aa)*)*(b|bb)*c'];
const LENGTHS = [64, 1024, 8000];

function best(fn: () => void, n: number): number {
  let b = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) fn();
    b = Math.min(b, (performance.now() - t) / n);
  }
  return b;
}

const rows = ['| pattern | path length | test (ms) | captures (ms) |', '|---|---|---|---|'];
for (const p of PATTERNS) {
  const re = new PathRegex(p);
  for (const len of LENGTHS) {
    const path = '/' + 'a'.repeat(len - 1);
    const n = len > 1000 ? 5 : 200;
    const t = best(() => re.test(path), n);
    const c = path.length > re.captureLimit ? null : best(() => re.captures(path), n);
    rows.push(`| \`${p}\` | ${len} | ${t.toFixed(3)} | ${c === null ? `414 (over ${re.captureLimit} chars)` : c.toFixed(3)} |`);
  }
}
process.stdout.write(`capture budget ${CAPTURE_BUDGET} (program size × path length)\n${rows.join('\n')}\n`);
