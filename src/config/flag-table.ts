// The machinery behind the one flag table (flags.ts): from a table of FlagSpecs come the config
// type, the defaults, parsing, `--help` and the README's flag reference. Nothing here names a flag.
import { parseArgs } from 'node:util';
import { ConfigError, type ValueType } from './flag-types.ts';

export interface FlagSpec<T> {
  /** The command-line name, kebab-case, without `--`. */
  readonly flag: string;
  readonly type: ValueType<T>;
  readonly default: T;
  /** One line for `--help` and the README; the default is appended, do not repeat it. */
  readonly help: string;
  /** Said instead of the default's own text, when the default is decided at run time. */
  readonly defaultText?: string;
  /** An environment variable read when the flag is absent (the flag wins). */
  readonly env?: string;
  readonly short?: string;
}

/** One table entry; T comes from the value type, so the default is checked against it. */
export function flag<T>(type: ValueType<T>, spec: Omit<FlagSpec<T>, 'type' | 'default'> & { readonly default: NoInfer<T> }): FlagSpec<T> {
  return { ...spec, type };
}

// `any` is the one way to say "a FlagSpec of some value type" so that ConfigOf can infer each one.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FlagTable = Readonly<Record<string, FlagSpec<any>>>;

export type ConfigOf<T extends FlagTable> = { readonly [K in keyof T]: T[K] extends FlagSpec<infer V> ? V : never };

export function defaultsOf<T extends FlagTable>(table: T): ConfigOf<T> {
  return Object.fromEntries(Object.entries(table).map(([k, f]) => [k, f.default])) as ConfigOf<T>;
}

const HELP = { type: 'boolean', short: 'h' } as const;

/**
 * argv → config. Booleans take `--flag`, `--no-flag` and `--flag=true|false` (so a default-on flag
 * reads naturally as `--ssl-redirect=false`). A flag given twice: the last one wins, unless it is
 * repeatable. Env values of repeatable flags are comma-separated.
 */
export function parseWith<T extends FlagTable>(
  table: T,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): { config: ConfigOf<T>; positionals: string[]; help: boolean } {
  const specs = Object.entries(table);
  const booleans = new Set(specs.filter(([, f]) => f.type.parseArgs.type === 'boolean').map(([, f]) => f.flag));
  const args = argv.map((a) => {
    const m = /^--([a-z0-9-]+)=(true|false)$/.exec(a);
    if (m && booleans.has(m[1])) return m[2] === 'true' ? `--${m[1]}` : `--no-${m[1]}`;
    return a;
  });
  const options = Object.fromEntries([
    ['help', HELP],
    ...specs.map(([, f]) => [f.flag, { ...f.type.parseArgs, ...(f.short ? { short: f.short } : {}) }]),
  ]) as Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, allowNegative: true, strict: true });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const config: Record<string, unknown> = {};
  for (const [key, f] of specs) {
    const raw = rawOf(values[f.flag], f, env);
    config[key] = raw === null ? f.default : f.type.read(raw, f.flag);
  }
  return { config: config as ConfigOf<T>, positionals: parsed.positionals, help: values.help === true };
}

function rawOf(v: string | boolean | string[] | undefined, f: FlagSpec<unknown>, env: Readonly<Record<string, string | undefined>>): string[] | null {
  if (typeof v === 'boolean') return [String(v)];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v;
  const e = f.env === undefined ? undefined : env[f.env];
  if (e === undefined || e === '') return null;
  return f.type.parseArgs.multiple ? e.split(',').map((s) => s.trim()) : [e];
}

/** What the default is, in words, or null when there is nothing to say. */
function defaultOf(f: FlagSpec<unknown>): string | null {
  if (f.defaultText !== undefined) return f.defaultText;
  if (f.type.parseArgs.type === 'boolean') return f.default === true ? `on; --${f.flag}=false turns it off` : 'off';
  return f.type.show(f.default);
}

function usageOf(f: FlagSpec<unknown>): string {
  return f.type.metavar ? `--${f.flag} ${f.type.metavar}` : `--${f.flag}`;
}

export function helpOf(table: FlagTable): string {
  const lines = Object.values(table).map((f) => {
    const d = defaultOf(f);
    const extra = [d === null ? null : `default ${d}`, f.env ? `env ${f.env}` : null].filter((x) => x !== null);
    return `  ${usageOf(f).padEnd(36)} ${f.help}${extra.length ? ` (${extra.join('; ')})` : ''}`;
  });
  lines.push(`  ${'-h, --help'.padEnd(36)} show help`);
  return lines.join('\n');
}

/** The README's flag reference: a Markdown table, one row per flag, in table order. */
export function markdownOf(table: FlagTable): string {
  const cell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('*', '\\*');
  const rows = Object.values(table).map((f) => {
    const d = defaultOf(f);
    const env = f.env ? ` (env \`${f.env}\`)` : '';
    return `| \`${cell(usageOf(f))}\` | ${d === null ? '—' : cell(d)} | ${cell(f.help)}${env} |`;
  });
  return ['| flag | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
