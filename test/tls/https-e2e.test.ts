// HTTPS end to end through the real HttpDataplane (README "TLS"): HTTP/1.1 and h2 by
// ALPN to an HTTP/1.1 echo backend, wss, HSTS on TLS responses, 308 from the plain listener to
// the https URL, and a certificate hot swap while requests keep flowing.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import net from 'node:net';
import { WebSocket, type ClientOptions } from 'ws';
import { Store } from '../../src/store/store.ts';
import type { Ingress } from '../../src/k8s/types.ts';
import { translate, defaultTranslateOptions } from '../../src/translate/index.ts';
import { makeEndpoint } from '../../src/model/endpoint.ts';
import { Metrics } from '../../src/util/metrics.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { HttpDataplane } from '../../src/dataplane/http/dataplane.ts';
import { HttpListener } from '../../src/dataplane/http/listener.ts';
import { HttpsListener } from '../../src/dataplane/tls/https-listener.ts';
import { SniTableBuilder } from '../../src/dataplane/tls/sni-table.ts';
import { generateDefaultCertificate } from '../../src/dataplane/tls/default-certificate.ts';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { makeCert, tlsSecret } from '../support/certs.ts';
import { handshake } from './tls-fixtures.ts';

const HSTS = 'max-age=15724800';
const first = makeCert({ sans: ['app.test'], cn: 'app-1' });
const second = makeCert({ sans: ['app.test'], cn: 'app-2' });

let echo: EchoServer;
let dataplane: HttpDataplane;
let httpsListener: HttpsListener;
let httpListener: HttpListener;
let httpsPort: number;
let httpPort: number;
const store = new Store();
const builder = new SniTableBuilder({ generatedDefault: generateDefaultCertificate() });
let version = 0;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Translate the store and apply it to both the route table and the SNI table. */
function apply(): void {
  const { snapshot } = translate(store, { ...defaultTranslateOptions(), version: ++version });
  dataplane.apply(snapshot, new Map([['default/web:80', [makeEndpoint('127.0.0.1', echo.port)]]]));
  httpsListener.setSniTable(builder.build(snapshot));
}

before(async () => {
  echo = await startEchoServer({ name: 'web' });
  const ing: Ingress = {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: { name: 'app', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: {
      ingressClassName: 'portico',
      tls: [{ hosts: ['app.test'], secretName: 'app-tls' }],
      rules: [{ host: 'app.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
    },
  };
  store.upsert('IngressClass', { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: 'portico.io/ingress-controller' } });
  store.upsert('Service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80, targetPort: echo.port }] } });
  store.upsert('Secret', tlsSecret('default', 'app-tls', first.certPem, first.keyPem));
  store.upsert('Ingress', ing);

  const metrics = new Metrics({ defaultMetrics: false });
  const logger = silentLogger();
  httpsPort = await freePort();
  dataplane = new HttpDataplane({ logger, metrics, trustProxy: [], connectTimeoutMs: 2000, upstreamTimeoutMs: 10_000, httpsPort, hsts: HSTS });
  const { snapshot } = translate(store, { ...defaultTranslateOptions(), version: ++version });
  httpsListener = new HttpsListener(dataplane, { host: '127.0.0.1', port: httpsPort, logger, metrics, sni: builder.build(snapshot) });
  httpListener = new HttpListener(dataplane, { host: '127.0.0.1', port: 0, logger, metrics });
  apply();
  await httpsListener.listen();
  httpPort = await httpListener.listen();
});

after(async () => {
  await httpListener?.close(1000);
  await httpsListener?.close(1000);
  await dataplane?.close();
  await echo?.close();
});

function httpsGet(path: string, agent?: https.Agent): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; cn: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: httpsPort, path, servername: 'app.test', headers: { host: 'app.test' }, rejectUnauthorized: false, ...(agent ? { agent } : {}) }, (res) => {
      let body = '';
      const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
      const cn = (peer?.subject as { CN?: string } | undefined)?.CN ?? '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, cn }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

test('HTTP/1.1 over TLS reaches the backend, with HSTS and x-forwarded-proto https', async () => {
  const r = await httpsGet('/hello?x=1');
  assert.equal(r.status, 200);
  assert.equal(r.headers['strict-transport-security'], HSTS);
  const body = JSON.parse(r.body);
  assert.equal(body.path, '/hello?x=1');
  assert.equal(body.headers['x-forwarded-proto'], 'https');
  assert.equal(r.cn, 'app-1');
});

test('h2 by ALPN, proxied to the HTTP/1.1 backend', async () => {
  const session = http2.connect(`https://127.0.0.1:${httpsPort}`, { servername: 'app.test', rejectUnauthorized: false });
  try {
    const { headers, body } = await new Promise<{ headers: http2.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = session.request({ ':path': '/h2/path?q=2', ':authority': 'app.test' });
      let headers: http2.IncomingHttpHeaders = {};
      let body = '';
      req.setEncoding('utf8');
      req.on('response', (h) => (headers = h));
      req.on('data', (d) => (body += d));
      req.on('end', () => resolve({ headers, body }));
      req.on('error', reject);
      req.setTimeout(5000, () => req.close());
      req.end();
    });
    assert.equal(headers[':status'], 200);
    assert.equal(headers['strict-transport-security'], HSTS);
    const echoed = JSON.parse(body);
    assert.equal(echoed.path, '/h2/path?q=2');
    assert.equal(echoed.host, 'app.test');
    assert.equal(echoed.headers['x-forwarded-proto'], 'https');
    assert.equal(session.alpnProtocol, 'h2');
  } finally {
    session.close();
  }
});

test('wss through the listener', async () => {
  // ws passes servername through to tls.connect; its types do not list it.
  const opts = { servername: 'app.test', headers: { host: 'app.test' }, rejectUnauthorized: false } as ClientOptions;
  const ws = new WebSocket(`wss://127.0.0.1:${httpsPort}/ws`, opts);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const got = new Promise<string>((resolve) => ws.once('message', (d) => resolve((d as Buffer).toString())));
    ws.send('hello over tls');
    assert.equal(await got, 'hello over tls');
  } finally {
    ws.terminate();
  }
});

test('plain HTTP gets 308 to the https URL (same path and query), and following it works', async () => {
  const r = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: httpPort, path: '/a/b?c=d', headers: { host: 'app.test' } }, resolve);
    req.on('error', reject);
    req.end();
  });
  r.resume();
  assert.equal(r.statusCode, 308);
  assert.equal(r.headers.location, `https://app.test:${httpsPort}/a/b?c=d`);
  const loc = new URL(r.headers.location);
  const followed = await httpsGet(loc.pathname + loc.search);
  assert.equal(followed.status, 200);
  assert.equal(JSON.parse(followed.body).path, '/a/b?c=d');
});

test('Secret change during traffic: new handshakes get the new certificate, no request fails', async () => {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 2 });
  let stop = false;
  let ok = 0;
  let swapped = false;
  const cnAfterSwap = new Set<string>();
  const failures: string[] = [];
  const loop = (async () => {
    while (!stop) {
      try {
        const r = await httpsGet('/loop', agent);
        if (swapped) cnAfterSwap.add(r.cn);
        if (r.status === 200) ok++;
        else failures.push(String(r.status));
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
  })();
  try {
    await new Promise((r) => setTimeout(r, 100));
    store.upsert('Secret', tlsSecret('default', 'app-tls', second.certPem, second.keyPem));
    const changed = Date.now();
    apply();
    swapped = true;
    let cn = '';
    while (Date.now() - changed < 5000) {
      cn = (await handshake(httpsPort, 'app.test')).cn;
      if (cn === 'app-2') break;
    }
    assert.equal(cn, 'app-2');
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    stop = true;
    await loop;
    agent.destroy();
  }
  assert.deepEqual(failures, []);
  assert.ok(ok > 0);
  // Keep-alive connections made before the change kept their certificate and kept serving.
  assert.ok(cnAfterSwap.has('app-1'), [...cnAfterSwap].join());
});

test('close(drain): in-flight request finishes, new connections are refused', async () => {
  const metrics = new Metrics({ defaultMetrics: false });
  const l = new HttpsListener(dataplane, { host: '127.0.0.1', port: 0, logger: silentLogger(), metrics, sni: httpsListener.sniTable });
  const port = await l.listen();
  const slow = new Promise<number>((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/delay/300', servername: 'app.test', headers: { host: 'app.test' }, rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
  await new Promise((r) => setTimeout(r, 100));
  const closing = l.close(5000);
  const refused = await new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(false); });
    s.once('error', () => resolve(true));
  });
  assert.equal(refused, true);
  assert.equal(await slow, 200);
  await closing;
});
