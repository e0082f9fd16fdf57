// Gateway API kinds in cluster mode (README "Gateway API"): watched when discovery finds their CRDs,
// at the version served (ReferenceGrant v1 or v1beta1), picked up when the CRDs appear later and
// dropped when they go; a cluster without them syncs as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeApiServer } from '../../support/fake-apiserver.ts';
import { KubeSource } from '../../../src/sources/kube/kube-source.ts';
import { kubeConfigForServer } from '../../../src/sources/kube/config.ts';
import { discoverGatewayApi } from '../../../src/sources/kube/gateway-discovery.ts';
import { Store } from '../../../src/store/store.ts';
import type { Kind, KubeObject } from '../../../src/k8s/types.ts';
import type { Diagnostic } from '../../../src/model/diagnostic.ts';
import type { SourceSink } from '../../../src/sources/source.ts';
import { Metrics } from '../../../src/util/metrics.ts';
import { silentLogger } from '../../../src/util/logger.ts';
import { gateway, gatewayClass, httpRoute } from '../../support/gateway-api.ts';

class Sink implements SourceSink {
  readonly store = new Store();
  syncedCount = 0;
  diagnostics: readonly Diagnostic[] = [];
  upsert(kind: Kind, obj: KubeObject): void {
    this.store.upsert(kind, obj);
  }
  remove(kind: Kind, key: string): void {
    this.store.remove(kind, key);
  }
  synced(): void {
    this.syncedCount++;
  }
  sourceDiagnostics(_s: string, d: readonly Diagnostic[]): void {
    this.diagnostics = d;
  }
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function seed(api: FakeApiServer): void {
  api.apply(gatewayClass());
  api.apply(gateway('web', 'gw', [{ name: 'http', protocol: 'HTTP', port: 80 }]));
  api.apply(httpRoute('web', 'front', { parentRefs: [{ name: 'gw' }] }));
  api.apply({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GRPCRoute', metadata: { name: 'rpc', namespace: 'web' }, spec: { parentRefs: [{ name: 'gw' }] } });
  api.apply({ apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'rg', namespace: 'backends' },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'web' }], to: [{ group: '', kind: 'Service' }] } });
  api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web', labels: { team: 'a' } } });
}

async function setup(opts: { intervalMs?: number; deniedGraceMs?: number } = {}) {
  const api = new FakeApiServer();
  await api.start();
  const sink = new Sink();
  const metrics = new Metrics({ defaultMetrics: false });
  const source = new KubeSource({ kubeConfig: kubeConfigForServer(api.url), namespace: null, logger: silentLogger(), metrics,
    backoff: { baseMs: 50, maxMs: 200 }, deniedGraceMs: opts.deniedGraceMs ?? 300, gatewayApi: { intervalMs: opts.intervalMs ?? 30000 } });
  return { api, sink, source, metrics, async close() { await source.stop(); await api.stop(); } };
}

test('CRDs installed at start: every Gateway API kind and Namespace is listed before the source reports synced', async () => {
  const t = await setup();
  try {
    t.api.installGatewayApi({ referenceGrant: ['v1beta1'] });
    seed(t.api);
    await t.source.start(t.sink);
    await until(() => t.sink.syncedCount === 1);
    for (const [kind, key] of [['GatewayClass', 'portico'], ['Gateway', 'web/gw'], ['HTTPRoute', 'web/front'], ['GRPCRoute', 'web/rpc'],
      ['ReferenceGrant', 'backends/rg'], ['Namespace', 'web']] as const) {
      assert.ok(t.sink.store.get(kind, key), `${kind} ${key} in the store at sync`);
    }
    // ReferenceGrant is read where the cluster serves it (v1beta1 before gateway-api v1.5).
    assert.equal(t.sink.store.get('ReferenceGrant', 'backends/rg')!.apiVersion, 'gateway.networking.k8s.io/v1beta1');
    assert.ok(t.api.requests.some((r) => r.path === '/apis/gateway.networking.k8s.io/v1beta1/referencegrants'));
    assert.equal(t.sink.store.get('Namespace', 'web')!.metadata?.labels?.team, 'a');
    // A change after sync arrives through the watch.
    t.api.apply(httpRoute('web', 'second', { parentRefs: [{ name: 'gw' }] }));
    await until(() => t.sink.store.get('HTTPRoute', 'web/second') !== undefined);
  } finally {
    await t.close();
  }
});

test('prefers v1 when a CRD serves both versions', async () => {
  const api = new FakeApiServer();
  await api.start();
  try {
    assert.equal((await discoverGatewayApi(kubeConfigForServer(api.url))).size, 0, 'nothing without CRDs (404 discovery)');
    api.installGatewayApi({ referenceGrant: ['v1', 'v1beta1'] });
    const found = await discoverGatewayApi(kubeConfigForServer(api.url));
    assert.deepEqual([...found.keys()].sort(), ['BackendTLSPolicy', 'GRPCRoute', 'Gateway', 'GatewayClass', 'HTTPRoute', 'Namespace', 'ReferenceGrant', 'TCPRoute', 'TLSRoute', 'UDPRoute']);
    assert.equal(found.get('ReferenceGrant')!.version, 'v1');
    assert.equal(found.get('TCPRoute')!.version, 'v1alpha2', 'the experimental channel version when no v1 is served');
  } finally {
    await api.stop();
  }
});

test('no CRDs: syncs without them; CRDs installed later are picked up, and removed again when the CRDs go', async () => {
  const t = await setup({ intervalMs: 100 });
  try {
    await t.source.start(t.sink);
    await until(() => t.sink.syncedCount === 1);
    assert.equal(t.sink.store.size('Gateway'), 0);
    assert.ok(!t.api.requests.some((r) => r.path.endsWith('/gateways')), 'no watch on a kind the server does not serve');

    t.api.installGatewayApi();
    seed(t.api);
    await until(() => t.sink.store.get('HTTPRoute', 'web/front') !== undefined && t.sink.store.get('Namespace', 'web') !== undefined);
    assert.equal(t.sink.store.get('ReferenceGrant', 'backends/rg')!.apiVersion, 'gateway.networking.k8s.io/v1', 'stored at the served version');

    t.api.uninstallGatewayApi();
    await until(() => t.sink.store.size('HTTPRoute') === 0 && t.sink.store.size('Gateway') === 0 && t.sink.store.size('GatewayClass') === 0);
    // Namespaces are not deleted with the CRDs, but nothing reads them any more: the source drops them.
    await until(() => t.sink.store.size('Namespace') === 0);
    assert.equal(t.sink.syncedCount, 1);
  } finally {
    await t.close();
  }
});

test('a denied Gateway API kind does not hold the cold start for the grace period', async () => {
  const t = await setup({ deniedGraceMs: 20000 });
  try {
    t.api.installGatewayApi();
    seed(t.api);
    t.api.deny('Gateway');
    const started = Date.now();
    await t.source.start(t.sink);
    await until(() => t.sink.syncedCount === 1);
    assert.ok(Date.now() - started < 5000, `synced after ${Date.now() - started} ms`);
    assert.ok(t.sink.store.get('HTTPRoute', 'web/front'), 'the kinds allowed are read');
    assert.ok(t.sink.diagnostics.some((d) => d.reason === 'Forbidden' && d.object.kind === 'Gateway'));
    t.api.allow('Gateway');
    await until(() => t.sink.store.get('Gateway', 'web/gw') !== undefined);
    await until(() => !t.sink.diagnostics.some((d) => d.object.kind === 'Gateway'));
  } finally {
    await t.close();
  }
});
