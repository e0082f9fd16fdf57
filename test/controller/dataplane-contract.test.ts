import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller } from '../../src/controller/controller.ts';
import type { ApplyResult, Dataplane } from '../../src/model/dataplane.ts';
import { diagnostic } from '../../src/model/diagnostic.ts';
import { Store } from '../../src/store/store.ts';
import { defaultTranslateOptions } from '../../src/translate/index.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { Metrics } from '../../src/util/metrics.ts';
import { ingress, ingressClass, service } from '../support/manifests.ts';

const cm = { kind: 'ConfigMap', namespace: 'default', name: 'tcp-services' };

function target(name: string) {
  const state = { fail: false, result: { diagnostics: [] } as ApplyResult, applied: [] as number[] };
  const dp: Dataplane = {
    name,
    apply: (s) => {
      if (state.fail) return Promise.reject(new Error(`${name} refused`));
      state.applied.push(s.version);
      return Promise.resolve(state.result);
    },
    updateEndpoints: () => {},
    close: async () => {},
  };
  return { dp, state };
}

test('each dataplane serves the version it last applied: a failed apply keeps the last good one, and the metric says so', async () => {
  const a = target('a');
  const b = target('b');
  const metrics = new Metrics({ defaultMetrics: false });
  const { version: _v, ...translateOptions } = defaultTranslateOptions();
  const c = new Controller({ store: new Store(), translateOptions, targets: [a.dp, b.dp], sources: ['test'], logger: silentLogger(), metrics, debounceMs: 5, maxDelayMs: 20 });
  assert.deepEqual(c.servedBy(), { a: 0, b: 0 });
  c.upsert('IngressClass', ingressClass());
  c.upsert('Service', service('ns', 'web'));
  c.synced('test');
  await c.whenReady();
  assert.equal(c.isReady(), true);
  assert.deepEqual(c.servedBy(), { a: 1, b: 1 });

  b.state.fail = true;
  c.upsert('Ingress', ingress('ns', 'i', [{ host: 'h', paths: [{ path: '/', service: 'web', port: 80 }] }]));
  await c.flush();
  assert.equal(c.snapshot.version, 2);
  assert.deepEqual(c.servedBy(), { a: 2, b: 1 }, 'b keeps serving version 1');
  const text = await metrics.registry.metrics();
  assert.match(text, /portico_dataplane_snapshot_version\{dataplane="a"\} 2/);
  assert.match(text, /portico_dataplane_snapshot_version\{dataplane="b"\} 1/);
  assert.match(text, /portico_config_reload_errors_total 1/);

  b.state.fail = false;
  await c.flush();
  assert.deepEqual(c.servedBy(), { a: 3, b: 3 });
  c.stop();
});

test("a dataplane's ApplyResult diagnostics are reported with translation's and replaced by its next apply", async () => {
  const l4 = target('l4');
  const { version: _v, ...translateOptions } = defaultTranslateOptions();
  const c = new Controller({ store: new Store(), translateOptions, targets: [l4.dp], sources: ['test'], logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }) });
  const seen: string[][] = [];
  c.subscribe({ onDiagnostics: (_all, added) => seen.push(added.map((d) => d.reason)) });
  l4.state.result = { diagnostics: [diagnostic(cm, 'ListenFailed', 'tcp/80: cannot listen: EACCES')] };
  c.synced('test');
  await c.whenReady();
  assert.deepEqual(c.diagnostics().map((d) => [d.reason, d.severity, d.object.name]), [['ListenFailed', 'error', 'tcp-services']]);
  assert.deepEqual(seen, [['ListenFailed']]);
  l4.state.result = { diagnostics: [] };
  await c.flush();
  assert.deepEqual(c.diagnostics(), []);
  c.stop();
});
