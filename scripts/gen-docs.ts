// Regenerates the README sections that mirror a table in code, between marker comments:
//   <!-- generated:NAME begin (npm run docs) --> … <!-- generated:NAME end -->
// `npm run docs` rewrites README.md; test/scripts/gen-docs.test.ts fails when README has drifted.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { markdownOf } from '../src/config/flag-table.ts';
import { FLAG_TABLE } from '../src/config/flags.ts';
import { REASONS } from '../src/model/diagnostic-reasons.ts';
import { metricsMarkdown } from './metrics-catalog.ts';
import { annotationsMarkdown } from '../src/k8s/annotations/docs.ts';

/** Section name → its generated Markdown. */
export const SECTIONS: Readonly<Record<string, () => string>> = {
  flags: () => markdownOf(FLAG_TABLE),
  diagnostics: diagnosticsMarkdown,
  metrics: metricsMarkdown,
  annotations: annotationsMarkdown,
};

function diagnosticsMarkdown(): string {
  const rows = Object.entries(REASONS).map(([reason, r]) => `| \`${reason}\` | ${r.topic} | ${r.severity} | ${r.meaning.replaceAll('|', '\\|')} |`);
  return ['| reason | about | severity | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

export const README = resolve(import.meta.dirname, '..', 'README.md');

/** README text with every generated section replaced by what the code says now. */
export function renderReadme(text: string): string {
  let out = text;
  for (const [name, render] of Object.entries(SECTIONS)) {
    const begin = `<!-- generated:${name} begin (npm run docs) -->`;
    const end = `<!-- generated:${name} end -->`;
    const i = out.indexOf(begin);
    const j = out.indexOf(end);
    if (i < 0 || j < i) throw new Error(`README.md: markers for the generated "${name}" section are missing`);
    out = `${out.slice(0, i + begin.length)}\n${render()}\n${out.slice(j)}`;
  }
  return out;
}

if (import.meta.main) {
  const before = readFileSync(README, 'utf8');
  const after = renderReadme(before);
  if (after !== before) writeFileSync(README, after);
  process.stdout.write(after === before ? 'README.md is up to date\n' : 'README.md regenerated\n');
}
