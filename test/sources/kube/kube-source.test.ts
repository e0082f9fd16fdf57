// KubeSource through the real @kubernetes/client-node over HTTP against the fake API server (README "Run in a cluster").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { V1Ingress, V1ObjectMeta } from '@kubernetes/client-node';
import { FakeApiServer } from '../../support/fake-apiserver.ts';
import { KubeSource } from '../../../src/sources/kube/kube-source.ts';
import { kubeConfigForServer } from '../../../src/sources/kube/config.ts';
import { normaliseObject } from '../../../src/sources/kube/normalise.ts';
import { WATCHED_RESOURCES } from '../../../src/sources/kube/resources.ts';
import { Store } from '../../../src/store/store.ts';
import type { Kind, KubeObject } from '../../../src/k8s/types.ts';
import type { Diagnostic } from '../../../src/model/diagnostic.ts';
import type { SourceSink } from '../../../src/sources/source.ts';
import { Metrics } from '../../../src/util/metrics.ts';
import { silentLogger } from '../../../src/util/logger.ts';

class RecordingSink implements SourceSink {
  readonly store = new Store();
  readonly changes: string[] = [];
  syncedCount = 0;
  diagnostics: readonly Diagnostic[] = [];
  upsert(kind: Kind, obj: KubeObject): void {
    if (this.store.upsert(kind, obj)) this.changes.push(`upsert ${kind} ${obj.metadata?.name}`);
  }
  remove(kind: Kind, key: string): void {
    if (this.store.remove(kind, key)) this.changes.push(`remove ${kind} ${key}`);
  }
  synced(): void {
    this.syncedCount++;
  }
  sourceDiagnostics(_s: string, d: readonly Diagnostic[]): void {
    this.diagnostics = d;
  }
}

async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const svc = (name: string, ns = 'default', port = 80) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports: [{ name: 'http', port }] } });
const ing = (name: string, ns = 'default', host = `${name}.example`) => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: ns },
  spec: { ingressClassName: 'portico', rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } }] } }] },
});
const slice = (name: string, svcName: string, ip: string) => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4', endpoints: [{ addresses: [ip], conditions: { ready: true } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
});

async function setup(opts: { namespace?: string | null; deniedGraceMs?: number; pageSize?: number; startServer?: boolean } = {}) {
  const server = new FakeApiServer();
  await server.start();
  const url = server.url;
  if (opts.startServer === false) await server.stop();
  const metrics = new Metrics({ defaultMetrics: false });
  const sink = new RecordingSink();
  const syncEvents: string[] = [];
  const source = new KubeSource({
    kubeConfig: kubeConfigForServer(url), namespace: opts.namespace ?? null, logger: silentLogger(), metrics,
    backoff: { baseMs: 50, maxMs: 200 }, deniedGraceMs: opts.deniedGraceMs ?? 300, listPageSize: opts.pageSize ?? 500,
    onSyncStateChange: (k, s) => syncEvents.push(`${k}=${s}`),
  });
  const syncedMetric = async (kind: string) => (await metrics.sourceSynced.get()).values.find((v) => v.labels.kind === kind)?.value;
  return { server, source, sink, metrics, syncEvents, syncedMetric, async close() { await source.stop(); await server.stop().catch(() => {}); } };
}

test('delivers create, update and delete of every watched kind into a Store', async () => {
  const t = await setup({ pageSize: 2 });
  try {
    t.server.apply(svc('web'));
    t.server.apply(svc('api'));
    t.server.apply(ing('web'));
    await t.source.start(t.sink);
    await until(() => t.sink.syncedCount === 1);
    assert.equal(t.sink.store.size('Service'), 2, 'paged list delivered every item');
    const stored = t.sink.store.get('Ingress', 'default/web')!;
    assert.equal(stored.kind, 'Ingress');
    assert.equal(stored.apiVersion, 'networking.k8s.io/v1');
    assert.equal(typeof stored.metadata?.creationTimestamp, 'string');

    t.server.apply({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: 'portico.io/ingress-controller' } });
    t.server.apply(slice('web-abc', 'web', '10.1.0.1'));
    t.server.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: 'default' }, type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } });
    t.server.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'default' }, type: 'Opaque', data: { p: '' } });
    t.server.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tcp-services', namespace: 'default' }, data: { '9000': 'default/web:80' } });
    await until(() => t.sink.store.size('IngressClass') === 1 && t.sink.store.size('EndpointSlice') === 1 && t.sink.store.size('Secret') === 1 && t.sink.store.size('ConfigMap') === 1);
    assert.equal(t.sink.store.get('Secret', 'default/creds'), undefined, 'only kubernetes.io/tls Secrets are read');
    assert.equal(t.sink.store.slicesForService('default/web').length, 1);

    t.server.apply(slice('web-abc', 'web', '10.1.0.2'));
    t.server.apply(ing('web', 'default', 'changed.example'));
    await until(() => t.sink.store.get('Ingress', 'default/web')?.spec?.rules?.[0].host === 'changed.example'
      && t.sink.store.get('EndpointSlice', 'default/web-abc')?.endpoints?.[0].addresses?.[0] === '10.1.0.2');
    // A status-only write is not a change for the Store (normalised objects compare equal).
    const before = t.sink.changes.length;
    const cur = t.server.get('Ingress', 'default', 'web')!;
    t.server.apply({ ...cur, status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } } });
    await until(() => t.sink.store.get('Ingress', 'default/web')?.status !== undefined);
    assert.equal(t.sink.changes.length, before);

    for (const [kind, ns, name] of [['Ingress', 'default', 'web'], ['Service', 'default', 'api'], ['EndpointSlice', 'default', 'web-abc'], ['Secret', 'default', 'tls'], ['ConfigMap', 'default', 'tcp-services'], ['IngressClass', '', 'portico']] as const) {
      t.server.delete(kind, ns, name);
    }
    await until(() => t.sink.store.size('Ingress') + t.sink.store.size('EndpointSlice') + t.sink.store.size('Secret') + t.sink.store.size('ConfigMap') + t.sink.store.size('IngressClass') === 0 && t.sink.store.size('Service') === 1);
    assert.equal(await t.syncedMetric('Ingress'), 1);
  } finally {
    await t.close();
  }
});

test('--watch-namespace limits namespaced kinds; IngressClass stays cluster-wide', async () => {
  const t = await setup({ namespace: 'team-a' });
  try {
    t.server.apply(svc('a', 'team-a'));
    t.server.apply(svc('b', 'team-b'));
    t.server.apply({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: 'portico.io/ingress-controller' } });
    await t.source.start(t.sink);
    await until(() => t.sink.syncedCount === 1);
    assert.deepEqual(t.sink.store.keys('Service'), ['team-a/a']);
    assert.equal(t.sink.store.size('IngressClass'), 1);
    assert.ok(t.server.requests.some((r) => r.path === '/api/v1/namespaces/team-a/services'));
  } finally {
    await t.close();
  }
});

test('API server stopped and restarted: the source reconnects and later changes arrive', async () => {
  const t = await setup();
  try {
    t.server.apply(svc('web'));
    await t.source.start(t.sink);
    await until(() => t.sink.syncedCount === 1);
    await t.server.stop();
    await until(() => t.source.syncState().Service.state === 'failing');
    assert.equal(await t.syncedMetric('Service'), 0);
    assert.equal(t.sink.store.size('Service'), 1, 'the last state is kept while the API server is away');
    await t.server.restart();
    await until(() => t.source.syncState().Service.state === 'synced');
    t.server.apply(svc('late'));
    await until(() => t.sink.store.get('Service', 'default/late') !== undefined);
    assert.equal(await t.syncedMetric('Service'), 1);
    assert.equal(t.sink.syncedCount, 1, 'initial sync is reported once');
    assert.ok(t.syncEvents.includes('Service=false') && t.syncEvents.at(-1) !== 'Service=false');
  } finally {
    await t.close();
  }
});

test('410 Expired: relist detects deletions and changes made while disconnected', async () => {
  const t = await setup();
  try {
    t.server.apply(svc('keep'));
    t.server.apply(svc('gone'));
    await t.source.start(t.sink);
    await until(() => t.sink.syncedCount === 1);
    await t.server.stop();
    t.server.delete('Service', 'default', 'gone');
    t.server.apply(svc('keep', 'default', 81));
    t.server.compact();
    await t.server.restart();
    await until(() => t.sink.store.get('Service', 'default/gone') === undefined && t.sink.store.get('Service', 'default/keep')?.spec?.ports?.[0].port === 81);
    assert.ok(t.sink.changes.includes('remove Service default/gone'));
    // And an open watch told "Expired" relists too.
    t.server.apply(svc('new'));
    await until(() => t.sink.store.get('Service', 'default/new') !== undefined);
    const lists = () => t.server.requests.filter((r) => r.path === '/api/v1/services' && !r.query.includes('watch')).length;
    const n = lists();
    t.server.closeWatches({ expire: true });
    await until(() => lists() > n);
  } finally {
    await t.close();
  }
});

test('403 on one kind: reported (log, metric, diagnostic) and the rest syncs after the grace period', async () => {
  const t = await setup({ deniedGraceMs: 300 });
  try {
    t.server.deny('Secret');
    t.server.apply(svc('web'));
    await t.source.start(t.sink);
    await until(() => t.sink.syncedCount === 1);
    assert.equal(t.sink.store.size('Service'), 1);
    assert.equal(t.source.syncState().Secret.state, 'denied');
    assert.match(t.source.syncState().Secret.lastError!, /forbidden/);
    assert.equal(await t.syncedMetric('Secret'), 0);
    assert.equal(await t.syncedMetric('Service'), 1);
    assert.equal(t.sink.diagnostics.length, 1);
    assert.equal(t.sink.diagnostics[0].reason, 'Forbidden');
    assert.equal(t.sink.diagnostics[0].object.kind, 'Secret');
    // RBAC fixed: the retries pick it up and the diagnostic goes away.
    t.server.allow('Secret');
    t.server.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: 'default' }, type: 'kubernetes.io/tls', data: {} });
    await until(() => t.sink.store.size('Secret') === 1 && t.sink.diagnostics.length === 0);
    assert.equal(await t.syncedMetric('Secret'), 1);
  } finally {
    await t.close();
  }
});

test('cold start with an unreachable API server stays unsynced until it answers', async () => {
  const t = await setup({ startServer: false, deniedGraceMs: 100 });
  try {
    await t.source.start(t.sink);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(t.sink.syncedCount, 0);
    assert.equal(t.source.syncState().Ingress.state, 'failing');
    t.server.apply(ing('web'));
    await t.server.restart();
    await until(() => t.sink.syncedCount === 1);
    assert.equal(t.sink.store.size('Ingress'), 1);
  } finally {
    await t.close();
  }
});

test('normaliseObject turns a generated class instance into the same plain JSON a watch event carries', () => {
  const inst = new V1Ingress();
  inst.metadata = new V1ObjectMeta();
  inst.metadata.name = 'x';
  inst.metadata.namespace = 'default';
  inst.metadata.creationTimestamp = new Date('2026-01-02T03:04:05Z');
  const plain = normaliseObject(WATCHED_RESOURCES.Ingress, inst as unknown as KubeObject);
  assert.deepEqual(plain, { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'x', namespace: 'default', creationTimestamp: '2026-01-02T03:04:05Z' } });
  assert.equal(Object.getPrototypeOf(plain), Object.prototype);
});
