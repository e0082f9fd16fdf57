// The value types a flag can have: how its text is read and validated, and how its default is shown
// in `--help` and the README. The flag table (flags.ts) picks one per flag.
import { parseDuration } from './duration.ts';
import { parseCidrList } from '../k8s/annotations/cidr.ts';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ValueType<T> {
  /** How node:util parseArgs reads it. */
  readonly parseArgs: { readonly type: 'string' | 'boolean'; readonly multiple?: true };
  /** The placeholder after the flag in `--help` (empty for booleans). */
  readonly metavar: string;
  /**
   * Text → value. `raw` holds the flag's text (every occurrence for a repeatable flag, `'true'` or
   * `'false'` for a boolean); `flag` is the flag's name for error messages.
   */
  read(raw: readonly string[], flag: string): T;
  /** A default shown to people; null shows nothing (no default worth saying). */
  show(v: T): string | null;
}

const last = (raw: readonly string[]): string => raw[raw.length - 1];

export const text: ValueType<string> = {
  parseArgs: { type: 'string' },
  metavar: 'TEXT',
  read: last,
  show: (v) => v,
};

export const optionalText: ValueType<string | null> = {
  parseArgs: { type: 'string' },
  metavar: 'TEXT',
  read: last,
  show: (v) => v,
};

export const boolean: ValueType<boolean> = {
  parseArgs: { type: 'boolean' },
  metavar: '',
  read: (raw) => last(raw) === 'true',
  show: (v) => String(v),
};

function readPort(s: string, flag: string): number {
  const p = Number(s);
  if (!Number.isInteger(p) || p < 0 || p > 65535) throw new ConfigError(`--${flag} ${JSON.stringify(s)} is not a port`);
  return p;
}

export const port: ValueType<number> = {
  parseArgs: { type: 'string' },
  metavar: 'PORT',
  read: (raw, flag) => readPort(last(raw), flag),
  show: (v) => String(v),
};

/** A port, or `off` (null) to not open that listener. */
export const portOrOff: ValueType<number | null> = {
  parseArgs: { type: 'string' },
  metavar: 'PORT|off',
  read: (raw, flag) => (last(raw) === 'off' ? null : readPort(last(raw), flag)),
  show: (v) => (v === null ? 'off' : String(v)),
};

/** A port whose absence (null) means something the help text says. */
export const optionalPort: ValueType<number | null> = {
  parseArgs: { type: 'string' },
  metavar: 'PORT',
  read: (raw, flag) => readPort(last(raw), flag),
  show: (v) => (v === null ? null : String(v)),
};

/** Milliseconds, written `250ms`, `30s`, `5m`, `1h`, `1h30m` or bare seconds. */
export const duration: ValueType<number> = {
  parseArgs: { type: 'string' },
  metavar: 'DURATION',
  read: (raw, flag) => {
    try {
      return parseDuration(last(raw));
    } catch (err) {
      throw new ConfigError(`--${flag}: ${(err as Error).message}`);
    }
  },
  show: formatDuration,
};

/** Bytes, written like ingress-nginx's parser.SizeRegex `^(?i)\d+[bkmg]?$` (1024-based). */
export const size: ValueType<number> = {
  parseArgs: { type: 'string' },
  metavar: 'SIZE',
  read: (raw, flag) => {
    const s = last(raw);
    const m = /^(\d{1,15})([bkmg]?)$/i.exec(s.trim());
    if (m === null) throw new ConfigError(`--${flag} ${JSON.stringify(s)} is not a size (e.g. 8m, 512k; 0 = unlimited)`);
    return Number(m[1]) * ({ '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as Record<string, number>)[m[2].toLowerCase()];
  },
  show: (v) => String(v),
};

export const count: ValueType<number> = {
  parseArgs: { type: 'string' },
  metavar: 'N',
  read: (raw, flag) => {
    const s = last(raw);
    const x = Number(s);
    if (!Number.isInteger(x) || x < 0) throw new ConfigError(`--${flag} ${JSON.stringify(s)} is not a non-negative integer`);
    return x;
  },
  show: (v) => String(v),
};

/** An integer ≥ 1. */
export const positive: ValueType<number> = {
  parseArgs: { type: 'string' },
  metavar: 'N',
  read: (raw, flag) => {
    const s = last(raw);
    const x = Number(s);
    if (!Number.isInteger(x) || x < 1) throw new ConfigError(`--${flag} ${JSON.stringify(s)} is not a positive integer`);
    return x;
  },
  show: (v) => String(v),
};

/** `namespace/name` of a Kubernetes object (DNS-1123 label / subdomain). */
export const objectRef: ValueType<string | null> = {
  parseArgs: { type: 'string' },
  metavar: 'NS/NAME',
  read: (raw, flag) => {
    const s = last(raw);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(s)) throw new ConfigError(`--${flag} ${JSON.stringify(s)} must be namespace/name`);
    return s;
  },
  show: (v) => v,
};

/** Repeatable free text. */
export const list: ValueType<readonly string[]> = {
  parseArgs: { type: 'string', multiple: true },
  metavar: 'TEXT',
  read: (raw) => [...raw],
  show: (v) => (v.length === 0 ? null : v.join(', ')),
};

/** Repeatable CIDR (a bare address is a /32 or /128). */
export const cidrList: ValueType<readonly string[]> = {
  parseArgs: { type: 'string', multiple: true },
  metavar: 'CIDR',
  read: (raw, flag) => {
    for (const c of raw) if (!isCidr(c)) throw new ConfigError(`--${flag} ${JSON.stringify(c)} is not a CIDR (e.g. 10.0.0.0/8)`);
    return [...raw];
  },
  show: (v) => (v.length === 0 ? null : v.join(', ')),
};

/** An HTTP status code a limit answers with (4xx or 5xx, RFC 9110 §15). */
export const errorStatus: ValueType<number> = {
  parseArgs: { type: 'string' },
  metavar: 'STATUS',
  read: (raw, flag) => {
    const s = last(raw);
    const x = Number(s);
    if (!Number.isInteger(x) || x < 400 || x > 599) throw new ConfigError(`--${flag} ${JSON.stringify(s)} is not a 4xx or 5xx status`);
    return x;
  },
  show: (v) => String(v),
};

/** Source ranges (README "Access control"): comma-separated or repeated, normalised like the annotations. */
export const sourceRanges: ValueType<readonly string[]> = {
  parseArgs: { type: 'string', multiple: true },
  metavar: 'CIDR[,CIDR]',
  read: (raw, flag) => {
    if (raw.length === 0) return [];
    const r = parseCidrList(raw.join(','));
    if ('error' in r) throw new ConfigError(`--${flag}: ${r.error}`);
    return r.value;
  },
  show: (v) => (v.length === 0 ? null : v.join(', ')),
};

function isCidr(s: string): boolean {
  const m = /^(.+)\/(\d{1,3})$/.exec(s);
  const addr = m ? m[1] : s;
  const bits = m ? Number(m[2]) : addr.includes(':') ? 128 : 32;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(addr)) return bits <= 32 && addr.split('.').every((x) => Number(x) <= 255);
  return addr.includes(':') && bits <= 128 && /^[0-9a-fA-F:.]+$/.test(addr);
}

/** 3_600_000 → `1h`, 30_000 → `30s`, 1500 → `1500ms`: the largest unit that divides exactly. */
export function formatDuration(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** One of a closed set of words. */
export function oneOf<const T extends string>(values: readonly T[]): ValueType<T> {
  return {
    parseArgs: { type: 'string' },
    metavar: values.join('|'),
    read: (raw, flag) => {
      const v = last(raw);
      if (!(values as readonly string[]).includes(v)) throw new ConfigError(`--${flag} ${JSON.stringify(v)}: expected ${values.join(', ')}`);
      return v as T;
    },
    show: (v) => v,
  };
}

/** Repeatable words from a closed set; each occurrence may also be a comma-separated list. */
export function wordList<const W extends string>(words: readonly W[]): ValueType<readonly W[]> {
  return {
    parseArgs: { type: 'string', multiple: true },
    metavar: 'LIST',
    read: (raw, flag) => {
      const out: W[] = [];
      for (const part of raw.flatMap((r) => r.split(',')).map((s) => s.trim()).filter(Boolean)) {
        if (!(words as readonly string[]).includes(part)) throw new ConfigError(`--${flag} ${JSON.stringify(part)}: expected some of ${words.join(', ')}`);
        if (!out.includes(part as W)) out.push(part as W);
      }
      return out;
    },
    show: (v) => (v.length === 0 ? null : v.join(',')),
  };
}

/** A number from 0 to 1. */
export const ratio: ValueType<number> = {
  parseArgs: { type: 'string' },
  metavar: 'RATIO',
  read: (raw, flag) => {
    const s = last(raw);
    const x = Number(s);
    if (s.trim() === '' || !Number.isFinite(x) || x < 0 || x > 1) throw new ConfigError(`--${flag} ${JSON.stringify(s)} is not a number from 0 to 1`);
    return x;
  },
  show: (v) => String(v),
};

/** An http(s) URL, or null when absent. */
export const optionalUrl: ValueType<string | null> = {
  parseArgs: { type: 'string' },
  metavar: 'URL',
  read: (raw, flag) => {
    const s = last(raw);
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new ConfigError(`--${flag} ${JSON.stringify(s)} is not a URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`--${flag} ${JSON.stringify(s)}: http or https only`);
    return s;
  },
  show: (v) => v,
};

/** A process count, or `auto` (the caller resolves it: `--workers`). */
export const countOrAuto: ValueType<number | 'auto'> = {
  parseArgs: { type: 'string' },
  metavar: 'N|auto',
  read: (raw, flag) => {
    const s = last(raw);
    if (s === 'auto') return 'auto';
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1 || n > 1024) throw new ConfigError(`--${flag} ${JSON.stringify(s)} is not a count from 1 to 1024 or auto`);
    return n;
  },
  show: (v) => String(v),
};

/** A size in MiB whose absence (null) means something the help text says. */
export const optionalMebibytes: ValueType<number | null> = {
  parseArgs: { type: 'string' },
  metavar: 'MiB',
  read: (raw, flag) => {
    const s = last(raw);
    const n = Number(s);
    if (!Number.isInteger(n) || n < 16) throw new ConfigError(`--${flag} ${JSON.stringify(s)} is not a size in MiB (16 or more)`);
    return n;
  },
  show: (v) => (v === null ? null : String(v)),
};
