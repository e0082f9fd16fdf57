// Memory back after a burst (docs/benchmarks/memory.md, "After the burst: V8's memory reducer").
// Once a burst of connections is over, what keeps a process's RSS up is mostly old-space garbage:
// V8's memory reducer, which is meant to collect it when a process goes quiet, starts its
// collections only when it judges the allocation rate low or the process in the background, and
// with no allocation at all after the burst its estimate stays at the burst's rate; only its
// watchdog collects, about 100 s later (V8 src/heap/memory-reducer.cc, kWatchdogDelayMs). V8 treats
// `--optimize-for-size` as "optimise for memory" there, so this sets it while the event loop is idle
// and clears it as soon as it is not: the reducer then runs its collections (incremental,
// memory-reducing, at most a few) within one of its 8 s timer periods. Running with the flag set
// all the time halved HTTP throughput in the same measurement; set and cleared, it left it as it was.
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';

/** Event-loop utilisation below which the process counts as idle (a quiet keep-alive or scrape is far below). */
const IDLE_UTILISATION = 0.01;
const PERIOD_MS = 2000;

let running = false;

/** Once per process: mark V8 "optimise for memory" while the event loop is idle. */
export function reduceMemoryWhenIdle(): void {
  if (running) return;
  running = true;
  let last = performance.eventLoopUtilization();
  let idle = false;
  setInterval(() => {
    const now = performance.eventLoopUtilization();
    const quiet = performance.eventLoopUtilization(now, last).utilization < IDLE_UTILISATION;
    last = now;
    if (quiet === idle) return;
    idle = quiet;
    setFlagsFromString(quiet ? '--optimize-for-size' : '--no-optimize-for-size');
  }, PERIOD_MS).unref();
}
