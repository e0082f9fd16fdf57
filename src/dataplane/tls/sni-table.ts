// The SNI table: built once per Snapshot, one Map get per handshake (README "TLS";
// SPEC §7). A secure context is created once per certificate, on the first handshake that needs
// it, and reused across snapshots while the PEM texts do not change: building a table with 10,000
// certificates is Map inserts (no OpenSSL work on the control path), and names nobody asks for
// cost no OpenSSL memory.

import { createHash } from 'node:crypto';
import { constants as cryptoConstants } from 'node:crypto';
import tls from 'node:tls';
import type { SecureContext, SecureContextOptions } from 'node:tls';
import type { Certificate } from '../../model/certificate.ts';
import { lookupHost, normalizeHostName } from '../../model/host.ts';
import { DEFAULT_TLS_POLICY, tlsContextOptions, type TlsPolicy } from './tls-policy.ts';
import type { Snapshot } from '../../model/snapshot.ts';
import type { PemPair } from './default-certificate.ts';

export type SniMatch = 'exact' | 'wildcard' | 'default';

/** Secure contexts by sha256(cert, key), shared by every table built from one SniTableBuilder. */
class ContextPool {
  readonly contexts = new Map<string, SecureContext>();
  readonly secureOptions: number;
  /** Versions, ciphers, curves (tls-policy.ts), the same in every context. */
  readonly policy: SecureContextOptions;

  constructor(secureOptions: number, policy: SecureContextOptions) {
    this.secureOptions = secureOptions;
    this.policy = policy;
  }

  create(hash: string, certPem: string, keyPem: string): SecureContext {
    let ctx = this.contexts.get(hash);
    if (ctx === undefined) {
      ctx = tls.createSecureContext({ ...this.policy, cert: certPem, key: keyPem, secureOptions: this.secureOptions });
      this.contexts.set(hash, ctx);
    }
    return ctx;
  }
}

/** One certificate in a table. Its PEM texts stay private: nothing here is ever logged. */
export class SniEntry {
  /** `ns/name` of the Secret, or null for the generated default certificate. */
  readonly certificateId: string | null;
  readonly notAfter: string;
  readonly hash: string;
  /** Null until the first handshake that needs it (or when OpenSSL refused the pair). */
  context: SecureContext | null;
  /** OpenSSL refused the pair: its hosts get the default certificate. */
  failed = false;
  private readonly certPem: string;
  private readonly keyPem: string;
  private readonly pool: ContextPool;

  constructor(certificateId: string | null, certPem: string, keyPem: string, notAfter: string, hash: string, pool: ContextPool) {
    this.certificateId = certificateId;
    this.certPem = certPem;
    this.keyPem = keyPem;
    this.notAfter = notAfter;
    this.hash = hash;
    this.pool = pool;
    this.context = pool.contexts.get(hash) ?? null;
  }

  /** Create the secure context now; null when OpenSSL refuses the pair. */
  materialise(): SecureContext | null {
    if (this.context !== null || this.failed) return this.context;
    try {
      this.context = this.pool.create(this.hash, this.certPem, this.keyPem);
    } catch {
      // Translate validated the pair with node:crypto; OpenSSL refusing it anyway (e.g. a key
      // type this build lacks) sends its hosts to the default certificate, never fails a handshake.
      this.failed = true;
    }
    return this.context;
  }
}

/** The default entry keeps its PEM texts readable: a server needs them for clients without SNI. */
export interface DefaultSniEntry {
  readonly certificateId: string | null;
  readonly notAfter: string;
  readonly hash: string;
  readonly context: SecureContext;
  readonly pem: PemPair;
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

  constructor(snapshotVersion: number, exact: ReadonlyMap<string, SniEntry>, wildcard: ReadonlyMap<string, SniEntry>, fallback: DefaultSniEntry) {
    this.snapshotVersion = snapshotVersion;
    this.exact = exact;
    this.wildcard = wildcard;
    this.fallback = fallback;
  }

  /** The context for an SNI name (hot path, called from SNICallback). */
  lookup(servername: string): SecureContext {
    const e = this.entry(servername);
    if (e === null) return this.fallback.context;
    return e.context ?? e.materialise() ?? this.fallback.context;
  }

  /** Which entry serves a name and why (for `portico certs`, /debug/certificates, tests). */
  resolve(servername: string | undefined): SniResolution {
    if (!servername) return { match: 'default', key: '', certificateId: this.fallback.certificateId, notAfter: this.fallback.notAfter };
    // The same lookup as a handshake: an entry OpenSSL refused serves the default, as lookup() does.
    const name = normalizeHostName(servername);
    const e = this.entry(servername);
    if (e !== null && !e.failed) {
      const exact = this.exact.get(name) === e;
      return { match: exact ? 'exact' : 'wildcard', key: exact ? name : '*' + name.slice(name.indexOf('.')), certificateId: e.certificateId, notAfter: e.notAfter };
    }
    return { match: 'default', key: '', certificateId: this.fallback.certificateId, notAfter: this.fallback.notAfter };
  }

  private entry(servername: string): SniEntry | null {
    // SPEC §7: lower-case, strip one trailing dot; exact; then `*.` + the name minus its first
    // label (one label only); else the default.
    return lookupHost(this.exact, this.wildcard, normalizeHostName(servername)) ?? null;
  }

  get size(): number {
    return this.exact.size + this.wildcard.size;
  }
}

export interface SniTableBuilderOptions {
  /** Served when SNI finds nothing and the snapshot names no default certificate. */
  generatedDefault: PemPair;
  /** TLS session tickets on (default) or off (every handshake is a full one, e.g. benchmarks). */
  sessionResumption?: boolean;
  /** TLS versions, ciphers and curves (tls-policy.ts); DEFAULT_TLS_POLICY when absent. */
  policy?: TlsPolicy;
}

/**
 * Builds SniTables and owns the secure-context pool. Each build starts a new pool holding only the
 * contexts the new table can use, so a removed certificate is released with the last table that
 * referenced it.
 */
export class SniTableBuilder {
  private readonly generated: PemPair;
  readonly secureOptions: number;
  /** The policy as context options; the HTTPS server applies the same to its own context. */
  readonly policyOptions: SecureContextOptions;
  private pool: ContextPool;

  constructor(opts: SniTableBuilderOptions) {
    this.generated = opts.generatedDefault;
    this.secureOptions = opts.sessionResumption === false ? cryptoConstants.SSL_OP_NO_TICKET : 0;
    this.policyOptions = tlsContextOptions(opts.policy ?? DEFAULT_TLS_POLICY);
    this.pool = new ContextPool(this.secureOptions, this.policyOptions);
  }

  build(snapshot: Snapshot): SniTable {
    const prev = this.pool;
    const next = new ContextPool(this.secureOptions, this.policyOptions);
    const byId = new Map<string, Certificate>();
    for (const c of snapshot.certificates) byId.set(c.id, c);
    const entries = new Map<string, SniEntry>();
    const entryFor = (c: Certificate): SniEntry => {
      let e = entries.get(c.id);
      if (e === undefined) {
        const hash = pemHash(c.certPem, c.keyPem);
        const known = prev.contexts.get(hash);
        if (known !== undefined) next.contexts.set(hash, known);
        entries.set(c.id, (e = new SniEntry(c.id, c.certPem, c.keyPem, c.notAfter, hash, next)));
      }
      return e;
    };

    const exact = new Map<string, SniEntry>();
    const wildcard = new Map<string, SniEntry>();
    for (const vh of snapshot.virtualHosts) {
      if (vh.certificateId === null || vh.kind === 'any') continue;
      const c = byId.get(vh.certificateId);
      if (!c) continue; // translate only references certificates it emits; be defensive anyway
      (vh.kind === 'wildcard' ? wildcard : exact).set(vh.hostname, entryFor(c));
    }
    // Gateway API HTTPS listener hostnames (model/gateway.ts); an Ingress host keeps its own.
    for (const g of snapshot.gateway?.sni ?? []) {
      const c = byId.get(g.certificateId);
      const m = g.kind === 'wildcard' ? wildcard : exact;
      if (c !== undefined && !m.has(g.hostname)) m.set(g.hostname, entryFor(c));
    }

    // The default is built eagerly: the server's own context (no SNI) is made from its PEM.
    const d = snapshot.defaultCertificateId === null ? undefined : byId.get(snapshot.defaultCertificateId);
    const de = d === undefined ? undefined : entryFor(d);
    const useConfigured = d !== undefined && de !== undefined && de.materialise() !== null;
    const pem: PemPair = useConfigured ? { certPem: d.certPem, keyPem: d.keyPem, notAfter: d.notAfter } : this.generated;
    const hash = useConfigured ? de.hash : pemHash(pem.certPem, pem.keyPem);
    const context = prev.contexts.get(hash) ?? next.create(hash, pem.certPem, pem.keyPem);
    next.contexts.set(hash, context);
    const fallback: DefaultSniEntry = { context, certificateId: useConfigured ? d.id : null, notAfter: pem.notAfter, pem, hash };

    this.pool = next;
    return new SniTable(snapshot.version, exact, wildcard, fallback);
  }

  /** Secure contexts alive in the latest pool (created so far). */
  get contextCount(): number {
    return this.pool.contexts.size;
  }
}

function pemHash(certPem: string, keyPem: string): string {
  return createHash('sha256').update(certPem).update('\0').update(keyPem).digest('base64');
}
