// Differential fuzz of the lean HTTP/1.1 parsers against llhttp (strict): the saved fixtures
// first, then a bounded run of fixed seeds. `npm run fuzz:http1` runs long (scripts/fuzz-http1.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { allowed } from './allow-list.ts';
import { compareFramings } from './compare.ts';
import { engineFraming } from './engine.ts';
import { loadFixtures, saveFixture } from './fixtures.ts';
import { caseOf, check, fuzz } from './run.ts';
import { llhttpFraming } from './llhttp.ts';

test('every regression fixture frames the same in the engine and llhttp (or differs as allowed)', () => {
  const fixtures = loadFixtures();
  assert.ok(fixtures.length > 0);
  for (const f of fixtures) assert.equal(check(f.fuzzCase), null, f.name);
});

test('valid generated streams are accepted whole by llhttp itself (the generator is valid)', () => {
  for (let seed = 1; seed <= 400; seed++) {
    if (seed % 4 >= 2) continue; // mutated seeds
    const c = caseOf(seed);
    const l = llhttpFraming(c);
    assert.equal(l.error, null, `seed ${seed}`);
    assert.ok(l.messages.length > 0 && l.messages.every((m) => m.complete || m.upgrade), `seed ${seed}`);
  }
});

test('the mutator breaks streams: llhttp refuses a good share of mutated cases', () => {
  let refused = 0;
  for (let seed = 2; seed <= 802; seed += 4) if (llhttpFraming(caseOf(seed)).error !== null) refused++;
  assert.ok(refused > 60, `${refused} of 200 refused`);
});

test('the comparison sees a framing difference and a refusal difference', () => {
  const c = { kind: 'request' as const, input: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc', splits: [] };
  const e = engineFraming(c);
  assert.deepEqual(compareFramings(e, llhttpFraming(c)), { kind: 'same' });
  const shorter = { ...e, messages: [{ ...e.messages[0], body: 'abd' }] };
  assert.equal(compareFramings(shorter, llhttpFraming(c)).kind, 'mismatch');
  assert.equal(allowed(c, compareFramings(shorter, llhttpFraming(c)), shorter, llhttpFraming(c)), null);
  const refused = { messages: [], error: 'bad_header_value' };
  assert.equal(compareFramings(refused, llhttpFraming(c)).kind, 'stricter');
  assert.equal(compareFramings(llhttpFraming(c), refused).kind, 'laxer');
  // A 1xx then the final response: the engine reports it as interim, llhttp as a message; both normalise alike.
  const r = { kind: 'response' as const, input: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n', splits: [10], methods: ['GET'] };
  assert.deepEqual(compareFramings(engineFraming(r), llhttpFraming(r)), { kind: 'same' });
});

test('fixtures are saved and loaded as JSON', () => {
  const dir = mkdtempSync(join(tmpdir(), 'http1-fuzz-'));
  try {
    saveFixture(caseOf(7), 7, 'round trip', dir);
    assert.deepEqual(readdirSync(dir), ['request-7.json']);
    const [f] = loadFixtures(dir);
    assert.equal(f.fuzzCase.input, caseOf(7).input);
    assert.deepEqual(loadFixtures(join(dir, 'missing')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bounded fuzz run over fixed seeds: no finding (a failure saves its input as a fixture)', () => {
  const stats = fuzz(1, 3000, Date.now() + 4000);
  for (const f of stats.findings) saveFixture(f.fuzzCase, f.seed, JSON.stringify(f.verdict));
  assert.ok(stats.cases >= 300, `only ${stats.cases} cases`);
  assert.ok(stats.same > stats.cases / 2, JSON.stringify(stats.allowed));
  assert.deepEqual(stats.findings.map((f) => ({ seed: f.seed, verdict: f.verdict })), []);
});
