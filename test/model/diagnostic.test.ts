import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { diagnostic } from '../../src/model/diagnostic.ts';
import { isDiagnosticReason, REASONS } from '../../src/model/diagnostic-reasons.ts';

const src = resolve(import.meta.dirname, '../../src');
const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => {
  const p = join(dir, n);
  return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
});

test('a diagnostic takes its severity from the reason table unless the caller says otherwise', () => {
  const ref = { kind: 'Ingress', namespace: 'default', name: 'x' };
  assert.equal(diagnostic(ref, 'InvalidPath', 'm').severity, 'error');
  assert.equal(diagnostic(ref, 'RouteConflict', 'm').severity, 'warning');
  assert.equal(diagnostic(ref, 'ServiceNotFound', 'm', 'error').severity, 'error');
  assert.deepEqual(diagnostic(ref, 'InvalidManifest', 'm', undefined, 'f.yaml#0'), { object: ref, severity: 'error', reason: 'InvalidManifest', message: 'm', origin: 'f.yaml#0' });
  assert.equal(isDiagnosticReason('TLSKeyMismatch'), true);
  assert.equal(isDiagnosticReason('toString'), false);
});

test('every reason in the table is one a module reports, and each has a one-line meaning', () => {
  const text = walk(src).filter((f) => !f.endsWith('diagnostic-reasons.ts')).map((f) => readFileSync(f, 'utf8')).join('\n');
  for (const [reason, spec] of Object.entries(REASONS)) {
    assert.ok(text.includes(`'${reason}'`), `${reason} is declared but nothing in src/ reports it: remove it from the table`);
    assert.match(reason, /^[A-Z][A-Za-z0-9]+$/);
    assert.ok(spec.meaning.length > 10 && !spec.meaning.includes('\n'), reason);
  }
});
