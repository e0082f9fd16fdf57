// Hosts whose handshakes ask for a client certificate (auth-tls-*, README "Client certificates").
// nginx's ssl_verify_client is per server; Node's requestCert is per TLS socket and fixed before
// the SNI is known, so the HTTPS front reads the ClientHello's SNI (tls-front.ts) and hands a
// connection for one of these names to a second TLS server that requests certificates
// (https-listener.ts), whose SNI callback takes the context from here: the host's certificate plus
// its CA bundle and CRL, so OpenSSL verifies the client against that host's CA only (an explicit
// `ca` replaces Node's public roots). Built once per Snapshot; a context is created on the first
// handshake that needs it and kept across snapshots while its PEM texts do not change.

import { createHash, constants as cryptoConstants } from 'node:crypto';
import tls, { type SecureContext, type SecureContextOptions } from 'node:tls';
import type { ClientCertPolicy } from '../../model/access.ts';
import type { Certificate } from '../../model/certificate.ts';
import { lookupHost, normalizeHostName } from '../../model/host.ts';
import type { Snapshot } from '../../model/snapshot.ts';
import type { PemPair } from './default-certificate.ts';

export class MutualEntry {
  readonly key: string;
  private context: SecureContext | null;
  private failed = false;
  private readonly make: () => SecureContext;

  constructor(key: string, context: SecureContext | null, make: () => SecureContext) {
    this.key = key;
    this.context = context;
    this.make = make;
  }

  /** The context, created on first use; null when OpenSSL refused it (the handshake then fails). */
  materialise(): SecureContext | null {
    if (this.context !== null || this.failed) return this.context;
    try {
      this.context = this.make();
    } catch {
      this.failed = true;
    }
    return this.context;
  }
}

export class MutualTable {
  static readonly EMPTY = new MutualTable(new Map(), new Map());
  readonly exact: ReadonlyMap<string, MutualEntry>;
  readonly wildcard: ReadonlyMap<string, MutualEntry>;

  constructor(exact: ReadonlyMap<string, MutualEntry>, wildcard: ReadonlyMap<string, MutualEntry>) {
    this.exact = exact;
    this.wildcard = wildcard;
  }

  get size(): number {
    return this.exact.size + this.wildcard.size;
  }

  /** SPEC §7 host lookup, the same as the SNI table's: exact, then one-label wildcard. */
  lookup(servername: string): MutualEntry | null {
    return lookupHost(this.exact, this.wildcard, normalizeHostName(servername)) ?? null;
  }
}

export class MutualTableBuilder {
  private readonly generated: PemPair;
  private readonly policy: SecureContextOptions;
  private readonly secureOptions: number;
  private contexts = new Map<string, SecureContext>();

  constructor(generated: PemPair, policy: SecureContextOptions, secureOptions: number) {
    this.generated = generated;
    this.policy = policy;
    // No session tickets on these contexts: a session resumed under another SNI name would carry
    // the verification done against another host's CA (nginx keys sessions by the CA through
    // ssl_session_id_context; Node's SNI contexts have no such key, so resumption is off).
    this.secureOptions = secureOptions | cryptoConstants.SSL_OP_NO_TICKET;
  }

  get ticketlessOptions(): number {
    return this.secureOptions;
  }

  build(snapshot: Snapshot): MutualTable {
    const hosts = snapshot.virtualHosts.filter((vh) => vh.clientCertificate !== undefined && vh.clientCertificate.verify !== 'off' && vh.kind !== 'any');
    if (hosts.length === 0) {
      this.contexts = new Map();
      return MutualTable.EMPTY;
    }
    const byId = new Map<string, Certificate>();
    for (const c of snapshot.certificates) byId.set(c.id, c);
    const fallback = snapshot.defaultCertificateId === null ? undefined : byId.get(snapshot.defaultCertificateId);
    const prev = this.contexts;
    const next = new Map<string, SecureContext>();
    const exact = new Map<string, MutualEntry>();
    const wildcard = new Map<string, MutualEntry>();
    for (const vh of hosts) {
      const p = vh.clientCertificate as ClientCertPolicy;
      const c = (vh.certificateId === null ? undefined : byId.get(vh.certificateId)) ?? fallback;
      const pem = c === undefined ? this.generated : { certPem: c.certPem, keyPem: c.keyPem };
      const hash = createHash('sha256').update(pem.certPem).update('\0').update(pem.keyPem).update('\0').update(p.key).digest('base64');
      const known = prev.get(hash) ?? next.get(hash) ?? null;
      if (known !== null) next.set(hash, known);
      const entry = new MutualEntry(p.key, known, () => {
        const ctx = tls.createSecureContext({
          ...this.policy, cert: pem.certPem, key: pem.keyPem, ca: p.caPem,
          // Node adds the CRL with X509_V_FLAG_CRL_CHECK | CRL_CHECK_ALL, as nginx ssl_crl does.
          ...(p.crlPem !== null ? { crl: p.crlPem } : {}),
          secureOptions: this.secureOptions,
        });
        // Into the current pool: the next build keeps it while a host still uses these PEM texts.
        this.contexts.set(hash, ctx);
        return ctx;
      });
      (vh.kind === 'wildcard' ? wildcard : exact).set(vh.hostname, entry);
    }
    this.contexts = next;
    return new MutualTable(exact, wildcard);
  }
}
