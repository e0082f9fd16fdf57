// The auth-tls-* keys (ingress-nginx v1.15 internal/ingress/annotations/authtls/main.go) read
// together into typed data, under both prefixes (portico.io wins). Where ingress-nginx falls back
// to a default on a malformed value (verify-client → on, verify-depth → 1), Portico refuses the
// Ingress instead, like every key of the access group (README "Access control"): a typo in a
// protection setting is reported, never guessed.

import { RE2JS } from 're2js';
import type { KubeObject } from '../types.ts';
import type { ClientCertVerify } from '../../model/access.ts';
import { lookup, secretRef } from './access-policy.ts';

export interface AuthTlsAnnotations {
  /** `ns/name`; the namespace defaults to the Ingress's and must be it (cross-namespace refused). */
  readonly secret: string;
  readonly verify: ClientCertVerify;
  readonly depth: number;
  readonly errorPage: string | null;
  readonly passCertificate: boolean;
  /** The whole `CN=…` value, an RE2 pattern. */
  readonly matchCn: string | null;
}

const KEYS = ['auth-tls-secret', 'auth-tls-verify-client', 'auth-tls-verify-depth', 'auth-tls-error-page', 'auth-tls-pass-certificate-to-upstream', 'auth-tls-match-cn'];
/** authtls authVerifyClientRegex. */
const VERIFY = /^(on|off|optional|optional_no_ca)$/;
/** Bounds the DN regex as the path regexes are (src/k8s/annotations/grammar.ts checkRegex). */
const MAX_PROGRAM = 2000;

/** null when the Ingress sets no auth-tls key; errors name the key. */
export function readAuthTls(obj: KubeObject, namespace: string): { value: AuthTlsAnnotations | null } | { errors: string[] } {
  const raw = obj.metadata?.annotations;
  const ann: Record<string, unknown> = raw && typeof raw === 'object' ? raw : {};
  const errors: string[] = [];
  const values = new Map<string, string>();
  for (const k of KEYS) {
    const hit = lookup(ann, k);
    if (hit === undefined) continue;
    if (typeof hit[1] !== 'string') errors.push(`annotation ${hit[0]}: value must be a string`);
    else values.set(k, hit[1].trim());
  }
  if (values.size === 0 && errors.length === 0) return { value: null };
  const fail = (key: string, message: string): void => void errors.push(`annotation ${lookup(ann, key)?.[0] ?? key}: ${message}`);

  const secretText = values.get('auth-tls-secret');
  let secret: string | null = null;
  if (secretText === undefined || secretText === '') {
    // authtls: every other key is read only once auth-tls-secret parsed; alone they would be
    // silently ignored, which for a protection key is refused here.
    if (errors.length === 0) fail('auth-tls-secret', 'required with the other auth-tls-* annotations');
  } else {
    secret = secretRef(secretText, namespace);
    if (secret === null) fail('auth-tls-secret', `expected name or namespace/name, got ${JSON.stringify(secretText)}`);
    // authtls: "cross namespace secrets are not supported" (allow-cross-namespace-resources off).
    else if (!secret.startsWith(`${namespace}/`)) fail('auth-tls-secret', 'the Secret must be in the Ingress namespace');
  }

  const v = values.get('auth-tls-verify-client') ?? 'on';
  if (!VERIFY.test(v)) fail('auth-tls-verify-client', `expected on, off, optional or optional_no_ca, got ${JSON.stringify(v)}`);

  // authtls: 0 (or absent) means the default 1 (nginx ssl_verify_depth 1).
  let depth = 1;
  const d = values.get('auth-tls-verify-depth');
  if (d !== undefined) {
    if (!/^\d{1,3}$/.test(d)) fail('auth-tls-verify-depth', `expected a non-negative integer, got ${JSON.stringify(d)}`);
    else depth = Number(d) === 0 ? 1 : Number(d);
  }

  // The error page is nginx `error_page 495 496 = <url>`: an absolute URL is a 302 to it. A local
  // path is an nginx internal redirect, which Portico does not have: refused (README difference).
  let errorPage: string | null = null;
  const ep = values.get('auth-tls-error-page');
  if (ep !== undefined && ep !== '') {
    let u: URL | null;
    try {
      u = new URL(ep);
    } catch {
      u = null;
    }
    // authtls redirectRegex allows only [A-Za-z0-9\-.] in host and path segments; the URL here is
    // written into a Location header, so the same closed character set is kept.
    if (u === null || (u.protocol !== 'http:' && u.protocol !== 'https:') || !/^https?:\/\/[A-Za-z0-9\-.]+(:\d+)?(\/[A-Za-z0-9\-_./]*)?$/.test(ep)) {
      fail('auth-tls-error-page', `expected an absolute http(s) URL of letters, digits, "-", "_", "." and "/", got ${JSON.stringify(ep)}`);
    } else errorPage = ep;
  }

  let passCertificate = false;
  const pc = values.get('auth-tls-pass-certificate-to-upstream');
  if (pc !== undefined) {
    if (pc !== 'true' && pc !== 'false') fail('auth-tls-pass-certificate-to-upstream', `expected true or false, got ${JSON.stringify(pc)}`);
    else passCertificate = pc === 'true';
  }

  // parser.CommonNameAnnotationValidator: "CN=" then a regex; the template matches the whole value
  // (`if ($ssl_client_s_dn !~ <value>)`), unanchored and case-sensitive. Here on re2js, linear time.
  let matchCn: string | null = null;
  const mc = values.get('auth-tls-match-cn');
  if (mc !== undefined && mc !== '') {
    if (!mc.startsWith('CN=')) fail('auth-tls-match-cn', 'must start with "CN="');
    else if (mc.length > 1024) fail('auth-tls-match-cn', 'longer than 1024 characters');
    else {
      try {
        const re = RE2JS.compile(mc);
        if (re.programSize() > MAX_PROGRAM) fail('auth-tls-match-cn', `compiles to ${re.programSize()} RE2 instructions (at most ${MAX_PROGRAM})`);
        else matchCn = mc;
      } catch (e) {
        fail('auth-tls-match-cn', `not an RE2 regex: ${JSON.stringify((e as Error).message)}`);
      }
    }
  }
  if (errors.length > 0 || secret === null) return { errors };
  return { value: { secret, verify: v as ClientCertVerify, depth, errorPage, passCertificate, matchCn } };
}

/** Whether any auth-tls-* key is set, under either prefix, whatever its value. */
export function hasAuthTls(obj: KubeObject): boolean {
  const raw = obj.metadata?.annotations;
  if (!raw || typeof raw !== 'object') return false;
  for (const k of Object.keys(raw)) if (k.startsWith('nginx.ingress.kubernetes.io/auth-tls-') || k.startsWith('portico.io/auth-tls-')) return true;
  return false;
}
