import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { README, renderReadme, SECTIONS } from '../../scripts/gen-docs.ts';

test('README sections generated from code tables are up to date (run `npm run docs` when this fails)', () => {
  const text = readFileSync(README, 'utf8');
  for (const name of Object.keys(SECTIONS)) assert.ok(text.includes(`<!-- generated:${name} begin`), `README has the ${name} markers`);
  const fresh = renderReadme(text);
  // Compare line by line so a failure names the drifted line instead of printing the whole README.
  const a = text.split('\n');
  const b = fresh.split('\n');
  const i = a.findIndex((line, k) => line !== b[k]);
  assert.equal(i < 0 && a.length === b.length, true, `README.md line ${i + 1}: ${JSON.stringify(a[i])}, the table says ${JSON.stringify(b[i])}`);
});

test('renderReadme replaces only what is between the markers, and refuses a README without them', () => {
  const text = readFileSync(README, 'utf8');
  const stale = text.replace('| `--http-port PORT` | 8080 |', '| `--http-port PORT` | 1234 |');
  assert.notEqual(stale, text);
  assert.equal(renderReadme(stale), text);
  assert.throws(() => renderReadme('# no markers\n'), /markers/);
});

test('every portico_* metric name in src/ is in the metrics catalog (a module that defines metrics is listed there)', async () => {
  const { readdirSync, statSync } = await import('node:fs');
  const { join, resolve } = await import('node:path');
  const { metricsCatalog } = await import('../../scripts/metrics-catalog.ts');
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
  const names = new Set<string>();
  for (const f of walk(resolve(import.meta.dirname, '../../src'))) for (const m of readFileSync(f, 'utf8').matchAll(/'(portico_[a-z0-9_]+)'/g)) names.add(m[1]);
  const listed = new Set(metricsCatalog().map((d) => d.name));
  assert.deepEqual([...names].filter((n) => !listed.has(n)).sort(), []);
});
