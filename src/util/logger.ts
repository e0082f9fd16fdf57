import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Where JSON lines go; default stdout. Tests pass a stream to read them back. */
  destination?: NodeJS.WritableStream;
}

/**
 * JSON lines (README "Admin server"). Certificates and keys are never passed to it.
 * Stdout is written asynchronously in 4 KiB batches: the access log is one line per request, and
 * a synchronous write() per line would put a syscall on every request's path (ARCHITECTURE.md
 * hot-path rule 8). `flushLogger` runs at shutdown so the last lines are not lost.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.PORTICO_LOG_LEVEL ?? 'info';
  const base = { level, base: { name: 'portico' } };
  if (opts.destination) return pino(base, opts.destination);
  const dest = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  // A quiet gateway must still show its lines promptly: flush the batch at least every second.
  setInterval(() => {
    try {
      dest.flush();
    } catch {
      /* not writable yet: the next tick retries */
    }
  }, 1000).unref();
  return pino(base, dest);
}

/** Write out buffered lines (call before exit). */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    try {
      logger.flush((err) => {
        void err;
        resolve();
      });
    } catch {
      resolve();
    }
  });
}

/** A logger that writes nothing, for tests and tools that only want diagnostics. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
