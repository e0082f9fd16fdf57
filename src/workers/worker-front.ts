// What the primary decides before forking its workers (README "Worker processes"): the ports they
// all bind, each worker's V8 heap bound, and the init message carrying the process config.
import { createServer } from 'node:net';
import { defaultOldSpaceMb, reusePortPlatform, type CgroupReader } from './worker-count.ts';
import type { WorkerAccept, WorkerInit } from './protocol.ts';

/**
 * Port 0 means "any free port" to one process, but N processes asking for it get N different
 * ports. The primary picks one (bind, read, close) and hands the number to every worker.
 */
export async function concretePort(host: string, port: number): Promise<number> {
  if (port !== 0) return port;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ host, port: 0 }, resolve);
  });
  const chosen = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return chosen;
}

/**
 * `--worker-accept auto`: SO_REUSEPORT where Node has it (worker-count.ts reusePortPlatform) and a
 * test bind with it succeeds on `host` (a kernel or sandbox may refuse the option); else the
 * primary accepts (primary-accept.ts).
 */
export async function reusePortWorks(host: string, platform: string = process.platform): Promise<boolean> {
  if (!reusePortPlatform(platform)) return false;
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ host, port: 0, reusePort: true }, resolve);
    });
    return true;
  } catch {
    return false;
  } finally {
    await new Promise<void>((resolve) => (probe.listening ? probe.close(() => resolve()) : resolve()));
  }
}

/** `--max-old-space-size` of each worker: the flag, else from the cgroup memory limit (worker-count.ts). */
export function workerExecArgv(maxOldSpaceMb: number | null, workers: number, cgroup?: CgroupReader): string[] {
  const mb = maxOldSpaceMb ?? defaultOldSpaceMb(workers, cgroup);
  return mb === null ? [] : [`--max-old-space-size=${mb}`];
}

export function initMessage<C>(id: number, config: C, ports: WorkerInit['ports'], accept: WorkerAccept = 'reuseport'): WorkerInit<C> {
  return { t: 'init', id, config, ports, accept };
}
