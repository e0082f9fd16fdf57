// WorkerPool against scripted worker processes (fixtures/scripted-worker.ts): what the primary does
// with a malformed message, a worker that cannot bind, an apply that fails in a worker, and the
// same diagnostic from every worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WorkerPool } from '../../src/workers/worker-pool.ts';
import { initMessage } from '../../src/workers/worker-front.ts';
import { WorkerRuntime } from '../../src/workers/worker-runtime.ts';
import { emptySnapshot } from '../../src/model/snapshot.ts';
import type { Dataplane } from '../../src/model/dataplane.ts';
import { createLogger } from '../../src/util/logger.ts';
import { Metrics } from '../../src/util/metrics.ts';
import { until } from './support.ts';

const entry = fileURLToPath(new URL('./fixtures/scripted-worker.ts', import.meta.url));

function pool(mode: string, count = 1) {
  const logs: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => logs.push(c.toString('utf8')));
  const metrics = new Metrics({ defaultMetrics: false });
  const p = new WorkerPool({
    count, entry, execArgv: [], initFor: (id) => initMessage(id, { mode }, { http: 1, https: null }),
    logger: createLogger({ level: 'info', destination: stream }), metrics, ackTimeoutMs: 2000, drainTimeoutMs: 100,
    healthCheckers: () => ({ sync: () => {}, close: () => {} }),
  });
  return { p, logs, metrics };
}

test('a malformed message from a worker is counted and logged by its type, never its content, and the worker keeps serving', async () => {
  const { p, logs, metrics } = pool('garbage');
  await p.start();
  assert.deepEqual(await p.apply(emptySnapshot(1), new Map()), { diagnostics: [] });
  assert.equal(p.isServing(), true);
  assert.deepEqual(p.servedBy(), { 'worker-1': 1 });
  await until(() => logs.join('').includes('malformed'), 2000, 'the log line');
  const text = await metrics.registry.metrics();
  assert.match(text, /portico_worker_ipc_malformed_total\{side="primary"\} 2/);
  assert.doesNotMatch(logs.join(''), /PRIVATE KEY/);
  const merged = await p.metricsText();
  assert.match(merged.body, /portico_http_requests_total 5/);
  assert.match(merged.body, /portico_worker_http_requests\{worker="1"\} 5/);
  p.updateEndpoints('unknown', []);
  await p.close(100);
  assert.deepEqual(p.view(), [{ worker: 1, pid: p.view()[0].pid, alive: false, servedVersion: 1 }]);
});

test('a worker that cannot bind fails the start with the bind error', async () => {
  const { p } = pool('listen-fails', 2);
  await assert.rejects(p.start(), /EADDRINUSE/);
});

test('an apply that throws in a worker fails the pool apply (the controller keeps the previous version)', async () => {
  const { p } = pool('apply-fails');
  await p.start();
  await assert.rejects(p.apply(emptySnapshot(1), new Map()), /apply failed in worker\(s\) 1 \(l4\)/);
  await p.close(100);
});

test('every worker reports the same ListenFailed: the controller gets it once', async () => {
  const { p } = pool('diagnostics', 2);
  await p.start();
  const r = await p.apply(emptySnapshot(1), new Map([['c', []]]));
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0].reason, 'ListenFailed');
  await p.close(100);
});

test('worker side: a malformed message from the primary is counted and logged, the next one still applies', async () => {
  const calls: string[] = [];
  const target: Dataplane = {
    name: 'probe',
    apply: (s) => {
      calls.push(`apply ${s.version}`);
      if (s.version === 2) throw new Error('boom');
      return { diagnostics: [] };
    },
    updateEndpoints: (id) => void calls.push(`endpoints ${id}`),
    close: async () => {},
  };
  const broken: Dataplane = { ...target, name: 'broken', apply: () => ({ diagnostics: [] }), updateEndpoints: () => { throw new Error('x'); } };
  const sent: unknown[] = [];
  const metrics = new Metrics({ defaultMetrics: false });
  let drained = 0;
  const rt = new WorkerRuntime({ targets: [target, broken], setUnhealthy: (plane, id, ids) => void calls.push(`health ${plane} ${id} ${ids.join(',')}`),
    close: async () => { calls.push('close'); } }, {
    send: (m) => void sent.push(m), logger: createLogger({ level: 'silent' }), metrics, onDrained: () => void drained++,
  });
  rt.handle({ t: 'apply', snapshot: 'no' });
  rt.handle({ t: 'init', id: 1, config: {}, ports: { http: 1, https: null } });
  rt.handle({ t: 'apply', snapshot: emptySnapshot(1), endpoints: new Map() });
  rt.handle({ t: 'apply', snapshot: emptySnapshot(2), endpoints: new Map() });
  rt.handle({ t: 'endpoints', clusterId: 'c', endpoints: [] });
  rt.handle({ t: 'health', plane: 'l4', clusterId: 'c', unhealthy: ['e1'] });
  rt.handle({ t: 'health', plane: 'dns', clusterId: 'c', unhealthy: [] });
  rt.handle({ t: 'metrics', seq: 9 });
  await until(() => sent.length === 3, 2000, 'two acks and a metrics reply');
  assert.deepEqual(sent.filter((m) => (m as { t: string }).t === 'applied'), [
    { t: 'applied', version: 1, diagnostics: [], failed: [] },
    { t: 'applied', version: 2, diagnostics: [], failed: ['probe'] },
  ]);
  assert.match(await metrics.registry.metrics(), /portico_worker_ipc_malformed_total\{side="worker"\} 3/);
  rt.handle({ t: 'drain', drainMs: 0 });
  await rt.drain(0);
  assert.equal(drained, 1);
  assert.ok(calls.includes('endpoints c') && calls.includes('health l4 c e1') && calls.includes('close'));
});
