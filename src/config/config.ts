import { parseArgs } from 'node:util';
import { parseDuration } from './duration.ts';
import { parseCidrList } from '../k8s/annotations/cidr.ts';

/** Process configuration (ports, class, mode, defaults). Kubernetes objects are not here. */
export interface PorticoConfig {
  readonly resources: readonly string[];
  readonly kubeconfig: string | null;
  readonly inCluster: boolean;
  readonly watchNamespace: string | null;
  readonly bindAddress: string;
  readonly httpPort: number;
  /** null: no TLS listener. */
  readonly httpsPort: number | null;
  readonly adminPort: number;
  readonly adminAddress: string;
  readonly ingressClass: string;
  readonly controllerName: string;
  readonly watchWithoutClass: boolean;
  readonly allowExternalName: boolean;
  readonly trustProxy: readonly string[];
  readonly drainTimeoutMs: number;
  readonly sslRedirect: boolean;
  /** Port in the 308 Location; null = the HTTPS listener's own port. 443 behind a load balancer. */
  readonly sslRedirectPort: number | null;
  readonly hstsMaxAge: number;
  readonly hstsIncludeSubdomains: boolean;
  /** TLS session tickets (resumption); off makes every handshake a full one (benchmarks). */
  readonly tlsSessionResumption: boolean;
  readonly defaultTlsSecret: string | null;
  readonly tcpServicesConfigMap: string | null;
  readonly udpServicesConfigMap: string | null;
  readonly tcpIdleTimeoutMs: number;
  readonly udpSessionTimeoutMs: number;
  readonly udpMaxSessions: number;
  readonly l4DrainTimeoutMs: number;
  readonly l4AcceptProxyProtocol: boolean;
  readonly publishService: string | null;
  readonly publishAddress: readonly string[];
  readonly electionId: string;
  readonly connectTimeoutMs: number;
  readonly upstreamTimeoutMs: number;
  readonly logLevel: string;
  readonly watch: boolean;
  // Access control (README "Access control").
  /** Normalised CIDRs used where an Ingress sets no allowlist-source-range; empty = everyone. */
  readonly allowlistSourceRange: readonly string[];
  readonly denylistSourceRange: readonly string[];
  readonly authTimeoutMs: number;
}

export const DEFAULTS: PorticoConfig = {
  resources: [],
  kubeconfig: null,
  inCluster: false,
  watchNamespace: null,
  bindAddress: '0.0.0.0',
  httpPort: 8080,
  httpsPort: 8443,
  adminPort: 9901,
  adminAddress: '127.0.0.1',
  ingressClass: 'portico',
  controllerName: 'portico.io/ingress-controller',
  watchWithoutClass: false,
  allowExternalName: false,
  trustProxy: [],
  drainTimeoutMs: 30_000,
  sslRedirect: true,
  sslRedirectPort: null,
  hstsMaxAge: 15_724_800,
  hstsIncludeSubdomains: false,
  tlsSessionResumption: true,
  defaultTlsSecret: null,
  tcpServicesConfigMap: null,
  udpServicesConfigMap: null,
  tcpIdleTimeoutMs: 3_600_000,
  udpSessionTimeoutMs: 30_000,
  udpMaxSessions: 65_536,
  l4DrainTimeoutMs: 30_000,
  l4AcceptProxyProtocol: false,
  publishService: null,
  publishAddress: [],
  electionId: 'portico-leader',
  connectTimeoutMs: 5_000,
  upstreamTimeoutMs: 60_000,
  logLevel: 'info',
  watch: true,
  allowlistSourceRange: [],
  denylistSourceRange: [],
  authTimeoutMs: 5_000,
};

/** Flag name → how it is read. One table, so help text, parsing and docs cannot drift. */
export const FLAGS = {
  resources: { type: 'string', multiple: true, help: 'manifest file or directory (repeatable)' },
  kubeconfig: { type: 'string', help: 'kubeconfig file: watch the Kubernetes API (cluster mode)' },
  'in-cluster': { type: 'boolean', help: 'use the pod service account (cluster mode)' },
  'watch-namespace': { type: 'string', help: 'only this namespace for namespaced kinds' },
  'bind-address': { type: 'string', help: 'address of the HTTP/HTTPS/L4 listeners (default 0.0.0.0)' },
  'http-port': { type: 'string', help: 'HTTP listener port (default 8080)' },
  'https-port': { type: 'string', help: 'HTTPS listener port (default 8443; "off" disables)' },
  'admin-port': { type: 'string', help: 'admin server port (default 9901)' },
  'admin-address': { type: 'string', help: 'admin server address (default 127.0.0.1)' },
  'ingress-class': { type: 'string', help: 'IngressClass name / legacy annotation value (default portico)' },
  'controller-name': { type: 'string', help: 'IngressClass spec.controller (default portico.io/ingress-controller)' },
  'watch-without-class': { type: 'boolean', help: 'also serve Ingresses without any class' },
  'allow-external-name': { type: 'boolean', help: 'proxy to ExternalName Services (off: anyone writing a Service could aim the gateway at any host)' },
  'trust-proxy': { type: 'string', multiple: true, help: 'CIDR whose X-Forwarded-* headers are kept (repeatable)' },
  'drain-timeout': { type: 'string', help: 'graceful shutdown bound (default 30s)' },
  'ssl-redirect': { type: 'boolean', help: '308 from HTTP to HTTPS for hosts in spec.tls (default true; --ssl-redirect=false)' },
  'ssl-redirect-port': { type: 'string', help: 'port in the https redirect URL (default: the HTTPS listener port; 443 behind a load balancer)' },
  'hsts-max-age': { type: 'string', help: 'Strict-Transport-Security max-age seconds on TLS responses (default 15724800, 0 disables)' },
  'hsts-include-subdomains': { type: 'boolean', help: 'add includeSubDomains to HSTS' },
  'tls-session-resumption': { type: 'boolean', help: 'TLS session tickets (default true; --tls-session-resumption=false)' },
  'default-tls-secret': { type: 'string', help: 'ns/name of the Secret served when SNI matches nothing' },
  'tcp-services-configmap': { type: 'string', help: 'ns/name of the TCP services ConfigMap' },
  'udp-services-configmap': { type: 'string', help: 'ns/name of the UDP services ConfigMap' },
  'tcp-idle-timeout': { type: 'string', help: 'L4 TCP idle timeout (default 1h)' },
  'udp-session-timeout': { type: 'string', help: 'L4 UDP session idle timeout (default 30s)' },
  'udp-max-sessions': { type: 'string', help: 'L4 UDP session table bound (default 65536)' },
  'l4-drain-timeout': { type: 'string', help: 'L4 connections to removed endpoints close after this (default 30s)' },
  'l4-accept-proxy-protocol': { type: 'boolean', help: 'read PROXY protocol v1/v2 on inbound L4 TCP' },
  'publish-service': { type: 'string', help: 'ns/name of the Service whose addresses go into Ingress status' },
  'publish-address': { type: 'string', multiple: true, help: 'address written into Ingress status (repeatable)' },
  'election-id': { type: 'string', help: 'Lease name for leader election (default portico-leader)' },
  'upstream-connect-timeout': { type: 'string', help: 'upstream connect timeout (default 5s)' },
  'upstream-timeout': { type: 'string', help: 'upstream response timeout → 504 (default 60s)' },
  'log-level': { type: 'string', help: 'trace, debug, info, warn, error, silent (default info)' },
  watch: { type: 'boolean', help: 'reload manifest files on change (default true; --watch=false)' },
  'allowlist-source-range': { type: 'string', multiple: true, help: 'CIDRs allowed where an Ingress sets no allowlist-source-range (repeatable or comma-separated)' },
  'denylist-source-range': { type: 'string', multiple: true, help: 'CIDRs denied where an Ingress sets no denylist-source-range (repeatable or comma-separated)' },
  'auth-timeout': { type: 'string', help: 'external auth subrequest timeout; slower → 500 (default 5s)' },
  help: { type: 'boolean', short: 'h', help: 'show help' },
} as const;

type FlagName = keyof typeof FLAGS;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parse a command's flags into a config. `--flag=true|false` is accepted for booleans (the issue's
 * `--ssl-redirect=false`), as is `--no-flag`.
 */
export function parseFlags(argv: readonly string[]): { config: PorticoConfig; positionals: string[]; help: boolean } {
  const booleans = new Set(Object.entries(FLAGS).filter(([, f]) => f.type === 'boolean').map(([n]) => n));
  const args = argv.map((a) => {
    const m = /^--([a-z0-9-]+)=(true|false)$/.exec(a);
    if (m && booleans.has(m[1])) return m[2] === 'true' ? `--${m[1]}` : `--no-${m[1]}`;
    return a;
  });
  let parsed;
  try {
    parsed = parseArgs({ args, options: FLAGS as never, allowPositionals: true, allowNegative: true, strict: true });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const v = parsed.values as Partial<Record<FlagName, string | string[] | boolean>>;
  const str = (n: FlagName): string | undefined => v[n] as string | undefined;
  const bool = (n: FlagName, d: boolean): boolean => (v[n] === undefined ? d : Boolean(v[n]));
  const port = (n: FlagName, d: number): number => {
    const s = str(n);
    if (s === undefined) return d;
    const p = Number(s);
    if (!Number.isInteger(p) || p < 0 || p > 65535) throw new ConfigError(`--${n} ${JSON.stringify(s)} is not a port`);
    return p;
  };
  const dur = (n: FlagName, d: number): number => {
    const s = str(n);
    if (s === undefined) return d;
    try {
      return parseDuration(s);
    } catch (err) {
      throw new ConfigError(`--${n}: ${(err as Error).message}`);
    }
  };
  const int = (n: FlagName, d: number): number => {
    const s = str(n);
    if (s === undefined) return d;
    const x = Number(s);
    if (!Number.isInteger(x) || x < 0) throw new ConfigError(`--${n} ${JSON.stringify(s)} is not a non-negative integer`);
    return x;
  };
  const nsName = (n: FlagName): string | null => {
    const s = str(n);
    if (s === undefined) return null;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s)) throw new ConfigError(`--${n} ${JSON.stringify(s)} must be namespace/name`);
    return s;
  };
  const httpsRaw = str('https-port');
  const trustProxy = (v['trust-proxy'] as string[] | undefined) ?? [];
  for (const c of trustProxy) if (!isCidr(c)) throw new ConfigError(`--trust-proxy ${JSON.stringify(c)} is not a CIDR (e.g. 10.0.0.0/8)`);

  const config: PorticoConfig = {
    resources: (v.resources as string[] | undefined) ?? [],
    kubeconfig: str('kubeconfig') ?? null,
    inCluster: bool('in-cluster', false),
    watchNamespace: str('watch-namespace') ?? null,
    bindAddress: str('bind-address') ?? DEFAULTS.bindAddress,
    httpPort: port('http-port', DEFAULTS.httpPort),
    httpsPort: httpsRaw === 'off' ? null : port('https-port', DEFAULTS.httpsPort as number),
    adminPort: port('admin-port', DEFAULTS.adminPort),
    adminAddress: str('admin-address') ?? DEFAULTS.adminAddress,
    ingressClass: str('ingress-class') ?? DEFAULTS.ingressClass,
    controllerName: str('controller-name') ?? DEFAULTS.controllerName,
    watchWithoutClass: bool('watch-without-class', false),
    allowExternalName: bool('allow-external-name', false),
    trustProxy,
    drainTimeoutMs: dur('drain-timeout', DEFAULTS.drainTimeoutMs),
    sslRedirect: bool('ssl-redirect', DEFAULTS.sslRedirect),
    sslRedirectPort: str('ssl-redirect-port') === undefined ? null : port('ssl-redirect-port', 443),
    hstsMaxAge: int('hsts-max-age', DEFAULTS.hstsMaxAge),
    hstsIncludeSubdomains: bool('hsts-include-subdomains', false),
    tlsSessionResumption: bool('tls-session-resumption', true),
    defaultTlsSecret: nsName('default-tls-secret'),
    tcpServicesConfigMap: nsName('tcp-services-configmap'),
    udpServicesConfigMap: nsName('udp-services-configmap'),
    tcpIdleTimeoutMs: dur('tcp-idle-timeout', DEFAULTS.tcpIdleTimeoutMs),
    udpSessionTimeoutMs: dur('udp-session-timeout', DEFAULTS.udpSessionTimeoutMs),
    udpMaxSessions: int('udp-max-sessions', DEFAULTS.udpMaxSessions),
    l4DrainTimeoutMs: dur('l4-drain-timeout', DEFAULTS.l4DrainTimeoutMs),
    l4AcceptProxyProtocol: bool('l4-accept-proxy-protocol', false),
    publishService: nsName('publish-service'),
    publishAddress: (v['publish-address'] as string[] | undefined) ?? [],
    electionId: str('election-id') ?? DEFAULTS.electionId,
    connectTimeoutMs: dur('upstream-connect-timeout', DEFAULTS.connectTimeoutMs),
    upstreamTimeoutMs: dur('upstream-timeout', DEFAULTS.upstreamTimeoutMs),
    logLevel: str('log-level') ?? DEFAULTS.logLevel,
    watch: bool('watch', true),
    allowlistSourceRange: cidrs('allowlist-source-range', v['allowlist-source-range'] as string[] | undefined),
    denylistSourceRange: cidrs('denylist-source-range', v['denylist-source-range'] as string[] | undefined),
    authTimeoutMs: dur('auth-timeout', DEFAULTS.authTimeoutMs),
  };
  return { config, positionals: parsed.positionals, help: bool('help', false) };
}

/** The one active source, said plainly (issue #4 item 1: files and the API can't be mixed by accident). */
export function sourceMode(c: PorticoConfig): 'file' | 'kube' {
  const kube = c.kubeconfig !== null || c.inCluster;
  if (kube && c.resources.length > 0) {
    throw new ConfigError('--resources (file mode) and --kubeconfig/--in-cluster (cluster mode) cannot be combined: choose one source');
  }
  if (!kube && c.resources.length === 0) throw new ConfigError('no source: give --resources PATH (file mode) or --kubeconfig PATH / --in-cluster (cluster mode)');
  return kube ? 'kube' : 'file';
}

export function withOverrides(c: PorticoConfig, o: Partial<PorticoConfig>): PorticoConfig {
  return { ...c, ...o };
}

function cidrs(flag: string, values: readonly string[] | undefined): string[] {
  if (values === undefined || values.length === 0) return [];
  const r = parseCidrList(values.join(','));
  if ('error' in r) throw new ConfigError(`--${flag}: ${r.error}`);
  return r.value;
}

function isCidr(s: string): boolean {
  const m = /^(.+)\/(\d{1,3})$/.exec(s);
  const addr = m ? m[1] : s;
  const bits = m ? Number(m[2]) : addr.includes(':') ? 128 : 32;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(addr)) return bits <= 32 && addr.split('.').every((x) => Number(x) <= 255);
  return addr.includes(':') && bits <= 128 && /^[0-9a-fA-F:.]+$/.test(addr);
}

export function helpText(): string {
  const lines = Object.entries(FLAGS).map(([n, f]) => `  --${n.padEnd(26)} ${f.help}`);
  return lines.join('\n');
}
