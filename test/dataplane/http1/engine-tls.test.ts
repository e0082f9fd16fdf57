// The lean engine over TLS (src/dataplane/http1/tls-attach.ts): HTTP/1.1 after the handshake is
// served by the engine on the tls.TLSSocket; h2 by ALPN stays on node:http2; what the engine
// hands over is answered by node's allowHTTP1 path on the same connection. Real TLS clients.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';
import { WebSocket } from 'ws';
import { startEchoServer, patternSha256, type EchoServer } from '../../support/echo-server.ts';
import { startGateway, type TestGateway } from '../../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../../support/manifests.ts';
import { makeCert, tlsSecret } from '../../support/certs.ts';

let echo: EchoServer;
let gw: TestGateway;
let port: number;

before(async () => {
  echo = await startEchoServer({ name: 'web' });
  const cert = makeCert({ sans: ['shop.test'], cn: 'shop' });
  gw = await startGateway([
    ingressClass(),
    ...backendFor('default', 'web', [echo.port]),
    tlsSecret('default', 'shop-tls', cert.certPem, cert.keyPem),
    ingress('default', 'shop', [{ host: 'shop.test', paths: [{ path: '/', service: 'web', port: 80 }] }], { tls: [{ hosts: ['shop.test'], secretName: 'shop-tls' }] }),
  ], { httpsPort: 0, http1Engine: 'lean' });
  port = gw.app.ports.https as number;
});

after(async () => {
  await gw.close();
  await echo.close();
});

async function counts(): Promise<{ lean: number; node: number }> {
  const m = await gw.app.metrics.http1EngineRequests.get();
  const v = (e: string): number => m.values.find((x) => x.labels.engine === e)?.value ?? 0;
  return { lean: v('lean'), node: v('node') };
}

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string; socketPort: number }

function get(agent: https.Agent, path: string, opts: { method?: string; body?: Buffer; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', servername: 'shop.test', agent, rejectUnauthorized: false,
      headers: { host: 'shop.test', ...opts.headers } }, (res) => {
      let body = '';
      const socketPort = res.socket.localPort ?? 0;
      res.setEncoding('latin1');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, socketPort }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Raw bytes over one TLS connection (ALPN http/1.1), collected until the server closes or `ms` pass. */
function rawTls(data: string, ms = 1500): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'shop.test', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => s.write(data));
    let out = '';
    s.on('data', (c: Buffer) => { out += c.toString('latin1'); });
    s.on('error', reject);
    const t = setTimeout(() => { s.destroy(); resolve(out); }, ms);
    s.on('close', () => { clearTimeout(t); resolve(out); });
  });
}

test('HTTPS HTTP/1.1 is served by the lean engine: X-Forwarded-Proto https, HSTS, keep-alive on one TLS connection', async () => {
  const before = await counts();
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const a = await get(agent, '/one?x=1');
    const b = await get(agent, '/two');
    assert.equal(a.status, 200);
    const body = JSON.parse(a.body) as { name: string; path: string; headers: Record<string, string> };
    assert.equal(body.name, 'web');
    assert.equal(body.path, '/one?x=1');
    assert.equal(body.headers['x-forwarded-proto'], 'https');
    assert.equal(a.headers['strict-transport-security'], 'max-age=15724800');
    assert.equal(b.status, 200);
    assert.equal(a.socketPort, b.socketPort, 'both requests on one TLS connection');
    const now = await counts();
    assert.equal(now.lean - before.lean, 2);
    assert.equal(now.node - before.node, 0);
  } finally {
    agent.destroy();
  }
});

test('request and response bodies stream over TLS on the lean engine', async () => {
  const agent = new https.Agent({ keepAlive: false });
  const big = await get(agent, '/bytes/300000');
  assert.equal(big.status, 200);
  const { createHash } = await import('node:crypto');
  assert.equal(createHash('sha256').update(Buffer.from(big.body, 'latin1')).digest('hex'), patternSha256(300000));
  const up = await get(agent, '/post', { method: 'POST', body: Buffer.from('hello over tls'), headers: { 'content-type': 'text/plain' } });
  assert.equal((JSON.parse(up.body) as { body: string }).body, 'hello over tls');
});

test('a request the engine does not serve is answered by node on the same TLS connection, pipelined next request too', async () => {
  const before = await counts();
  // An Expect other than 100-continue goes to node:http (417, RFC 9110 §10.1.1); then a plain GET.
  const out = await rawTls('GET / HTTP/1.1\r\nHost: shop.test\r\nExpect: nonsense\r\n\r\nGET /after HTTP/1.1\r\nHost: shop.test\r\nConnection: close\r\n\r\n');
  assert.match(out, /^HTTP\/1\.1 417 /);
  assert.match(out, /HTTP\/1\.1 200 OK[\s\S]*"path":"\/after"/);
  const now = await counts();
  assert.equal(now.node - before.node, 1);
});

test('a malformed request over TLS gets 400 from the lean parser and the connection closes', async () => {
  const out = await rawTls('GET / HTTP/1.1\r\nHost: shop.test\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n');
  assert.match(out, /^HTTP\/1\.1 400 /);
});

test('wss: the WebSocket handshake over TLS is served by the lean engine and spliced', async () => {
  const before = await counts();
  const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, { headers: { host: 'shop.test' }, rejectUnauthorized: false });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.send('over tls');
  assert.equal((await new Promise<Buffer>((resolve) => ws.once('message', (d) => resolve(d as Buffer)))).toString(), 'over tls');
  ws.close();
  await new Promise((r) => ws.once('close', r));
  const now = await counts();
  assert.equal(now.lean - before.lean, 1);
  assert.equal(now.node - before.node, 0);
});

test('h2 by ALPN stays on node:http2', async () => {
  const before = await counts();
  const client = http2.connect(`https://127.0.0.1:${port}`, { servername: 'shop.test', rejectUnauthorized: false });
  try {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = client.request({ ':path': '/h2', ':authority': 'shop.test' });
      let status = 0;
      let body = '';
      req.on('response', (h) => { status = Number(h[':status']); });
      req.setEncoding('utf8');
      req.on('data', (c: string) => { body += c; });
      req.on('end', () => resolve({ status, body }));
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200);
    assert.equal((JSON.parse(body) as { path: string }).path, '/h2');
    const now = await counts();
    assert.deepEqual(now, before);
  } finally {
    client.close();
  }
});

test('drain over TLS: an in-flight lean request completes with Connection: close, an idle lean connection closes', async () => {
  const cert = makeCert({ sans: ['drain.test'], cn: 'drain' });
  const g = await startGateway([
    ingressClass(),
    ...backendFor('default', 'web', [echo.port]),
    tlsSecret('default', 'drain-tls', cert.certPem, cert.keyPem),
    ingress('default', 'drain', [{ host: 'drain.test', paths: [{ path: '/', service: 'web', port: 80 }] }], { tls: [{ hosts: ['drain.test'], secretName: 'drain-tls' }] }),
  ], { httpsPort: 0, http1Engine: 'lean' });
  const p = g.app.ports.https as number;
  const connect = (): Promise<tls.TLSSocket> => new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: p, servername: 'drain.test', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => resolve(s));
    s.on('error', reject);
  });
  const collect = (s: tls.TLSSocket): Promise<string> => new Promise((resolve) => {
    let out = '';
    s.on('data', (c: Buffer) => { out += c.toString('latin1'); });
    s.on('close', () => resolve(out));
  });
  try {
    const busy = await connect();
    const idle = await connect();
    const busyOut = collect(busy);
    const idleOut = collect(idle);
    idle.write('GET /first HTTP/1.1\r\nHost: drain.test\r\n\r\n');
    await new Promise((r) => setTimeout(r, 200));
    busy.write('GET /delay/400 HTTP/1.1\r\nHost: drain.test\r\n\r\n');
    await new Promise((r) => setTimeout(r, 100));
    const stopped = g.app.stop(3000);
    const [b, i] = await Promise.all([busyOut, idleOut]);
    await stopped;
    assert.match(b, /^HTTP\/1\.1 200 OK/);
    assert.match(b, /\r\nconnection: close\r\n/i);
    assert.match(b, /"path":"\/delay\/400"/);
    assert.match(i, /^HTTP\/1\.1 200 OK[\s\S]*"path":"\/first"/);
    assert.equal(i.match(/HTTP\/1\.1/g)?.length, 1);
  } finally {
    await g.close().catch(() => {});
  }
});
