import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Where JSON lines go; default stdout. Tests pass a stream to read them back. */
  destination?: NodeJS.WritableStream;
}

/** JSON lines (issue #2 item 8). Certificates and keys are never passed to it. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.PORTICO_LOG_LEVEL ?? 'info';
  return opts.destination
    ? pino({ level, base: { name: 'portico' } }, opts.destination)
    : pino({ level, base: { name: 'portico' } });
}

/** A logger that writes nothing, for tests and tools that only want diagnostics. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
