// Client-certificate authentication per request (ingress-nginx authtls; nginx ngx_http_request.c
// ngx_http_process_request and ngx_http_set_virtual_server). The handshake asked for and verified
// the certificate against the CA of the SNI host (src/dataplane/tls/mutual-table.ts); this check
// decides, against the route the Host header chose:
//   - the connection's handshake was not made for this route's CA (another SNI name, HTTP/2
//     connection coalescing, a plain connection to the TLS port's other server) → 421, as nginx
//     answers a Host whose server verifies clients and differs from the negotiated one;
//   - verification failed → 400 "The SSL certificate error" (nginx 495); no certificate with
//     `on` → 400 "No required SSL certificate was sent" (nginx 496); auth-tls-error-page turns
//     both into a 302 (error_page 495 496 = <url>); `optional_no_ca` lets an unknown issuer through;
//   - more intermediates than auth-tls-verify-depth → 400 (OpenSSL CERT_CHAIN_TOO_LONG); an
//     intermediate Node does not show (sent by the client, not in ca.crt) → 400 as well;
//   - auth-tls-match-cn not matching the subject DN → 403 "client certificate unauthorized".
// Allowed requests carry ssl-client-verify, ssl-client-subject-dn, ssl-client-issuer-dn and, with
// auth-tls-pass-certificate-to-upstream, ssl-client-cert; a client's own copies are always replaced
// or removed. Plain HTTP has no certificate: `on` answers 400, the optional modes pass with NONE
// (nginx would not check at all there: README "Client certificates").

import { X509Certificate } from 'node:crypto';
import { RE2JS } from 're2js';
import type { ClientCertPolicy } from '../../../model/access.ts';
import { kClientCert, NO_CA_ERRORS, peerVerdict, type PeerSocket, type PeerVerdict } from '../../tls/peer-certificate.ts';
import { denial, type Allow, type Denial, type PolicyRequest } from './policy.ts';

const CERT_ERROR = denial(400, 'CLIENT_CERT_INVALID', 'The SSL certificate error\n');
const NO_CERT = denial(400, 'CLIENT_CERT_REQUIRED', 'No required SSL certificate was sent\n');
const MISDIRECTED = denial(421, 'CLIENT_CERT_MISDIRECTED', 'this connection was not negotiated for this host; open a new one with its name as SNI\n');
const UNCOUNTED = denial(400, 'CLIENT_CERT_CHAIN_UNCOUNTED', 'The SSL certificate error\n');
const CN_MISMATCH = denial(403, 'CLIENT_CERT_FORBIDDEN', 'client certificate unauthorized\n');

const NO_PEER: PeerVerdict = { state: 'none', code: null, verify: 'NONE', subject: '', issuer: '', escapedPem: '', intermediates: 0 };

export class ClientCertCheck {
  readonly step = 'client-certificate' as const;
  private readonly p: ClientCertPolicy;
  private readonly cn: RE2JS | null;
  private readonly certError: Denial;
  private readonly noCert: Denial;
  private readonly uncounted: Denial;
  /** ca.crt, parsed: the issuers the depth count may walk through (peer-certificate.ts). */
  private readonly bundle: readonly X509Certificate[];

  constructor(p: ClientCertPolicy) {
    this.p = p;
    this.cn = p.matchCn === null ? null : RE2JS.compile(p.matchCn);
    // error_page 495 496 = <absolute URL>: nginx redirects with 302.
    const redirect = p.errorPage === null ? null : denial(302, 'CLIENT_CERT_REDIRECT', 'redirecting\n', { location: p.errorPage });
    this.certError = redirect ?? CERT_ERROR;
    this.noCert = redirect ?? NO_CERT;
    this.uncounted = redirect ?? UNCOUNTED;
    this.bundle = (p.caPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((b) => new X509Certificate(b));
  }

  check(r: PolicyRequest): Denial | Allow {
    const p = this.p;
    let v = NO_PEER;
    if (p.verify !== 'off') {
      const s: PeerSocket | null = r.tls ?? null;
      if (s !== null) {
        const tag = s[kClientCert];
        if (tag === undefined || tag.key !== p.key) return MISDIRECTED;
        v = peerVerdict(s, tag, this.bundle);
      }
      if (v.state === 'none') {
        if (p.verify === 'on') return this.noCert;
      } else if (v.state === 'failed') {
        if (!(p.verify === 'optional_no_ca' && v.code !== null && NO_CA_ERRORS.has(v.code))) return this.certError;
      } else if (v.intermediates === null) return this.uncounted;
      else if (v.intermediates > p.depth) return this.certError;
    }
    // Server-level `if ($ssl_client_s_dn !~ <auth-tls-match-cn>) { return 403; }`, after the
    // certificate checks (those run when the request is read, before the server's rewrites).
    if (this.cn !== null && !this.cn.test(v.subject)) return CN_MISMATCH;
    return {
      set: [
        ['ssl-client-verify', v.verify],
        ['ssl-client-subject-dn', v.subject],
        ['ssl-client-issuer-dn', v.issuer],
        ['ssl-client-cert', p.passCertificate ? v.escapedPem : ''],
      ],
    };
  }

  describe(): string {
    const p = this.p;
    const parts = [`verify ${p.verify} against Secret ${p.secret}${p.crlPem !== null ? ' (with CRL)' : ''}, depth ${p.depth}`];
    if (p.matchCn !== null) parts.push(`subject must match ${p.matchCn} (else 403)`);
    parts.push(p.errorPage === null ? 'missing/bad certificate → 400' : `missing/bad certificate → 302 ${p.errorPage}`);
    parts.push('connection negotiated for another host → 421');
    return parts.join('; ');
  }
}
