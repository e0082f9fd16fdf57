// The dependency-direction lint (ARCHITECTURE.md rules 1-5) must catch what it claims to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const script = resolve(import.meta.dirname, '../../scripts/lint-deps.ts');

async function lint(files: Record<string, string>): Promise<{ code: number; out: string }> {
  const root = await mkdtemp(join(tmpdir(), 'portico-lint-'));
  try {
    for (const [p, text] of Object.entries(files)) {
      await mkdir(join(root, p, '..'), { recursive: true });
      await writeFile(join(root, p), text);
    }
    try {
      const r = await promisify(execFile)(process.execPath, [script], { env: { ...process.env, PORTICO_LINT_ROOT: root } });
      return { code: 0, out: r.stdout + r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: e.stdout + e.stderr };
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('a clean tree passes', async () => {
  const r = await lint({ 'src/model/a.ts': 'export const a = 1;\n', 'src/dataplane/b.ts': "import { a } from '../model/a.ts';\nexport const b = a;\n" });
  assert.equal(r.code, 0, r.out);
});

test('each rule is enforced', async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ 'src/model/a.ts': "import { x } from '../util/x.ts';\n", 'src/util/x.ts': 'export const x = 1;\n' }, /rule 1/],
    [{ 'src/dataplane/a.ts': "import { t } from '../translate/t.ts';\n", 'src/translate/t.ts': 'export const t = 1;\n' }, /rule 2/],
    [{ 'src/translate/a.ts': "import net from 'node:net';\n" }, /rule 3/],
    [{ 'src/dataplane/a.ts': "import { KubeConfig } from '@kubernetes/client-node';\n" }, /rule 4/],
    [{ 'src/controller/a.ts': "import Fastify from 'fastify';\n" }, /rule 4/],
    [{ 'src/translate/a.ts': "import FindMyWay from 'find-my-way';\n" }, /rule 4/],
  ];
  for (const [files, want] of cases) {
    const r = await lint(files);
    assert.equal(r.code, 1, `${Object.keys(files).join(',')}: ${r.out}`);
    assert.match(r.out, want);
  }
});
