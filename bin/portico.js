#!/usr/bin/env node
// Entry for `npx portico` and `npm start`: npm puts the pinned Node 24 (devDependency `node`) first
// on PATH, and Node ≥ 22.19 runs the TypeScript sources directly.
import { existsSync } from 'node:fs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`portico: Node ${process.versions.node} is too old; Node >= 22.19 runs Portico (npx/npm scripts use the pinned Node 24)\n`);
  process.exit(2);
}

// Memory under connection bursts (docs/benchmarks/memory.md): `serve` gets the container image's
// two settings outside the image too, since neither can be changed once Node has started: the
// allocator is chosen by the dynamic loader (LD_PRELOAD) and V8 sizes its young generation when the
// heap is created. jemalloc returns a burst's freed native memory to the kernel where glibc malloc
// keeps its heap at the high-water mark, and an 8 MiB semi-space keeps a burst from growing the
// young generation to 128 MiB of pages that stay resident. NODE_OPTIONS carries the semi-space cap
// so the forked worker processes get it too. process.execve replaces this process (same pid, so
// signals and supervisors see no difference); it runs once, and only what the operator has not set
// is added. PORTICO_MEMORY_DEFAULTS=off keeps Node's and the system's defaults (and V8's own memory
// reducer, src/util/idle-memory.ts); PORTICO_JEMALLOC=off keeps the system allocator only.
const JEMALLOC = ['/usr/local/lib/libjemalloc.so.2', `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/libjemalloc.so.2`,
  '/usr/lib64/libjemalloc.so.2', '/usr/lib/libjemalloc.so.2'];
const env = process.env;
if (process.argv[2] === 'serve' && env.PORTICO_MEMORY_DEFAULTS !== 'off' && env.PORTICO_MEMORY_DEFAULTS !== 'applied'
  && process.platform === 'linux' && typeof process.execve === 'function') {
  const next = { ...env, PORTICO_MEMORY_DEFAULTS: 'applied' };
  let changed = false;
  if (![...process.execArgv, env.NODE_OPTIONS ?? ''].some((a) => a.includes('semi-space-size'))) {
    next.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --max-semi-space-size=8`.trim();
    changed = true;
  }
  const jemalloc = env.LD_PRELOAD || env.PORTICO_JEMALLOC === 'off' ? undefined : JEMALLOC.find((p) => existsSync(p));
  if (jemalloc !== undefined) {
    next.LD_PRELOAD = jemalloc;
    changed = true;
  }
  if (changed) process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], next);
}
await import('../src/main.ts');
