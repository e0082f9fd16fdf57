// Process configuration (ports, class, mode, defaults). Kubernetes objects are not here. Every option
// is declared once, in flags.ts; this module turns that table into the config type and parser.
import { defaultsOf, helpOf, parseWith, type ConfigOf } from './flag-table.ts';
import { ConfigError } from './flag-types.ts';
import { FLAG_TABLE } from './flags.ts';

export { ConfigError };

export type PorticoConfig = ConfigOf<typeof FLAG_TABLE>;

export const DEFAULTS: PorticoConfig = defaultsOf(FLAG_TABLE);

/**
 * Parse a command's flags into a config. `--flag=true|false` is accepted for booleans
 * (`--ssl-redirect=false`), as is `--no-flag`. Flags with an `env` entry read it when absent.
 */
export function parseFlags(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): { config: PorticoConfig; positionals: string[]; help: boolean } {
  const parsed = parseWith(FLAG_TABLE, argv, env);
  checkCombinations(parsed.config);
  return parsed;
}

/** Flags that only make sense together; each flag's own value was checked by its type. */
function checkCombinations(c: PorticoConfig): void {
  if ((c.webhookCertFile === null) !== (c.webhookKeyFile === null)) throw new ConfigError('--webhook-cert-file and --webhook-key-file go together');
  if (c.webhookTlsSecret !== null && c.webhookCertFile !== null) throw new ConfigError('--webhook-tls-secret and --webhook-cert-file: choose one');
  if (c.webhookPort !== null && c.webhookTlsSecret === null && c.webhookCertFile === null) {
    throw new ConfigError('--webhook-port needs --webhook-tls-secret or --webhook-cert-file/--webhook-key-file (the API server only calls HTTPS)');
  }
}

/** The one active source, said plainly: files and the API are never mixed by accident. */
export function sourceMode(c: PorticoConfig): 'file' | 'kube' {
  const kube = c.kubeconfig !== null || c.inCluster;
  if (kube && c.resources.length > 0) {
    throw new ConfigError('--resources (file mode) and --kubeconfig/--in-cluster (cluster mode) cannot be combined: choose one source');
  }
  if (!kube && c.resources.length === 0) throw new ConfigError('no source: give --resources PATH (file mode) or --kubeconfig PATH / --in-cluster (cluster mode)');
  return kube ? 'kube' : 'file';
}

export function helpText(): string {
  return helpOf(FLAG_TABLE);
}
