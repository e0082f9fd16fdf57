// TLS passthrough through the real HTTPS port (README "TLS passthrough"): SNI naming a passthrough
// host is relayed undecrypted to a backend that terminates TLS itself (the client sees the
// backend's own certificate and ALPN); other hosts keep being terminated here, HTTP/2 included;
// hostile or slow hellos are closed and the port keeps serving; no endpoint ⇒ closed.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import http2 from 'node:http2';
import { Metrics } from '../../src/util/metrics.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { TlsDataplane } from '../../src/dataplane/tls/tls-dataplane.ts';
import { HttpDataplane } from '../../src/dataplane/http/dataplane.ts';
import { makeEndpoint } from '../../src/model/endpoint.ts';
import type { Snapshot } from '../../src/model/snapshot.ts';
import { makeCert } from '../support/certs.ts';
import { cluster } from '../dataplane/l4/support.ts';
import { certificate, snapshot, handshake, plainHandler } from './tls-fixtures.ts';

const backendCert = makeCert({ sans: ['pass.example'], cn: 'backend-own' });
const gwCert = makeCert({ sans: ['term.example'], cn: 'gateway-term' });
let backend: tls.Server;
let backendPort: number;
let dp: TlsDataplane;
let port: number;
const metrics = new Metrics({ defaultMetrics: false });

function passSnapshot(version: number, endpoints: boolean): [Snapshot, Map<string, ReturnType<typeof makeEndpoint>[]>] {
  const base = snapshot(version, [['term.example', 'default/term'], ['pass.example', null]], [certificate('default/term', gwCert, ['term.example'])]);
  const c = cluster('default/pass:443');
  return [{ ...base, clusters: [c], passthrough: [{ hostname: 'pass.example', clusterId: c.id, ingress: 'default/pass' }] },
    new Map(endpoints ? [[c.id, [makeEndpoint('127.0.0.1', backendPort)]]] : [])];
}

before(async () => {
  backend = tls.createServer({ cert: backendCert.certPem, key: backendCert.keyPem, ALPNProtocols: ['h2', 'http/1.1'] }, (s) => {
    s.on('data', (d: Buffer) => s.write(`backend saw ${d.toString()} over ${s.alpnProtocol}`));
    s.on('end', () => s.end());
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  backendPort = (backend.address() as net.AddressInfo).port;
  dp = new TlsDataplane(plainHandler(), { host: '127.0.0.1', port: 0, logger: silentLogger(), metrics, sessionResumption: true });
  port = await dp.listen();
  const [s, e] = passSnapshot(1, true);
  dp.apply(s, e);
});
after(async () => {
  await dp.close(500);
  backend.close();
});

function talk(servername: string, alpn: string[] = ['http/1.1']): Promise<{ cn: string; alpn: string | false | null; reply: string }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, ALPNProtocols: alpn }, () => {
      s.write('ping');
      s.once('data', (d: Buffer) => {
        resolve({ cn: String(s.getPeerCertificate().subject?.CN), alpn: s.alpnProtocol, reply: d.toString() });
        s.end();
      });
    });
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
    s.on('error', reject);
  });
}

test('a passthrough host reaches the backend undecrypted: its own certificate and ALPN', async () => {
  const r = await talk('pass.example', ['h2', 'http/1.1']);
  assert.equal(r.cn, 'backend-own');
  assert.equal(r.alpn, 'h2');
  assert.equal(r.reply, 'backend saw ping over h2');
  // SNI is case-insensitive (RFC 6066 §3 host names are DNS names).
  assert.equal((await talk('PASS.example')).cn, 'backend-own');
});

test('other hosts are terminated here, HTTP/2 by ALPN included', async () => {
  assert.equal((await handshake(port, 'term.example')).cn, 'gateway-term');
  assert.equal((await handshake(port, undefined)).cn !== 'backend-own', true);
  const client = http2.connect(`https://127.0.0.1:${port}`, { servername: 'term.example', rejectUnauthorized: false });
  const body = await new Promise<string>((resolve, reject) => {
    const req = client.request({ ':path': '/', ':authority': 'term.example' });
    let b = '';
    req.on('data', (c: Buffer) => (b += c.toString()));
    req.on('end', () => resolve(b));
    req.on('error', reject);
  });
  client.close();
  assert.equal(JSON.parse(body).version, '2.0');
});

function rawExchange(bytes: Buffer | null, waitMs = 3000): Promise<'closed' | 'open'> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { if (bytes) s.write(bytes); });
    s.on('error', () => {});
    s.on('data', () => {});
    const t = setTimeout(() => { s.destroy(); resolve('open'); }, waitMs);
    s.on('close', () => { clearTimeout(t); resolve('closed'); });
  });
}

test('a malformed hello is closed, and the port keeps serving', async () => {
  // A handshake record whose ClientHello claims two SNI host names (RFC 6066 §3 forbids it).
  const names = Buffer.from([0, 0, 0, 1, 97, 0, 0, 1, 98]);
  const list = Buffer.concat([Buffer.from([0, names.length]), names]);
  const ext = Buffer.concat([Buffer.from([0, 0, 0, list.length]), list]);
  const body = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32), Buffer.from([0, 0, 2, 0x13, 0x01, 1, 0, 0, ext.length]), ext]);
  const hs = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 255]), body]);
  assert.equal(await rawExchange(Buffer.concat([Buffer.from([22, 3, 1, 0, hs.length]), hs])), 'closed');
  assert.equal(await rawExchange(Buffer.from([22, 3, 1, 0xff, 0xff])), 'closed');
  assert.equal((await talk('pass.example')).cn, 'backend-own');
});

test('plain HTTP on the HTTPS port goes on to TLS, which refuses it', async () => {
  assert.equal(await rawExchange(Buffer.from('GET / HTTP/1.1\r\nhost: x\r\n\r\n')), 'closed');
});

test('no endpoint: passthrough connections are closed; removing passthrough terminates the host here', async () => {
  const [s0, e0] = passSnapshot(2, false);
  dp.apply(s0, e0);
  await assert.rejects(talk('pass.example'));
  const [s1, e1] = passSnapshot(3, true);
  dp.apply(s1, e1);
  assert.equal((await talk('pass.example')).cn, 'backend-own');
  // EndpointSlice fast path: the endpoint goes away, new connections are closed.
  dp.updateEndpoints('default/pass:443', []);
  await assert.rejects(talk('pass.example'));
  dp.updateEndpoints('default/pass:443', [makeEndpoint('127.0.0.1', backendPort)]);
  dp.apply(snapshot(4, [['pass.example', 'default/term']], [certificate('default/term', gwCert, ['term.example'])]), new Map());
  assert.equal((await handshake(port, 'pass.example')).cn, 'gateway-term');
});

test('explain says a host is passed through over TLS', () => {
  const http = new HttpDataplane({ logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), trustProxy: [], connectTimeoutMs: 1000, upstreamTimeoutMs: 1000, httpsPort: null, hsts: null });
  const [s, e] = passSnapshot(5, true);
  http.apply(s, e);
  assert.deepEqual(http.explain('PASS.example', '/').tlsPassthrough, { clusterId: 'default/pass:443', ingress: 'default/pass' });
  assert.equal(http.explain('term.example', '/').tlsPassthrough, undefined);
});
