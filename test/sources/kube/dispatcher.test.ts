// Every request of one KubeConfig goes through one shared dispatcher (src/sources/kube/dispatcher.ts):
// requests reuse kept-alive connections instead of opening one each, and new TLS options (a
// rotated CA or client certificate) get a new dispatcher.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { FakeApiServer } from '../../support/fake-apiserver.ts';
import { kubeConfigForServer } from '../../../src/sources/kube/config.ts';

async function listServices(kc: KubeConfig, times: number): Promise<void> {
  const api = kc.makeApiClient(CoreV1Api);
  for (let i = 0; i < times; i++) await api.listNamespacedService({ namespace: 'ns' });
}

test('thirty API calls share a connection; the same calls through a plain KubeConfig open one each', async () => {
  const api = new FakeApiServer();
  await api.start();
  try {
    await listServices(kubeConfigForServer(api.url), 30);
    assert.ok(api.connections <= 2, `${api.connections} connections for 30 requests`);
    const before = api.connections;
    // The client as it comes (the defect this guards against): a new Agent, so a new connection, per request.
    const plain = new KubeConfig();
    plain.loadFromOptions({ clusters: [{ name: 'c', server: api.url, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    await listServices(plain, 10);
    assert.ok(api.connections - before >= 10, `plain client: ${api.connections - before} connections for 10 requests`);
  } finally {
    await api.stop();
  }
});

test('the same TLS options give the same dispatcher, other options (a rotated CA) a new one', () => {
  const kc = kubeConfigForServer('http://127.0.0.1:1');
  const create = (kc as unknown as { createDispatcher: (c: unknown, o: object) => object | undefined }).createDispatcher;
  const cluster = kc.getCurrentCluster();
  const a = create(cluster, { rejectUnauthorized: false });
  assert.ok(a !== undefined);
  assert.equal(create(cluster, { rejectUnauthorized: false }), a);
  const b = create(cluster, { rejectUnauthorized: false, ca: Buffer.from('new CA') });
  assert.notEqual(b, a);
  assert.equal(create(cluster, { rejectUnauthorized: false, ca: Buffer.from('new CA') }), b);
  assert.notEqual(create(cluster, { rejectUnauthorized: false, ca: Buffer.from('newer CA') }), b);
});
