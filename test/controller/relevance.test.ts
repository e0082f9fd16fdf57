import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller } from '../../src/controller/controller.ts';
import type { KubeObject } from '../../src/k8s/types.ts';
import { APPLIED } from '../../src/model/dataplane.ts';
import { Store } from '../../src/store/store.ts';
import { defaultTranslateOptions } from '../../src/translate/index.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { Metrics } from '../../src/util/metrics.ts';
import { ingress, ingressClass, service } from '../support/manifests.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secret = (ns: string, name: string, v: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace: ns, name }, type: 'Opaque', data: { v: Buffer.from(v).toString('base64') } }) as KubeObject;
const configMap = (ns: string, name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: ns, name }, data }) as KubeObject;

async function setup() {
  const store = new Store();
  const { version: _v, ...defaults } = defaultTranslateOptions();
  const c = new Controller({
    store, translateOptions: { ...defaults, tcpServicesConfigMap: 'portico/tcp', defaultTlsSecret: 'portico/default-cert' },
    targets: [{ name: 't', apply: () => APPLIED, updateEndpoints: () => {}, close: async () => {} }],
    sources: ['test'], logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), debounceMs: 5, maxDelayMs: 20,
  });
  c.upsert('IngressClass', ingressClass());
  c.upsert('Ingress', ingress('shop', 'front', [{ host: 'shop.test', paths: [{ path: '/', service: 'web', port: 80 }] }], {
    tls: [{ hosts: ['shop.test'], secretName: 'shop-tls' }],
    annotations: { 'nginx.ingress.kubernetes.io/auth-secret': 'basic-auth' },
  }));
  c.upsert('ConfigMap', configMap('portico', 'tcp', { 9000: 'db/postgres:5432' }));
  c.synced('test');
  await c.whenReady();
  /** Apply `change`, wait past the debounce, and say whether a new snapshot was built. */
  const rebuilds = async (change: () => void): Promise<boolean> => {
    const before = c.snapshot.version;
    change();
    await sleep(60);
    return c.snapshot.version !== before;
  };
  return { c, rebuilds };
}

test('a Service, Secret or ConfigMap that nothing names costs no translate: the snapshot version stays', async () => {
  const { c, rebuilds } = await setup();
  assert.equal(await rebuilds(() => c.upsert('Secret', secret('shop', 'unrelated', 'a'))), false, 'Secret no Ingress references');
  assert.equal(await rebuilds(() => c.upsert('Secret', secret('shop', 'unrelated', 'b'))), false, 'its update');
  assert.equal(await rebuilds(() => c.remove('Secret', 'shop/unrelated')), false, 'its deletion');
  assert.equal(await rebuilds(() => c.upsert('Service', service('other', 'web'))), false, 'a Service of the same name in another namespace');
  assert.equal(await rebuilds(() => c.upsert('ConfigMap', configMap('shop', 'app-settings', { a: 'b' }))), false, 'an application ConfigMap');
  c.stop();
});

test('a Service, Secret or ConfigMap that an Ingress, an annotation, the L4 ConfigMap or a flag names is translated', async () => {
  const { c, rebuilds } = await setup();
  assert.equal(await rebuilds(() => c.upsert('Service', service('shop', 'web'))), true, 'Ingress backend');
  assert.equal(await rebuilds(() => c.upsert('Secret', secret('shop', 'shop-tls', 'x'))), true, 'spec.tls secretName');
  assert.equal(await rebuilds(() => c.upsert('Secret', secret('shop', 'basic-auth', 'x'))), true, 'named by an annotation');
  assert.equal(await rebuilds(() => c.upsert('Service', service('db', 'postgres', [{ name: 'pg', port: 5432 }]))), true, 'L4 ConfigMap target');
  assert.equal(await rebuilds(() => c.upsert('ConfigMap', configMap('portico', 'tcp', { 9000: 'db/postgres:5432', 9001: 'db/postgres:5432' }))), true, '--tcp-services-configmap');
  assert.equal(await rebuilds(() => c.upsert('Secret', secret('portico', 'default-cert', 'x'))), true, '--default-tls-secret');
  assert.equal(await rebuilds(() => c.remove('Service', 'shop/web')), true, 'deleting a referenced Service');
  // Once an Ingress names the formerly unrelated Secret, its changes count.
  c.upsert('Ingress', ingress('shop', 'front', [{ host: 'shop.test', paths: [{ path: '/', service: 'web', port: 80 }] }], { tls: [{ hosts: ['shop.test'], secretName: 'later' }] }));
  await sleep(60);
  assert.equal(await rebuilds(() => c.upsert('Secret', secret('shop', 'later', 'x'))), true);
  c.stop();
});
