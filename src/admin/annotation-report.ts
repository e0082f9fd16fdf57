// The annotation migration report (`portico validate`, `portico explain`): per Ingress, every
// nginx.ingress.kubernetes.io/* and portico.io/* annotation with what Portico does with it, and
// for refused snippets the typed keys that cover their directives.

import type { AnnotationReport } from '../translate/annotations.ts';

const ORDER = ['refused', 'invalid', 'unsupported', 'unknown', 'obsolete', 'overridden', 'no-op', 'honoured'];

/** Counts per status over all reports, in ORDER. */
export function reportSummary(reports: readonly AnnotationReport[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of ORDER) out[s] = 0;
  for (const r of reports) for (const row of r.rows) out[row.status] = (out[row.status] ?? 0) + 1;
  return out;
}

/** Plain-text tables, one per Ingress that has annotations under our prefixes. */
export function formatAnnotationReports(reports: readonly AnnotationReport[]): string {
  const withRows = reports.filter((r) => r.rows.length > 0);
  if (withRows.length === 0) return '';
  const lines: string[] = ['', 'Annotations (migration report):'];
  for (const r of withRows) {
    const unenforced = r.served && r.rows.some((x) => x.status === 'refused');
    lines.push(`  Ingress ${r.ingress}${r.served ? (unenforced ? '  [SERVED WITHOUT ENFORCING ITS REFUSED KEYS]' : '') : '  [NOT SERVED]'}`);
    const width = Math.max(...r.rows.map((x) => x.annotation.length));
    const rows = [...r.rows].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || (a.annotation < b.annotation ? -1 : 1));
    for (const row of rows) {
      lines.push(`    ${row.status.padEnd(11)} ${row.annotation.padEnd(width)}  ${row.message}`);
      for (const s of row.suggestions) lines.push(`    ${''.padEnd(11)} ${''.padEnd(width)}  suggestion: ${s}`);
    }
  }
  const sum = reportSummary(withRows);
  lines.push(`  ${ORDER.filter((s) => sum[s] > 0).map((s) => `${sum[s]} ${s}`).join(', ')}`);
  return lines.join('\n') + '\n';
}
