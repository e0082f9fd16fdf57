// The SNI table: built once per Snapshot, one Map get per handshake (issue #3 items 2, 5, 10;
// SPEC §7). Secure contexts are created once per certificate and reused across snapshots while
// the PEM texts do not change, so a reload with 10,000 certificates re-parses only what moved.

import { createHash } from 'node:crypto';
import { constants as cryptoConstants } from 'node:crypto';
import tls from 'node:tls';
import type { SecureContext } from 'node:tls';
import type { Certificate } from '../../model/certificate.ts';
import type { Snapshot } from '../../model/snapshot.ts';
import type { PemPair } from './default-certificate.ts';

export type SniMatch = 'exact' | 'wildcard' | 'default';

export interface SniEntry {
  readonly context: SecureContext;
  /** `ns/name` of the Secret, or null for the generated default certificate. */
  readonly certificateId: string | null;
  readonly notAfter: string;
}

/** The default entry also keeps its PEM texts: a server needs them for clients without SNI. */
export interface DefaultSniEntry extends SniEntry {
  readonly pem: PemPair;
  readonly hash: string;
}

export interface SniResolution {
  readonly match: SniMatch;
  /** The table key that matched: the host, `*.rest`, or '' for the default. */
  readonly key: string;
  readonly certificateId: string | null;
  readonly notAfter: string;
}

export class SniTable {
  readonly snapshotVersion: number;
  readonly exact: ReadonlyMap<string, SniEntry>;
  readonly wildcard: ReadonlyMap<string, SniEntry>;
  readonly fallback: DefaultSniEntry;
  /** Certificate ids OpenSSL refused (their hosts get the default certificate). */
  readonly failed: readonly string[];

  constructor(snapshotVersion: number, exact: ReadonlyMap<string, SniEntry>, wildcard: ReadonlyMap<string, SniEntry>,
    fallback: DefaultSniEntry, failed: readonly string[] = []) {
    this.snapshotVersion = snapshotVersion;
    this.failed = failed;
    this.exact = exact;
    this.wildcard = wildcard;
    this.fallback = fallback;
  }

  /** The context for an SNI name (hot path, called from SNICallback). */
  lookup(servername: string): SecureContext {
    return this.entry(servername).context;
  }

  /** Which entry serves a name and why (for `portico certs`, /debug/certificates, tests). */
  resolve(servername: string | undefined): SniResolution {
    if (!servername) return { match: 'default', key: '', certificateId: this.fallback.certificateId, notAfter: this.fallback.notAfter };
    const name = normalise(servername);
    let e = this.exact.get(name);
    if (e) return { match: 'exact', key: name, certificateId: e.certificateId, notAfter: e.notAfter };
    const dot = name.indexOf('.');
    if (dot > 0) {
      const key = '*' + name.slice(dot);
      e = this.wildcard.get(key);
      if (e) return { match: 'wildcard', key, certificateId: e.certificateId, notAfter: e.notAfter };
    }
    return { match: 'default', key: '', certificateId: this.fallback.certificateId, notAfter: this.fallback.notAfter };
  }

  private entry(servername: string): SniEntry {
    // SPEC §7: lower-case, strip one trailing dot; exact; then `*.` + the name minus its first
    // label (one label only); else the default.
    const name = normalise(servername);
    const e = this.exact.get(name);
    if (e !== undefined) return e;
    const dot = name.indexOf('.');
    if (dot > 0) {
      const w = this.wildcard.get('*' + name.slice(dot));
      if (w !== undefined) return w;
    }
    return this.fallback;
  }

  get size(): number {
    return this.exact.size + this.wildcard.size;
  }
}

function normalise(servername: string): string {
  const l = servername.toLowerCase();
  return l.charCodeAt(l.length - 1) === 46 /* . */ ? l.slice(0, -1) : l;
}

export interface SniTableBuilderOptions {
  /** Served when SNI finds nothing and the snapshot names no default certificate. */
  generatedDefault: PemPair;
  /** TLS session tickets on (default) or off (every handshake is a full one, e.g. benchmarks). */
  sessionResumption?: boolean;
}

/**
 * Builds SniTables and owns the secure-context cache. Only contexts used by the latest table are
 * kept, so a removed certificate is released with the table that last used it.
 */
export class SniTableBuilder {
  private readonly generated: PemPair;
  readonly secureOptions: number;
  private cache = new Map<string, SecureContext>();

  constructor(opts: SniTableBuilderOptions) {
    this.generated = opts.generatedDefault;
    this.secureOptions = opts.sessionResumption === false ? cryptoConstants.SSL_OP_NO_TICKET : 0;
  }

  build(snapshot: Snapshot): SniTable {
    const next = new Map<string, SecureContext>();
    const byId = new Map<string, Certificate>();
    for (const c of snapshot.certificates) byId.set(c.id, c);
    const entries = new Map<string, SniEntry>();
    const failed: string[] = [];
    const entryFor = (c: Certificate): SniEntry | null => {
      let e = entries.get(c.id);
      if (e) return e;
      try {
        e = { context: this.context(c.certPem, c.keyPem, next).context, certificateId: c.id, notAfter: c.notAfter };
      } catch {
        // Translate validated the pair with node:crypto; OpenSSL refusing it anyway (e.g. a key
        // type this build lacks) sends its hosts to the default certificate instead of failing
        // the whole snapshot.
        failed.push(c.id);
        return null;
      }
      entries.set(c.id, e);
      return e;
    };

    const exact = new Map<string, SniEntry>();
    const wildcard = new Map<string, SniEntry>();
    for (const vh of snapshot.virtualHosts) {
      if (vh.certificateId === null || vh.kind === 'any') continue;
      const c = byId.get(vh.certificateId);
      if (!c) continue; // translate only references certificates it emits; be defensive anyway
      const e = entryFor(c);
      if (e) (vh.kind === 'wildcard' ? wildcard : exact).set(vh.hostname, e);
    }

    let d = snapshot.defaultCertificateId === null ? undefined : byId.get(snapshot.defaultCertificateId);
    if (d && !entryFor(d)) d = undefined;
    const pem: PemPair = d ? { certPem: d.certPem, keyPem: d.keyPem, notAfter: d.notAfter } : this.generated;
    const { context, hash } = this.context(pem.certPem, pem.keyPem, next);
    const fallback: DefaultSniEntry = { context, certificateId: d ? d.id : null, notAfter: pem.notAfter, pem, hash };

    this.cache = next;
    return new SniTable(snapshot.version, exact, wildcard, fallback, failed);
  }

  private context(certPem: string, keyPem: string, next: Map<string, SecureContext>): { context: SecureContext; hash: string } {
    const hash = createHash('sha256').update(certPem).update('\0').update(keyPem).digest('base64');
    let ctx = next.get(hash) ?? this.cache.get(hash);
    ctx ??= tls.createSecureContext({ cert: certPem, key: keyPem, secureOptions: this.secureOptions });
    next.set(hash, ctx);
    return { context: ctx, hash };
  }
}
