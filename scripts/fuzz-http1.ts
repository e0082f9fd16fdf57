// npm run fuzz:http1 [-- --seed N] [--cases N] [--seconds S] [--save]
// Long differential fuzz run of the lean HTTP/1.1 parsers against llhttp (test/fuzz/http1/).
// Prints the seed range and stats; with --save every finding becomes a fixture in
// test/fixtures/http1-fuzz/ (replayed first by npm test). Exit code 1 when there are findings.
import { parseArgs } from 'node:util';
import { saveFixture } from '../test/fuzz/http1/fixtures.ts';
import { fuzz } from '../test/fuzz/http1/run.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: String(Date.now() % 1e9) },
    cases: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '60' },
    save: { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
const t0 = Date.now();
const stats = fuzz(seed, Number(values.cases), t0 + Number(values.seconds) * 1000);
const secs = (Date.now() - t0) / 1000;
console.log(`seeds ${seed}..${seed + stats.cases - 1}: ${stats.cases} cases in ${secs.toFixed(1)} s, ${stats.same} same`);
for (const [why, n] of Object.entries(stats.allowed)) console.log(`  allowed ${n}: ${why}`);
for (const f of stats.findings) {
  console.log(`FINDING seed ${f.seed} ${f.fuzzCase.kind}: ${JSON.stringify(f.verdict)}`);
  console.log(`  input ${JSON.stringify(f.fuzzCase.input)}`);
  if (values.save) console.log(`  saved ${saveFixture(f.fuzzCase, f.seed, JSON.stringify(f.verdict))}`);
}
process.exitCode = stats.findings.length > 0 ? 1 : 0;
