// WebSocket round-trip driver for bench/run.sh (docs/benchmarks/http.md "WebSocket message round-trips"):
// CONNS connections, each sends one message, waits for the echo, sends the next (closed loop,
// like wrk). Prints the same RESULT line as bench/lua/spread.lua so run.sh treats it alike:
//   RESULT <round-trips/s> <p50 µs> <p99 µs> <errors> 0 <round-trips> <duration µs>
//
// Usage: node bench/lib/ws-driver.ts --url ws://127.0.0.1:P/ [--host ws.bench.test]
//          [--conns 50] [--seconds 5] [--size 128]
// Every run is bounded: it stops after --seconds (+5 s to connect at most) whatever happens.

import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { values: a } = parseArgs({
  options: {
    url: { type: 'string' },
    host: { type: 'string' },
    conns: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '5' },
    size: { type: 'string', default: '128' },
    insecure: { type: 'boolean', default: false },
  },
});
if (!a.url) {
  process.stderr.write('usage: ws-driver.ts --url ws://127.0.0.1:PORT/ [--host H]\n');
  process.exit(2);
}
const conns = Number(a.conns);
const seconds = Number(a.seconds);
const payload = Buffer.alloc(Number(a.size), 'x');
const MAX_SAMPLES = 4_000_000;
const samples = new Float64Array(MAX_SAMPLES);
let count = 0;
let errors = 0;
let running = false;
let t0 = 0n;
const sockets: WebSocket[] = [];

function open(): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(a.url!, {
      headers: a.host ? { host: a.host } : {},
      perMessageDeflate: false,
      rejectUnauthorized: !a.insecure,
    });
    let sent = 0n;
    const send = (): void => {
      sent = process.hrtime.bigint();
      ws.send(payload);
    };
    ws.on('open', () => {
      sockets.push(ws);
      resolve();
    });
    ws.on('message', () => {
      if (!running) return;
      const now = process.hrtime.bigint();
      if (count < MAX_SAMPLES) samples[count] = Number(now - sent) / 1000;
      count++;
      send();
    });
    ws.on('error', () => {
      errors++;
      resolve();
    });
    (ws as WebSocket & { kick?: () => void }).kick = send;
  });
}

const hardStop = setTimeout(() => finish(), (seconds + 5) * 1000);
await Promise.all(Array.from({ length: conns }, open));
running = true;
t0 = process.hrtime.bigint();
for (const ws of sockets) (ws as WebSocket & { kick?: () => void }).kick?.();
setTimeout(() => finish(), seconds * 1000);

function finish(): void {
  clearTimeout(hardStop);
  running = false;
  const durUs = t0 === 0n ? 0 : Number(process.hrtime.bigint() - t0) / 1000;
  const n = Math.min(count, MAX_SAMPLES);
  const sorted = samples.subarray(0, n).sort();
  const pct = (p: number): number => (n === 0 ? 0 : Math.round(sorted[Math.min(n - 1, Math.floor((p / 100) * n))]));
  const rate = durUs > 0 ? count / (durUs / 1e6) : 0;
  process.stdout.write(`RESULT ${rate.toFixed(2)} ${pct(50)} ${pct(99)} ${errors + (conns - sockets.length)} 0 ${count} ${Math.round(durUs)}\n`);
  for (const ws of sockets) ws.terminate();
  process.exit(0);
}
