// SIGHUP in cluster mode lists every watched kind from the API again (README "Run in a cluster"):
// changes the watches never reported — an EndpointSlice moved, an Ingress added, another deleted —
// are served after the signal, and the watches carry on from the new lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEchoServer } from '../support/echo-server.ts';
import { FakeApiServer } from '../support/fake-apiserver.ts';
import { endpointSlice, ingress, ingressClass, service } from '../support/manifests.ts';
import { eventually, servedBy, startClusterGateway } from '../support/cluster-gateway.ts';

const root = resolve(import.meta.dirname, '../..');

test('cluster mode: SIGHUP re-lists from the API and serves what the watches missed', async () => {
  const api = new FakeApiServer();
  await api.start();
  const a = await startEchoServer({ name: 'a' });
  const b = await startEchoServer({ name: 'b' });
  const dir = await mkdtemp(join(tmpdir(), 'portico-hup-kube-'));
  const kubeconfig = join(dir, 'kubeconfig.json');
  await writeFile(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'fake',
    clusters: [{ name: 'fake', cluster: { server: api.url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'fake', user: {} }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake' } }],
  }));
  api.apply(ingressClass());
  api.apply(service('shop', 'web', [{ name: 'http', port: 80 }]));
  api.apply(endpointSlice('shop', 'web', 'web-1', ['127.0.0.1'], a.port));
  api.apply(ingress('shop', 'front', [{ host: 'front.test', paths: [{ path: '/', service: 'web', port: 80 }] }]));
  api.apply(ingress('shop', 'old', [{ host: 'old.test', paths: [{ path: '/', service: 'web', port: 80 }] }]));

  const child = spawn(process.execPath, [join(root, 'bin/portico.js'), 'serve', '--kubeconfig', kubeconfig, '--workers', '1',
    '--bind-address', '127.0.0.1', '--http-port', '0', '--https-port', 'off', '--admin-port', '0'],
  { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  try {
    // Port 0 and the port from the log line: no window for another test to take a probed port.
    const port = await eventually(() => Number(/"http":(\d+),"https":null,"msg":"traffic listening"/.exec(out)?.[1] ?? 0), (p) => p > 0, 15000);
    assert.ok(port > 0, `never listened: ${out}`);
    const url = `http://127.0.0.1:${port}`;
    const served = (host: string) => servedBy(url, host);
    assert.equal(await eventually(() => served('front.test'), (v) => v === 'a', 15000), 'a', out);
    assert.equal(await served('old.test'), 'a');

    api.behindWatches(() => {
      api.apply(endpointSlice('shop', 'web', 'web-1', ['127.0.0.1'], b.port));
      api.apply(ingress('shop', 'new', [{ host: 'new.test', paths: [{ path: '/', service: 'web', port: 80 }] }]));
      api.delete('Ingress', 'shop', 'old');
    });
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(await served('front.test'), 'a', 'no watch event: nothing changed yet');
    assert.equal(await served('new.test'), 404);
    assert.equal(await served('old.test'), 'a');

    child.kill('SIGHUP');
    assert.equal(await eventually(() => served('front.test'), (v) => v === 'b', 5000), 'b', out);
    assert.equal(await served('new.test'), 'b');
    assert.equal(await served('old.test'), 404);

    // The watches carry on from the new lists: a watched change after the reload is served.
    api.apply(endpointSlice('shop', 'web', 'web-1', ['127.0.0.1'], a.port));
    assert.equal(await eventually(() => served('new.test'), (v) => v === 'a', 5000), 'a', out);
    assert.doesNotMatch(out, /reload failed/);
  } finally {
    child.kill('SIGKILL');
    await api.stop();
    await a.close();
    await b.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('cluster mode: a reload whose list the API refuses fails alone; the last state serves, and the retried list catches up', async () => {
  const api = new FakeApiServer();
  await api.start();
  const a = await startEchoServer({ name: 'a' });
  api.apply(ingressClass());
  api.apply(service('shop', 'web', [{ name: 'http', port: 80 }]));
  api.apply(endpointSlice('shop', 'web', 'web-1', ['127.0.0.1'], a.port));
  api.apply(ingress('shop', 'front', [{ host: 'front.test', paths: [{ path: '/', service: 'web', port: 80 }] }]));
  api.apply(ingress('shop', 'old', [{ host: 'old.test', paths: [{ path: '/', service: 'web', port: 80 }] }]));
  const gw = await startClusterGateway(api);
  try {
    assert.equal(await servedBy(gw.url, 'old.test'), 'a');
    api.behindWatches(() => api.delete('Ingress', 'shop', 'old'));
    api.deny('Ingress', ['list']);
    await assert.rejects(gw.app.reload(), /re-list failed for 1 of/);
    assert.equal(await servedBy(gw.url, 'front.test'), 'a', 'the last state keeps serving');
    assert.equal(await servedBy(gw.url, 'old.test'), 'a');
    api.allow('Ingress');
    // The watcher retries with its backoff; that list removes what the replaced watch held.
    assert.equal(await eventually(() => servedBy(gw.url, 'old.test'), (v) => v === 404, 8000), 404);
    assert.equal(await servedBy(gw.url, 'front.test'), 'a');
  } finally {
    await gw.close();
    await api.stop();
    await a.close();
  }
});
