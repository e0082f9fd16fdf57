// The fake API server checked against the real @kubernetes/client-node over HTTP (SPEC §6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { KubeConfig, makeInformer, NetworkingV1Api, CoreV1Api, CoordinationV1Api, ListWatch, Watch, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { V1Ingress, V1Secret } from '@kubernetes/client-node';
import { FakeApiServer } from './fake-apiserver.ts';

function ingress(name: string, ns = 'default', extra: Record<string, unknown> = {}) {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: ns }, spec: { rules: [{ host: `${name}.example` }] }, ...extra };
}

async function withServer(fn: (s: FakeApiServer, kc: KubeConfig) => Promise<void>): Promise<void> {
  const s = new FakeApiServer({ bookmarkIntervalMs: 50 });
  await s.start();
  const kc = new KubeConfig();
  kc.loadFromOptions(s.kubeConfigOptions());
  try {
    await fn(s, kc);
  } finally {
    await s.stop();
  }
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function rawGet(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

test('list: <Kind>List, resourceVersion, items without kind, paging with continue', async () => {
  await withServer(async (s) => {
    for (let i = 0; i < 5; i++) s.apply(ingress(`i${i}`));
    s.apply(ingress('other', 'ns2'));
    const all = JSON.parse((await rawGet(`${s.url}/apis/networking.k8s.io/v1/ingresses`)).body);
    assert.equal(all.kind, 'IngressList');
    assert.equal(all.apiVersion, 'networking.k8s.io/v1');
    assert.equal(all.metadata.resourceVersion, s.resourceVersion);
    assert.equal(all.items.length, 6);
    assert.equal(all.items[0].kind, undefined);
    const ns = JSON.parse((await rawGet(`${s.url}/apis/networking.k8s.io/v1/namespaces/ns2/ingresses`)).body);
    assert.deepEqual(ns.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['other']);
    const p1 = JSON.parse((await rawGet(`${s.url}/apis/networking.k8s.io/v1/namespaces/default/ingresses?limit=2`)).body);
    assert.equal(p1.items.length, 2);
    assert.ok(p1.metadata.continue);
    s.apply(ingress('zzz'));
    const p2 = JSON.parse((await rawGet(`${s.url}/apis/networking.k8s.io/v1/namespaces/default/ingresses?limit=10&continue=${p1.metadata.continue}`)).body);
    assert.equal(p2.metadata.resourceVersion, p1.metadata.resourceVersion, 'pages share the first page RV');
    assert.equal(p2.metadata.continue, undefined);
    s.compact();
    const expired = await rawGet(`${s.url}/apis/networking.k8s.io/v1/namespaces/default/ingresses?limit=2&continue=${p1.metadata.continue}`);
    assert.equal(expired.status, 410);
    assert.equal(JSON.parse(expired.body).reason, 'Expired');
  });
});

test('watch: compact JSON lines from a resourceVersion, 410 ERROR for too-old RV, timeoutSeconds, bookmarks', async () => {
  await withServer(async (s) => {
    s.apply(ingress('a'));
    const rv = s.resourceVersion;
    s.apply(ingress('b'));
    s.delete('Ingress', 'default', 'a');
    const r = await rawGet(`${s.url}/apis/networking.k8s.io/v1/ingresses?watch=1&resourceVersion=${rv}&timeoutSeconds=1&allowWatchBookmarks=true`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    const events = r.body.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(events.slice(0, 2).map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'b'], ['DELETED', 'a']]);
    assert.equal(events[0].object.kind, 'Ingress');
    assert.ok(events.slice(2).length > 0 && events.slice(2).every((e) => e.type === 'BOOKMARK'), 'bookmarks were sent');
    s.compact();
    const old = await rawGet(`${s.url}/apis/networking.k8s.io/v1/ingresses?watch=true&resourceVersion=${rv}`);
    assert.equal(old.status, 200);
    const err = JSON.parse(old.body.trim());
    assert.equal(err.type, 'ERROR');
    assert.equal(err.object.code, 410);
    assert.equal(err.object.reason, 'Expired');
  });
});

test('selectors: label and field (Secret type), 400 on an unsupported field', async () => {
  await withServer(async (s) => {
    s.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: 'a', labels: { app: 'x' } }, type: 'kubernetes.io/tls', data: {} });
    s.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'opaque', namespace: 'a', labels: { app: 'y' } }, type: 'Opaque', data: {} });
    const names = async (q: string) => JSON.parse((await rawGet(`${s.url}/api/v1/secrets?${q}`)).body).items.map((i: { metadata: { name: string } }) => i.metadata.name);
    assert.deepEqual(await names('fieldSelector=type%3Dkubernetes.io%2Ftls'), ['tls']);
    assert.deepEqual(await names('labelSelector=app%20in%20(x,z)'), ['tls']);
    assert.deepEqual(await names('labelSelector=app!%3Dx'), ['opaque']);
    assert.deepEqual(await names('fieldSelector=metadata.name%3Dopaque'), ['opaque']);
    assert.equal((await rawGet(`${s.url}/api/v1/secrets?fieldSelector=spec.x%3D1`)).status, 400);
  });
});

test('real client: informer lists, watches, relists after 410 and sees deletions; restart on the same port', async () => {
  await withServer(async (s, kc) => {
    s.apply(ingress('keep'));
    s.apply(ingress('gone'));
    const api = kc.makeApiClient(NetworkingV1Api);
    const inf = makeInformer<V1Ingress>(kc, '/apis/networking.k8s.io/v1/ingresses', () => api.listIngressForAllNamespaces());
    const seen: string[] = [];
    let errors = 0;
    inf.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
    inf.on('update', (o) => seen.push(`update ${o.metadata?.name}`));
    inf.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
    inf.on('error', () => errors++);
    await inf.start();
    try {
      assert.deepEqual(seen.sort(), ['add gone', 'add keep']);
      await until(() => s.openWatches === 1);
      s.apply(ingress('new'));
      await until(() => seen.includes('add new'));
      // API server goes away; meanwhile objects change and history is compacted → 410 on reconnect.
      await s.stop();
      await until(() => errors > 0);
      s.delete('Ingress', 'default', 'gone');
      s.apply(ingress('keep', 'default', { spec: { rules: [{ host: 'changed.example' }] } }));
      s.compact();
      await s.restart();
      void inf.start();
      await until(() => seen.includes('delete gone') && seen.includes('update keep'));
      assert.deepEqual(inf.list().map((o) => o.metadata?.name).sort(), ['keep', 'new']);
      // An open watch told "Expired" relists too.
      s.apply(ingress('late'));
      await until(() => seen.includes('add late'));
      s.closeWatches({ expire: true });
      await until(() => s.requests.filter((r) => r.path === '/apis/networking.k8s.io/v1/ingresses' && !r.query.includes('watch')).length >= 3);
    } finally {
      await inf.stop();
    }
  });
});

test('real client: ListWatch with fieldSelector; 403 surfaces as an error with code', async () => {
  await withServer(async (s, kc) => {
    s.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: 'a' }, type: 'kubernetes.io/tls', data: {} });
    s.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'opaque', namespace: 'a' }, type: 'Opaque', data: {} });
    const core = kc.makeApiClient(CoreV1Api);
    const lw = new ListWatch<V1Secret>('/api/v1/secrets', new Watch(kc), () => core.listSecretForAllNamespaces({ fieldSelector: 'type=kubernetes.io/tls' }), false, undefined, 'type=kubernetes.io/tls');
    await lw.start();
    assert.deepEqual(lw.list().map((o) => o.metadata?.name), ['tls']);
    s.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls2', namespace: 'a' }, type: 'kubernetes.io/tls', data: {} });
    s.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'opaque2', namespace: 'a' }, type: 'Opaque', data: {} });
    await until(() => lw.list().length === 2);
    await lw.stop();
    s.deny('Secret');
    const denied = makeInformer<V1Secret>(kc, '/api/v1/secrets', () => core.listSecretForAllNamespaces());
    const err = await new Promise<{ code?: number; body?: unknown }>((resolve) => {
      denied.on('error', resolve);
      void denied.start();
    });
    await denied.stop();
    assert.equal(err.code, 403);
  });
});

test('real client: status PUT and merge PATCH, 409 on stale PUT, JSON patch, events, leases', async () => {
  await withServer(async (s, kc) => {
    s.apply(ingress('web'));
    const net = kc.makeApiClient(NetworkingV1Api);
    const cur = await net.readNamespacedIngress({ name: 'web', namespace: 'default' });
    cur.status = { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } };
    cur.spec = { rules: [{ host: 'ignored.example' }] };
    await net.replaceNamespacedIngressStatus({ name: 'web', namespace: 'default', body: cur });
    let stored = s.get('Ingress', 'default', 'web')!;
    assert.deepEqual(stored.status, { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } });
    assert.equal(stored.spec.rules[0].host, 'web.example', 'status PUT leaves spec alone');
    await assert.rejects(net.replaceNamespacedIngressStatus({ name: 'web', namespace: 'default', body: cur }), (e: { code?: number }) => e.code === 409);
    await net.patchNamespacedIngressStatus({ name: 'web', namespace: 'default', body: { status: { loadBalancer: { ingress: [{ hostname: 'lb.example' }] } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    stored = s.get('Ingress', 'default', 'web')!;
    assert.deepEqual(stored.status.loadBalancer.ingress, [{ hostname: 'lb.example' }]);
    await net.patchNamespacedIngress({ name: 'web', namespace: 'default', body: [{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }] });
    assert.deepEqual(s.get('Ingress', 'default', 'web')!.metadata.labels, { a: 'b' });
    assert.equal(s.requests.at(-1)!.contentType, 'application/json-patch+json');

    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedEvent({ namespace: 'default', body: { metadata: { generateName: 'web.' }, involvedObject: { kind: 'Ingress', name: 'web', namespace: 'default' }, reason: 'R', message: 'm', type: 'Warning' } });
    assert.equal(s.list('Event', 'default').length, 1);

    const coord = kc.makeApiClient(CoordinationV1Api);
    await assert.rejects(coord.readNamespacedLease({ name: 'l', namespace: 'default' }), (e: { code?: number }) => e.code === 404);
    const lease = await coord.createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'l' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: new Date() } } });
    await coord.replaceNamespacedLease({ name: 'l', namespace: 'default', body: { ...lease, spec: { ...lease.spec, holderIdentity: 'b' } } });
    await assert.rejects(coord.replaceNamespacedLease({ name: 'l', namespace: 'default', body: lease }), (e: { code?: number }) => e.code === 409);
    assert.equal(s.get('Lease', 'default', 'l')!.spec.holderIdentity, 'b');
    s.deny('Lease', ['update']);
    const now = await coord.readNamespacedLease({ name: 'l', namespace: 'default' });
    await assert.rejects(coord.replaceNamespacedLease({ name: 'l', namespace: 'default', body: now }), (e: { code?: number }) => e.code === 403);
  });
});
