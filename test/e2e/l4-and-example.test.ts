// README "TCP and UDP services (L4)" through the app (ConfigMap from files → TCP listener → Service endpoints), a port that
// cannot bind reported alone, and the README example (config/example.yaml) answering as shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request as undiciRequest } from 'undici';
import { parse } from 'yaml';
import { startApp } from '../../src/app.ts';
import { DEFAULTS } from '../../src/config/config.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { Metrics } from '../../src/util/metrics.ts';
import { startEchoServer } from '../support/echo-server.ts';
import { startGateway } from '../support/gateway.ts';
import { backendFor, ingressClass } from '../support/manifests.ts';
import type { KubeObject } from '../../src/k8s/types.ts';

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

/** One HTTP/1.0 request over a raw TCP connection (the L4 proxy knows nothing of HTTP). */
function rawHttp(port: number, path: string): Promise<string> {
  return new Promise((res, rej) => {
    const s = connect(port, '127.0.0.1', () => s.end(`GET ${path} HTTP/1.0\r\nHost: l4\r\n\r\n`));
    let out = '';
    s.on('data', (c: Buffer) => (out += c.toString()));
    s.on('end', () => res(out));
    s.on('error', rej);
    setTimeout(() => s.destroy(new Error('timeout')), 5000).unref();
  });
}

test('tcp-services ConfigMap: TCP through the L4 proxy; a port that cannot bind is reported, the rest work', async () => {
  const echo = await startEchoServer({ name: 'tcp-backend' });
  const good = await freePort();
  const blocker: Server = await new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => res(s));
  });
  const taken = (blocker.address() as { port: number }).port;
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tcp', namespace: 'default' }, data: { [String(good)]: 'default/web:80', [String(taken)]: 'default/web:http' } } as KubeObject;
  const gw = await startGateway([ingressClass(), ...backendFor('default', 'web', [echo.port]), cm], { tcpServicesConfigMap: 'default/tcp' });
  try {
    const reply = await rawHttp(good, '/through-l4');
    assert.match(reply, /^HTTP\/1\.1 200/);
    assert.match(reply, /"path":"\/through-l4"/);
    const deadline = Date.now() + 3000;
    while (!gw.app.controller.diagnostics().some((d) => d.reason === 'ListenFailed')) {
      assert.ok(Date.now() < deadline, 'bind failure reported');
      await new Promise((r) => setTimeout(r, 20));
    }
    const d = gw.app.controller.diagnostics().find((x) => x.reason === 'ListenFailed')!;
    assert.deepEqual(d.object, { kind: 'ConfigMap', namespace: 'default', name: 'tcp' });
    assert.match(d.message, new RegExp(`tcp/${taken}`));
    const metrics = await gw.app.metrics.registry.metrics();
    assert.match(metrics, /portico_l4_connections_total\{[^}]*\} [1-9]/);
  } finally {
    await gw.close();
    blocker.close();
    await echo.close();
  }
});

test('the README example (config/example.yaml) answers: /healthz via HTTP and via L4, 404, 503', async () => {
  const root = resolve(import.meta.dirname, '../..');
  const text = await readFile(join(root, 'config/example.yaml'), 'utf8');
  // The example pins the admin port 9901 and L4 port 9000; move both to free ports for the test.
  const [admin, l4port] = [await freePort(), await freePort()];
  const dir = await mkdtemp(join(tmpdir(), 'portico-example-'));
  await writeFile(join(dir, 'example.yaml'), text.replaceAll('9901', String(admin)).replace('"9000":', `"${l4port}":`));
  for (const doc of text.split(/^---$/m)) parse(doc); // the shipped file parses as YAML
  const app = await startApp({ ...DEFAULTS, resources: [dir], bindAddress: '127.0.0.1', httpPort: 0, httpsPort: null, adminPort: admin, tcpServicesConfigMap: 'default/tcp-services' },
    { logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }) });
  try {
    await app.ready();
    assert.deepEqual(app.controller.diagnostics().filter((d) => d.severity === 'error'), []);
    const get = async (path: string, host = 'localhost') => {
      const r = await undiciRequest(`http://127.0.0.1:${app.ports.http}${path}`, { headers: { host } });
      return { status: r.statusCode, text: await r.body.text() };
    };
    assert.deepEqual(await get('/healthz'), { status: 200, text: 'ok\n' });
    assert.equal((await get('/nope')).status, 404);
    assert.equal((await get('/', 'shop.example')).status, 503);
    assert.match(await rawHttp(l4port, '/healthz'), /200 OK[\s\S]*ok\n$/);
  } finally {
    await app.stop(500);
    await rm(dir, { recursive: true, force: true });
  }
});
