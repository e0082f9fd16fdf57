import type { SniTable } from '../dataplane/tls/sni-table.ts';
import type { Snapshot } from '../model/snapshot.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import { REASONS } from '../model/diagnostic-reasons.ts';

export interface CertificateRow {
  readonly host: string;
  /** How the SNI lookup for this host ends (SPEC §7): exact name, wildcard name, or the default. */
  readonly served: 'exact' | 'wildcard' | 'default';
  /** `namespace/name` of the Secret, or null for the generated default certificate. */
  readonly secret: string | null;
  readonly names: readonly string[];
  readonly notAfter: string;
  readonly problems: readonly string[];
}

/**
 * For every host, which certificate a handshake with that SNI gets and why (SPEC §7):
 * `portico certs` and `/debug/certificates`. Names and dates only — never key material. A host's
 * problems are the TLS diagnostics that name it in `host` (never found by reading messages).
 */
export function certificatesView(snapshot: Snapshot, table: SniTable, diagnostics: readonly Diagnostic[]): CertificateRow[] {
  const byId = new Map(snapshot.certificates.map((c) => [c.id, c] as const));
  const tlsDiags = diagnostics.filter((d) => REASONS[d.reason].topic === 'tls');
  const rows: CertificateRow[] = [];
  for (const vh of snapshot.virtualHosts) {
    if (vh.kind === 'any') continue; // no certificate can cover "every host" (SPEC §1.9)
    const r = table.resolve(vh.hostname);
    const cert = r.certificateId ? byId.get(r.certificateId) : undefined;
    const problems = tlsDiags.filter((d) => d.host === vh.hostname).map((d) => `${d.reason}: ${d.message}`);
    rows.push({
      host: vh.hostname,
      served: r.match,
      secret: r.certificateId,
      names: cert ? cert.names : r.certificateId === null ? ['Portico Default Certificate'] : [],
      notAfter: r.notAfter,
      problems,
    });
  }
  return rows;
}

export function formatCertificateRows(rows: readonly CertificateRow[]): string {
  if (rows.length === 0) return 'no hosts\n';
  const lines = rows.map((r) => {
    const head = `${r.host}  ${r.served}  ${r.secret ?? '(generated default)'}  names=${r.names.join(',') || '-'}  notAfter=${r.notAfter}`;
    return r.problems.length ? `${head}\n${r.problems.map((p) => `    ! ${p}`).join('\n')}` : head;
  });
  return lines.join('\n') + '\n';
}
