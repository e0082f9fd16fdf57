// What `portico convert` did not carry over, from the per-Ingress annotation report of translate
// (src/translate/annotations.ts): an annotation Portico does not honour is not in the Snapshot, so
// the conversion cannot carry it either, and says so rather than let it vanish (README "Moving to
// Gateway API: portico convert").

import type { AnnotationReport } from '../translate/annotations.ts';

/** Statuses that asked for behaviour nobody serves once converted. */
const LOST = new Set(['unsupported', 'refused', 'unknown', 'invalid']);
/** Accepted without effect in Portico already (no-op, obsolete) or superseded by another key. */
const NOTED = new Set(['no-op', 'obsolete', 'overridden']);

export function annotationLosses(reports: readonly AnnotationReport[]): { skipped: string[]; dropped: string[]; notes: string[] } {
  const skipped: string[] = [];
  const dropped: string[] = [];
  const notes: string[] = [];
  for (const rep of [...reports].sort((a, b) => (a.ingress < b.ingress ? -1 : a.ingress > b.ingress ? 1 : 0))) {
    if (!rep.served) {
      const why = rep.rows.filter((r) => r.status === 'refused').map((r) => r.annotation);
      skipped.push(`${rep.ingress}: not served by Portico${why.length > 0 ? ` (refused: ${why.join(', ')})` : ''}; nothing converted`);
      continue;
    }
    for (const row of rep.rows) {
      const line = `${rep.ingress}: ${row.annotation} (${row.status}: ${row.message})`;
      if (LOST.has(row.status)) dropped.push(line);
      else if (NOTED.has(row.status)) notes.push(line);
    }
  }
  return { skipped, dropped, notes };
}

/** The YAML comment at the top of the output. */
export function header(skipped: readonly string[], dropped: readonly string[], notes: readonly string[]): string {
  const block = (title: string, lines: readonly string[]) => (lines.length === 0 ? '' : `# ${title}\n${lines.map((x) => `#   ${x.replace(/\n/g, ' ')}`).join('\n')}\n`);
  return block('Not converted (left out; keep these Ingresses or rework them):', skipped)
    + block('Converted without (no Gateway API equivalent):', dropped)
    + block('Notes:', notes);
}
