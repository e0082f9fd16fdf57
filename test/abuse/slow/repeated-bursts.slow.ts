// Abuse suite, slow part (npm run test:abuse; not in npm test): six bursts of 10,000 keep-alive
// connections in a row against `node bin/portico.js serve` with nothing set (the defaults
// bin/portico.js and src/util/idle-memory.ts apply; docs/benchmarks/memory.md). After each burst
// the process tree is left idle for SETTLE_S and its RSS read: memory a burst took must come back
// before the next one, so RSS does not ratchet up burst after burst. Without the idle memory
// reducer the six readings climbed 565 -> 882 MiB (docs/benchmarks/memory.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bareEnv, burst, MiB, rss, sleep, startPortico } from '../portico-process.ts';

const CONNECTIONS = Number(process.env.BURST_CONNECTIONS ?? 10_000);
const BURSTS = 6;
// The idle check runs every 2 s and V8's memory reducer every 8 s: its collections are done well
// within 15 s of the last connection closing.
const SETTLE_S = 15;

test(`six bursts of ${CONNECTIONS} keep-alive connections: RSS after the last within 1.2x of RSS after the first`, { timeout: 600_000 }, async (t) => {
  const p = await startPortico('bin/portico.js', bareEnv());
  try {
    for (const s of await burst(p.httpPort, 500)) s.destroy();
    await sleep(2000);
    const before = rss(p.pid);
    const after: number[] = [];
    const peaks: number[] = [];
    for (let i = 0; i < BURSTS; i++) {
      const socks = await burst(p.httpPort, CONNECTIONS);
      peaks.push(rss(p.pid));
      for (const s of socks) s.destroy();
      await sleep(SETTLE_S * 1000);
      after.push(rss(p.pid));
      t.diagnostic(`burst ${i + 1}: ${CONNECTIONS} connections answered; RSS peak ${Math.round(peaks[i] / MiB)} MiB, ${SETTLE_S} s after ${Math.round(after[i] / MiB)} MiB`);
    }
    const mib = (xs: number[]): string => xs.map((x) => Math.round(x / MiB)).join(' / ');
    t.diagnostic(`sent: ${BURSTS} x ${CONNECTIONS} connections (GET /delay/100, keep-alive, all open until all answered), ${SETTLE_S} s idle after each`);
    t.diagnostic(`got:  RSS before ${Math.round(before / MiB)} MiB; peaks ${mib(peaks)} MiB; after each ${mib(after)} MiB; last/first ${(after[BURSTS - 1] / after[0]).toFixed(2)}x, last/before ${(after[BURSTS - 1] / before).toFixed(2)}x`);
    assert.ok(after[BURSTS - 1] <= 1.2 * after[0], `RSS after the last burst ${after[BURSTS - 1]} > 1.2 x ${after[0]} after the first`);
    assert.ok(after[BURSTS - 1] <= 1.5 * before, `RSS after the last burst ${after[BURSTS - 1]} > 1.5 x ${before} before the bursts`);
  } finally {
    await p.close();
  }
});
