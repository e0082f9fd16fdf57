import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller } from '../../src/controller/controller.ts';
import { APPLIED, type Dataplane } from '../../src/model/dataplane.ts';
import type { Endpoint, EndpointSet } from '../../src/model/endpoint.ts';
import type { Snapshot } from '../../src/model/snapshot.ts';
import { Store } from '../../src/store/store.ts';
import { defaultTranslateOptions } from '../../src/translate/index.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { Metrics } from '../../src/util/metrics.ts';
import { endpointSlice, ingress, ingressClass, service } from '../support/manifests.ts';

function recordingTarget() {
  const applies: { snapshot: Snapshot; endpoints: EndpointSet }[] = [];
  const updates: { clusterId: string; endpoints: readonly Endpoint[] }[] = [];
  let fail = false;
  const target: Dataplane = {
    name: 'recording',
    apply: (snapshot, endpoints) => {
      if (fail) throw new Error('apply refused');
      applies.push({ snapshot, endpoints });
      return APPLIED;
    },
    updateEndpoints: (clusterId, endpoints) => void updates.push({ clusterId, endpoints }),
    close: async () => {},
  };
  return { target, applies, updates, setFail: (f: boolean) => void (fail = f) };
}

function makeController(sources: string[] = ['test']) {
  const rec = recordingTarget();
  const { version: _v, ...translateOptions } = defaultTranslateOptions();
  const c = new Controller({ store: new Store(), translateOptions, targets: [rec.target], sources, logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), debounceMs: 30, maxDelayMs: 200 });
  return { c, rec };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('not ready until every source synced; then one snapshot with everything', async () => {
  const { c, rec } = makeController(['a', 'b']);
  c.upsert('IngressClass', ingressClass());
  c.upsert('Service', service('ns', 'web'));
  c.upsert('Ingress', ingress('ns', 'i', [{ host: 'h', paths: [{ path: '/', service: 'web', port: 80 }] }]));
  c.synced('a');
  await sleep(60);
  assert.equal(c.isReady(), false);
  assert.equal(rec.applies.length, 0, 'no snapshot before every source synced');
  c.synced('b');
  await sleep(20);
  assert.equal(c.isReady(), true);
  assert.equal(rec.applies.length, 1);
  assert.equal(rec.applies[0].snapshot.virtualHosts[0].hostname, 'h');
  c.stop();
});

test('EndpointSlice changes take the fast path: endpoints updated in place, no rebuild', async () => {
  const { c, rec } = makeController();
  c.upsert('IngressClass', ingressClass());
  c.upsert('Service', service('ns', 'web'));
  c.upsert('Ingress', ingress('ns', 'i', [{ host: 'h', paths: [{ path: '/', service: 'web', port: 80 }] }]));
  c.synced('test');
  await sleep(20);
  assert.equal(rec.applies.length, 1);
  c.upsert('EndpointSlice', endpointSlice('ns', 'web', 'web-1', ['10.0.0.1', '10.0.0.2'], 8080));
  assert.deepEqual(rec.updates.map((u) => [u.clusterId, u.endpoints.map((e) => e.id)]), [['ns/web:80', ['10.0.0.1:8080', '10.0.0.2:8080']]]);
  c.remove('EndpointSlice', 'ns/web-1');
  assert.deepEqual(rec.updates[1].endpoints, []);
  await sleep(80);
  assert.equal(rec.applies.length, 1, 'no snapshot rebuild for endpoint changes');
  c.stop();
});

test('a burst of slow-path changes becomes one debounced rebuild', async () => {
  const { c, rec } = makeController();
  c.upsert('IngressClass', ingressClass());
  c.synced('test');
  await sleep(20);
  const before = rec.applies.length;
  for (let i = 0; i < 10; i++) c.upsert('Ingress', ingress('ns', `i${i}`, [{ host: `h${i}`, paths: [{ path: '/', service: 'web', port: 80 }] }]));
  await sleep(120);
  assert.equal(rec.applies.length, before + 1);
  assert.equal(rec.applies.at(-1)!.snapshot.virtualHosts.length, 10);
  assert.ok(rec.applies.at(-1)!.snapshot.version > rec.applies[before - 1].snapshot.version);
  c.stop();
});

test('a target that throws keeps serving its last good snapshot and the controller keeps going', async () => {
  const { c, rec } = makeController();
  c.upsert('IngressClass', ingressClass());
  c.synced('test');
  await sleep(20);
  rec.setFail(true);
  c.upsert('Ingress', ingress('ns', 'x', [{ host: 'x', paths: [{ path: '/', service: 'web', port: 80 }] }]));
  await sleep(80);
  rec.setFail(false);
  c.upsert('Ingress', ingress('ns', 'y', [{ host: 'y', paths: [{ path: '/', service: 'web', port: 80 }] }]));
  await sleep(80);
  assert.deepEqual(rec.applies.at(-1)!.snapshot.virtualHosts.map((v) => v.hostname), ['x', 'y']);
  c.stop();
});

test('an unchanged re-delivery (same spec, new resourceVersion) triggers nothing', async () => {
  const { c, rec } = makeController();
  c.upsert('IngressClass', ingressClass());
  c.synced('test');
  await sleep(20);
  const ing = ingress('ns', 'x', [{ host: 'x', paths: [{ path: '/', service: 'web', port: 80 }] }]);
  c.upsert('Ingress', { ...ing, metadata: { ...ing.metadata, resourceVersion: '1' } });
  await sleep(80);
  const n = rec.applies.length;
  c.upsert('Ingress', { ...ing, metadata: { ...ing.metadata, resourceVersion: '2' } });
  await sleep(80);
  assert.equal(rec.applies.length, n);
  c.stop();
});
