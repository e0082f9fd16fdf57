// Golden translation cases: test/translate/golden/<case>/input.yaml (+ optional options.json with
// TranslateOptions overrides) → expected.json. The expected files are assertions reviewed against
// SPEC, not recordings: `UPDATE_GOLDEN=1` rewrites them, and every rewrite must be re-read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Store } from '../../src/store/store.ts';
import { isKind, type KubeObject } from '../../src/k8s/types.ts';
import { defaultTranslateOptions, translate } from '../../src/translate/index.ts';
import { translateEndpoints } from '../../src/translate/endpoints.ts';

const ROOT = join(import.meta.dirname, 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function load(text: string): Store {
  const store = new Store();
  for (const doc of parseAllDocuments(text)) {
    const obj = doc.toJS() as KubeObject | null;
    if (!obj) continue;
    if (!isKind(obj.kind)) throw new Error(`golden input: unsupported kind ${obj.kind}`);
    store.upsert(obj.kind, obj);
  }
  return store;
}

function run(dir: string): unknown {
  const store = load(readFileSync(join(dir, 'input.yaml'), 'utf8'));
  const optFile = join(dir, 'options.json');
  const options = { ...defaultTranslateOptions(), ...(existsSync(optFile) ? JSON.parse(readFileSync(optFile, 'utf8')) : {}) };
  const result = translate(store, options);
  const endpoints = Object.fromEntries(translateEndpoints(store, result.snapshot.clusters));
  // Key material stays out of the expected files; the certificate id and names are what matter here.
  const snapshot = { ...result.snapshot, certificates: result.snapshot.certificates.map((c) => ({ id: c.id, names: c.names })) };
  return { served: result.served, diagnostics: result.diagnostics, snapshot, endpoints };
}

for (const name of readdirSync(ROOT).sort()) {
  const dir = join(ROOT, name);
  if (!existsSync(join(dir, 'input.yaml'))) continue;
  test(`golden ${name}`, () => {
    const actual = JSON.stringify(run(dir), null, 2) + '\n';
    // Determinism: a second translation of a fresh store gives the same bytes.
    assert.equal(JSON.stringify(run(dir), null, 2) + '\n', actual);
    const file = join(dir, 'expected.json');
    if (UPDATE || !existsSync(file)) {
      writeFileSync(file, actual);
      if (!UPDATE) assert.fail(`${file} did not exist; written, review it against SPEC`);
      return;
    }
    assert.equal(actual, readFileSync(file, 'utf8'));
  });
}
