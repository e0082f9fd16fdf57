// `kubectl kustomize` renders deploy/ and every overlay (Debian kubernetes-client; .ci/run installs it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

const DEPLOY = path.resolve(import.meta.dirname, '../../deploy');

function kubectl(): string | null {
  for (const p of ['/usr/bin/kubectl', '/usr/local/bin/kubectl']) if (existsSync(p)) return p;
  return null;
}

/** Every directory under deploy/ with a kustomization.yaml. */
function overlays(dir = DEPLOY): string[] {
  const out = existsSync(path.join(dir, 'kustomization.yaml')) ? [dir] : [];
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) out.push(...overlays(path.join(dir, e.name)));
  return out;
}

const bin = kubectl();

test('kubectl kustomize renders every kustomization under deploy/', { skip: bin ? false : 'kubectl not installed (Debian kubernetes-client; .ci/run installs it)' }, () => {
  const dirs = overlays();
  assert.ok(dirs.length >= 4, dirs.join(', '));
  for (const dir of dirs) {
    const out = execFileSync(bin!, ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const docs = parseAllDocuments(out).map((d) => d.toJS());
    assert.ok(docs.length > 0, `${path.relative(DEPLOY, dir) || '.'} renders objects`);
    for (const d of docs) assert.ok(d.kind && d.metadata?.name, `${dir}: ${JSON.stringify(d).slice(0, 80)}`);
  }
});
