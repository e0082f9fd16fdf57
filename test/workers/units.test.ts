// The pure parts of worker processes: how many (`--workers auto`), how much heap, the IPC message
// checks and the /metrics merge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { cpuQuota, defaultOldSpaceMb, memoryLimit, resolveWorkerCount } from '../../src/workers/worker-count.ts';
import { reusePortWorks } from '../../src/workers/worker-front.ts';
import { PrimaryAccept } from '../../src/workers/primary-accept.ts';
import { createLogger } from '../../src/util/logger.ts';
import net from 'node:net';
import { messageKind, parseFromWorker, parseToWorker } from '../../src/workers/protocol.ts';
import { counterTotal, labelGauges, mergeMetrics } from '../../src/workers/metrics-merge.ts';
import { workerExecArgv, concretePort } from '../../src/workers/worker-front.ts';
import { emptySnapshot } from '../../src/model/snapshot.ts';
import { parseFlags } from '../../src/config/config.ts';

const cg = (cpu: string | null, mem: string | null = null) => (f: 'cpu.max' | 'memory.max') => (f === 'cpu.max' ? cpu : mem);

test('--workers auto: CPUs available, capped by the cgroup v2 cpu.max quota rounded up, at least 1', () => {
  assert.equal(resolveWorkerCount('auto', 8, cg(null)), 8);
  assert.equal(resolveWorkerCount('auto', 8, cg('max 100000')), 8);
  assert.equal(resolveWorkerCount('auto', 8, cg('200000 100000')), 2);
  assert.equal(resolveWorkerCount('auto', 8, cg('150000 100000')), 2);
  assert.equal(resolveWorkerCount('auto', 8, cg('10000 100000')), 1);
  assert.equal(resolveWorkerCount('auto', 2, cg('800000 100000')), 2);
  assert.equal(resolveWorkerCount(3, 8, cg('100000 100000')), 3, 'an explicit count is obeyed');
  assert.equal(resolveWorkerCount('auto', 1), 1);
  assert.equal(resolveWorkerCount('auto', 64, cg(null, String(768 * 1024 ** 2))), 5, 'the memory limit caps the count');
  assert.equal(resolveWorkerCount('auto', 64, cg(null, String(100 * 1024 ** 2))), 1);
  assert.ok(resolveWorkerCount('auto') >= 1, 'this machine');
  assert.equal(resolveWorkerCount(4, 8, cg(null)), 4, 'without SO_REUSEPORT too: the primary accepts for them');
  assert.equal(cpuQuota('garbage'), null);
  assert.equal(cpuQuota('-1 100000'), null);
});

test('worker heap: 3/4 of memory.max over workers + 1, V8 default without a limit, the flag wins', () => {
  const gib = String(2 * 1024 ** 3);
  assert.equal(defaultOldSpaceMb(2, cg(null, gib)), 512);
  assert.equal(defaultOldSpaceMb(2, cg(null, 'max')), null);
  assert.equal(defaultOldSpaceMb(64, cg(null, String(64 * 1024 ** 2))), 64, 'never below 64 MiB');
  assert.equal(memoryLimit('0'), null);
  assert.deepEqual(workerExecArgv(null, 2, cg(null, gib)), ['--max-old-space-size=512']);
  assert.deepEqual(workerExecArgv(300, 2, cg(null, gib)), ['--max-old-space-size=300']);
  assert.deepEqual(workerExecArgv(null, 2, cg(null, null)), []);
});

test('flags: --workers N|auto and --worker-max-old-space-size', () => {
  assert.equal(parseFlags(['--workers', 'auto']).config.workers, 'auto');
  assert.equal(parseFlags(['--workers', '4']).config.workers, 4);
  assert.equal(parseFlags([]).config.workers, 'auto');
  assert.throws(() => parseFlags(['--workers', '0']), /not a count/);
  assert.throws(() => parseFlags(['--workers', 'many']), /not a count/);
  assert.equal(parseFlags(['--worker-max-old-space-size', '256']).config.workerMaxOldSpaceSize, 256);
  assert.throws(() => parseFlags(['--worker-max-old-space-size', '1']), /MiB/);
});

test('port 0 becomes one concrete free port every worker binds', async () => {
  const p = await concretePort('127.0.0.1', 0);
  assert.ok(p > 0);
  assert.equal(await concretePort('127.0.0.1', 8080), 8080);
});

test('IPC messages: well-formed ones pass, anything else is null and named by its type only', () => {
  assert.deepEqual(parseFromWorker({ t: 'listening' }), { t: 'listening' });
  assert.ok(parseFromWorker({ t: 'applied', version: 3, diagnostics: [], failed: [] }));
  assert.ok(parseFromWorker({ t: 'listen-failed', error: 'EADDRINUSE' }));
  assert.ok(parseFromWorker({ t: 'metrics', seq: 1, metrics: [] }));
  for (const bad of [null, 'x', [], { t: 'applied', version: 'x', diagnostics: [], failed: [] }, { t: 'applied', version: 1, diagnostics: [], failed: [1] },
    { t: 'listen-failed' }, { t: 'metrics', seq: 1 }, { t: 'nope' }]) assert.equal(parseFromWorker(bad), null, JSON.stringify(bad));
  const snapshot = emptySnapshot(2);
  assert.ok(parseToWorker({ t: 'apply', snapshot, endpoints: new Map() }));
  assert.ok(parseToWorker({ t: 'init', id: 1, config: {}, ports: { http: 80, https: null }, accept: 'reuseport' }));
  assert.ok(parseToWorker({ t: 'init', id: 1, config: {}, ports: { http: 80, https: null }, accept: 'primary' }));
  assert.ok(parseToWorker({ t: 'health', plane: 'http', clusterId: 'a', unhealthy: ['1.2.3.4:80'] }));
  assert.ok(parseToWorker({ t: 'conn', port: 80 }));
  assert.ok(parseToWorker({ t: 'endpoints', clusterId: 'a', endpoints: [] }));
  assert.ok(parseToWorker({ t: 'metrics', seq: 2 }));
  assert.ok(parseToWorker({ t: 'drain', drainMs: 0 }));
  for (const bad of [undefined, { t: 'apply', snapshot, endpoints: {} }, { t: 'apply', snapshot: { version: 1 }, endpoints: new Map() }, { t: 'init', id: 1, config: {}, ports: {} },
    { t: 'init', id: 1, config: {}, ports: { http: 80, https: null }, accept: 'cluster' }, { t: 'health', plane: 'http', clusterId: 'a', unhealthy: [1] },
    { t: 'health', plane: 'udp', clusterId: 'a', unhealthy: [] }, { t: 'conn', port: '80' },
    { t: 'endpoints', clusterId: 1, endpoints: [] }, { t: 'metrics' }, { t: 'drain', drainMs: -1 }, { t: 'other' }]) assert.equal(parseToWorker(bad), null);
  // A key must never reach a log line through a malformed message.
  assert.equal(messageKind({ t: 'apply', key: '-----BEGIN PRIVATE KEY-----' }), 'apply');
  assert.equal(messageKind({ t: '-----BEGIN PRIVATE KEY-----' }), 'object');
  assert.equal(messageKind('secret'), 'string');
});

async function workerRegistry(requests: number, seconds: number[], heap: number): Promise<readonly unknown[]> {
  const r = new Registry();
  new Counter({ name: 'portico_http_requests_total', help: 'h', labelNames: ['code'], registers: [r] }).inc({ code: '2xx' }, requests);
  const h = new Histogram({ name: 'portico_http_request_duration_seconds', help: 'h', buckets: [0.1, 1], registers: [r] });
  for (const s of seconds) h.observe(s);
  new Gauge({ name: 'portico_heap', help: 'h', registers: [r] }).set(heap);
  return r.getMetricsAsJSON();
}

test('/metrics merge: counters summed, histograms merged, gauges per worker', async () => {
  const w1 = { id: 1, metrics: await workerRegistry(3, [0.05, 0.5], 10) };
  const w2 = { id: 2, metrics: [...await workerRegistry(4, [0.05, 5], 20), 'not a metric', { name: 'x' }] };
  const primary = new Registry();
  new Gauge({ name: 'portico_snapshot_version', help: 'h', registers: [primary] }).set(7);
  const text = await mergeMetrics(await primary.getMetricsAsJSON(), [w1, w2]).metrics();
  assert.match(text, /portico_http_requests_total\{code="2xx"\} 7/);
  assert.match(text, /portico_http_request_duration_seconds_bucket\{le="0.1"\} 2/);
  assert.match(text, /portico_http_request_duration_seconds_bucket\{le="1"\} 3/);
  assert.match(text, /portico_http_request_duration_seconds_count 4/);
  assert.match(text, /portico_heap\{worker="1"\} 10/);
  assert.match(text, /portico_heap\{worker="2"\} 20/);
  assert.match(text, /portico_snapshot_version 7/);
  assert.equal(counterTotal(w2, 'portico_http_requests_total'), 4);
  assert.equal(counterTotal(w2, 'absent'), 0);
  assert.equal(labelGauges(w2).length, 3);
  assert.ok(AggregatorRegistry.aggregate([]));
});

test('--worker-accept auto: SO_REUSEPORT where a test bind with it works, the primary accepting elsewhere', async () => {
  assert.equal(await reusePortWorks('127.0.0.1', 'darwin'), false);
  assert.equal(await reusePortWorks('127.0.0.1', 'win32'), false);
  assert.equal(await reusePortWorks('127.0.0.1', 'linux'), process.platform === 'linux');
});

test('primary accepting: a connection no worker can take is closed and counted, never held', async () => {
  let refused = 0;
  const acceptor = new PrimaryAccept(() => null, createLogger({ level: 'silent' }), () => void refused++);
  const port = await acceptor.listen('127.0.0.1', 0);
  const closed = await new Promise<string>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    s.on('close', () => resolve('closed'));
    setTimeout(() => resolve('still open'), 3000).unref();
  });
  assert.notEqual(closed, 'still open');
  assert.equal(refused, 1);
  await acceptor.close();
});
