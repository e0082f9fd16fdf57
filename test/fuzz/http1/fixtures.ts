// Regression fixtures: each failing input is saved as test/fixtures/http1-fuzz/<kind>-<seed>.json
// and replayed before any generated case.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FuzzCase } from './frames.ts';

export const FIXTURE_DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'http1-fuzz');

export function loadFixtures(dir = FIXTURE_DIR): { name: string; fuzzCase: FuzzCase }[] {
  let names: string[];
  try { names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort(); } catch { return []; }
  return names.map((name) => ({ name, fuzzCase: JSON.parse(readFileSync(join(dir, name), 'utf8')) as FuzzCase }));
}

export function saveFixture(c: FuzzCase, seed: number, note: string, dir = FIXTURE_DIR): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${c.kind}-${seed}.json`);
  writeFileSync(file, JSON.stringify({ ...c, seed, note }, null, 1) + '\n');
  return file;
}
