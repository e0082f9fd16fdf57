// How many worker processes `--workers auto` means, and how much heap each may take, from what the
// kernel grants this process: CPU affinity (os.availableParallelism) and the cgroup v2 limits a
// container runtime writes (cpu.max, memory.max; kernel docs admin-guide/cgroup-v2.rst "CPU" and
// "Memory Interface Files").
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Reads one cgroup v2 interface file of this process's cgroup; null when absent (cgroup v1, macOS). */
export type CgroupReader = (file: 'cpu.max' | 'memory.max') => string | null;

function readOwnCgroup(file: 'cpu.max' | 'memory.max'): string | null {
  try {
    // /proc/self/cgroup on a v2 host is one line `0::/path`; inside a container the namespace root.
    const line = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'));
    const path = line === undefined ? '' : line.slice(3).trim();
    for (const dir of [`/sys/fs/cgroup${path === '/' ? '' : path}`, '/sys/fs/cgroup']) {
      try {
        return readFileSync(`${dir}/${file}`, 'utf8').trim();
      } catch {
        // next candidate
      }
    }
  } catch {
    // not Linux
  }
  return null;
}

/** `cpu.max` is `$MAX $PERIOD` or `max $PERIOD`: the quota in CPUs, or null when unlimited. */
export function cpuQuota(cpuMax: string | null): number | null {
  if (cpuMax === null) return null;
  const [max, period] = cpuMax.split(/\s+/);
  const q = Number(max);
  const p = Number(period ?? '100000');
  if (max === 'max' || !Number.isFinite(q) || !Number.isFinite(p) || q <= 0 || p <= 0) return null;
  return q / p;
}

/** `memory.max` in bytes, or null when `max` (unlimited) or unreadable. */
export function memoryLimit(memoryMax: string | null): number | null {
  if (memoryMax === null || memoryMax === 'max') return null;
  const n = Number(memoryMax);
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** What one more process costs at least (heap, code, buffers): `auto` never starts more than fit. */
export const MIN_PROCESS_BYTES = 128 * 1024 * 1024;

/**
 * `auto`: the CPUs this process may run on, capped by the CFS quota rounded up (a 1.5-CPU quota
 * still gets two workers; nginx's `worker_processes auto` counts CPUs and ignores the quota, which
 * over-subscribes) and by the memory limit (the primary and each worker at least
 * MIN_PROCESS_BYTES: a 64-CPU node with a 768 MiB limit gets 5 workers, not 64), at least 1.
 */
export function resolveWorkerCount(value: number | 'auto', cpus = availableParallelism(), cgroup: CgroupReader = readOwnCgroup): number {
  if (value !== 'auto') return Math.max(1, value);
  const quota = cpuQuota(cgroup('cpu.max'));
  const mem = memoryLimit(cgroup('memory.max'));
  const byMemory = mem === null ? Infinity : Math.floor(mem / MIN_PROCESS_BYTES) - 1;
  return Math.max(1, Math.min(cpus, quota === null ? cpus : Math.ceil(quota), byMemory));
}

/**
 * Default `--max-old-space-size` (MiB) of each worker: 3/4 of the container memory limit shared by
 * the primary and N workers (the rest is new space, buffers, code and the primary), null when
 * there is no limit (V8's own heuristic then).
 */
export function defaultOldSpaceMb(workers: number, cgroup: CgroupReader = readOwnCgroup): number | null {
  const limit = memoryLimit(cgroup('memory.max'));
  if (limit === null) return null;
  return Math.max(64, Math.floor((limit * 0.75) / (workers + 1) / (1024 * 1024)));
}

/**
 * Where Node's `reusePort` works (Node docs, net `server.listen` `reusePort`: Linux 3.9+,
 * DragonFlyBSD 3.6+, FreeBSD 12.0+, Solaris 11.4, AIX 7.2.5+; it raises an error elsewhere).
 * Elsewhere (macOS, Windows: development machines) `--worker-accept auto` has the primary accept
 * and hand connections to the workers (primary-accept.ts).
 */
export function reusePortPlatform(platform: string): boolean {
  return ['linux', 'freebsd', 'sunos', 'aix'].includes(platform);
}
