// End to end with a real gRPC client and server (@grpc/grpc-js): backend-protocol GRPC (h2c prior
// knowledge) and GRPCS (h2 over TLS) upstream, clients over TLS with ALPN h2. Unary, server-,
// client- and bidi-streaming, trailers and metadata, deadlines (grpc-timeout), cancellation, and
// gateway-generated errors answered as gRPC.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { makeCert, tlsSecret } from '../support/certs.ts';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass, service } from '../support/manifests.ts';
import { EchoClient, startGrpcServer, unary, type Client, type GrpcServer } from '../support/grpc.ts';

const NS = 'grpc';
const A = 'nginx.ingress.kubernetes.io/';
const edge = makeCert({ sans: ['h2c.grpc.test', 'tls.grpc.test', 'none.grpc.test', 'deaf.grpc.test'] });
const podCert = makeCert({ sans: ['pod.grpc'] });
let plain: GrpcServer;
let secure: GrpcServer;
let gw: TestGateway;
const clients: Client[] = [];
/** An h2c "gRPC" backend that ignores grpc-timeout: only the gateway can end its calls. */
let deaf: http2.Http2Server;
let deafPort = 0;
let deafClosed = 0;

function client(host: string): Client {
  const creds = grpc.credentials.createSsl(Buffer.from(edge.certPem));
  const c = new EchoClient(`127.0.0.1:${gw.app.ports.https}`, creds, { 'grpc.ssl_target_name_override': host, 'grpc.default_authority': host }) as Client;
  clients.push(c);
  return c;
}

before(async () => {
  plain = await startGrpcServer('h2c');
  secure = await startGrpcServer('tls', grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(podCert.certPem), private_key: Buffer.from(podCert.keyPem) }]));
  deaf = http2.createServer();
  deaf.on('stream', (stream, headers) => {
    stream.on('close', () => { deafClosed++; });
    stream.resume();
    if (headers[':path'] === '/portico.test.Echo/Started') {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      const body = Buffer.from('{}');
      stream.write(Buffer.concat([Buffer.from([0, 0, 0, 0, body.length]), body]));
    }
  });
  await new Promise<void>((r) => deaf.listen(0, '127.0.0.1', () => r()));
  deafPort = (deaf.address() as import('node:net').AddressInfo).port;
  const tlsSpec = [{ hosts: ['h2c.grpc.test', 'tls.grpc.test', 'none.grpc.test', 'deaf.grpc.test'], secretName: 'edge' }];
  gw = await startGateway([
    ingressClass(),
    tlsSecret(NS, 'edge', edge.certPem, edge.keyPem),
    ...backendFor(NS, 'plain', [plain.port]),
    ...backendFor(NS, 'secure', [secure.port]),
    ...backendFor(NS, 'deaf', [deafPort]),
    // No spec.tls: reached over plain HTTP with HTTP/2 prior knowledge (no 308 to https).
    ingress(NS, 'cleartext', [{ host: 'cleartext.grpc.test', paths: [{ path: '/', service: 'plain', port: 80 }] }], { annotations: { [`${A}backend-protocol`]: 'GRPC' } }),
    ingress(NS, 'deaf', [{ host: 'deaf.grpc.test', paths: [{ path: '/', service: 'deaf', port: 80 }] }], { tls: tlsSpec, annotations: { [`${A}backend-protocol`]: 'GRPC' } }),
    service(NS, 'empty', [{ name: 'http', port: 80 }]),
    ingress(NS, 'h2c', [{ host: 'h2c.grpc.test', paths: [{ path: '/', service: 'plain', port: 80 }] }], { tls: tlsSpec, annotations: { [`${A}backend-protocol`]: 'GRPC' } }),
    ingress(NS, 'tls', [{ host: 'tls.grpc.test', paths: [{ path: '/', service: 'secure', port: 80 }] }], { tls: tlsSpec, annotations: { [`${A}backend-protocol`]: 'GRPCS' } }),
    ingress(NS, 'none', [{ host: 'none.grpc.test', paths: [{ path: '/', service: 'empty', port: 80 }] }], { tls: tlsSpec, annotations: { [`${A}backend-protocol`]: 'GRPC' } }),
  ], { httpsPort: 0 });
});

after(async () => {
  for (const c of clients) c.close();
  await gw.close();
  await plain.close();
  await secure.close();
  deaf.close();
});

for (const [host, label] of [['h2c.grpc.test', 'GRPC (h2c)'], ['tls.grpc.test', 'GRPCS (h2 over TLS)']] as const) {
  test(`${label}: unary with metadata; server-, client- and bidi-streaming`, async () => {
    const c = client(host);
    const md = new grpc.Metadata();
    md.set('x-test', 'hello');
    const r = await unary(c, 'unary', { a: 1 }, { md });
    assert.deepEqual(r, { name: host.startsWith('h2c') ? 'h2c' : 'tls', echo: { a: 1 }, md: 'hello' });

    const got: number[] = await new Promise((resolve, reject) => {
      const out: number[] = [];
      const call = c.serverStream({ n: 5 });
      call.on('data', (m: { i: number }) => out.push(m.i));
      call.on('error', reject);
      call.on('end', () => resolve(out));
    });
    assert.deepEqual(got, [0, 1, 2, 3, 4]);

    const sum = await new Promise((resolve, reject) => {
      const call = c.clientStream((err: Error | null, res: { sum: number }) => (err ? reject(err) : resolve(res.sum)));
      for (const v of [1, 2, 3, 4]) call.write({ v });
      call.end();
    });
    assert.equal(sum, 10);

    const echoed = await new Promise<unknown[]>((resolve, reject) => {
      const call = c.bidi();
      const out: unknown[] = [];
      call.on('data', (m: { back: unknown }) => {
        out.push(m.back);
        // Interleaved: the next message goes out only after the previous answer came back.
        if (out.length < 3) call.write({ v: out.length });
        else call.end();
      });
      call.on('error', reject);
      call.on('end', () => resolve(out));
      call.write({ v: 0 });
    });
    assert.deepEqual(echoed, [0, 1, 2]);
  });

  test(`${label}: a backend error arrives with its status, message and trailing metadata`, async () => {
    const c = client(host);
    const err = await unary(c, 'fail', {}).then(() => null, (e: grpc.ServiceError) => e);
    assert.ok(err);
    assert.equal(err.code, grpc.status.NOT_FOUND, err.details);
    assert.equal(err.details, 'no such thing');
    assert.equal(err.metadata.get('x-detail')[0], 'from-backend');
  });
}

test('deadlines: grpc-timeout reaches the backend, and the call ends DEADLINE_EXCEEDED', async () => {
  const c = client('h2c.grpc.test');
  const before = plain.deadlines.length;
  const started = Date.now();
  const err = await unary(c, 'slow', { ms: 3000 }, { deadlineMs: 300 }).then(() => null, (e: grpc.ServiceError) => e);
  assert.equal(err?.code, grpc.status.DEADLINE_EXCEEDED);
  assert.ok(Date.now() - started < 2000);
  const seen = plain.deadlines[before];
  assert.ok(seen > 0 && seen <= 300, `backend saw a deadline of ${seen} ms`);
});

/** One raw HTTP/2 call (a client that does not enforce deadlines itself). */
async function rawCall(path: string, extra: Record<string, string>): Promise<{ headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders; ms: number }> {
  const session = http2.connect(`https://127.0.0.1:${gw.app.ports.https}`, { ca: edge.certPem, servername: 'deaf.grpc.test' });
  try {
    const body = Buffer.from('{}');
    const started = Date.now();
    return await new Promise((resolve, reject) => {
      const s = session.request({ ':method': 'POST', ':path': path, ':authority': 'deaf.grpc.test', 'content-type': 'application/grpc', te: 'trailers', ...extra });
      let headers: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders = {};
      s.on('response', (h) => { headers = h; });
      s.on('trailers', (t) => { trailers = t; });
      s.on('error', reject);
      s.on('close', () => resolve({ headers, trailers, ms: Date.now() - started }));
      s.resume();
      s.end(Buffer.concat([Buffer.from([0, 0, 0, 0, body.length]), body]));
    });
  } finally {
    session.close();
  }
}

test('the gateway enforces grpc-timeout itself: DEADLINE_EXCEEDED before or after the response began, upstream stream reset', async () => {
  const closedBefore = deafClosed;
  const early = await rawCall('/portico.test.Echo/Never', { 'grpc-timeout': '250m' });
  assert.equal(early.headers['grpc-status'], '4', JSON.stringify(early));
  assert.equal(early.headers['content-type'], 'application/grpc');
  assert.ok(early.ms >= 200 && early.ms < 2000, `ended at the deadline (${early.ms} ms)`);
  const late = await rawCall('/portico.test.Echo/Started', { 'grpc-timeout': '300m' });
  assert.equal(late.headers[':status'], 200);
  assert.equal(late.trailers['grpc-status'], '4', JSON.stringify(late));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(deafClosed - closedBefore, 2, 'both upstream streams were reset');
});

test('a malformed grpc-timeout is answered INTERNAL without reaching the backend', async () => {
  const closedBefore = deafClosed;
  const r = await rawCall('/portico.test.Echo/Never', { 'grpc-timeout': '5 seconds' });
  assert.equal(r.headers['grpc-status'], '13');
  assert.match(decodeURIComponent(String(r.headers['grpc-message'])), /malformed grpc-timeout/);
  assert.equal(deafClosed, closedBefore);
});

test('cancellation: a client cancel resets the upstream stream', async () => {
  const c = client('tls.grpc.test');
  const before = secure.cancelled;
  await new Promise<void>((resolve) => {
    const call = c.serverStream({ n: 1000, every: 20 });
    let n = 0;
    call.on('data', () => { if (++n === 2) call.cancel(); });
    call.on('error', (e: grpc.ServiceError) => { assert.equal(e.code, grpc.status.CANCELLED); resolve(); });
  });
  const deadline = Date.now() + 2000;
  while (secure.cancelled === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(secure.cancelled > before, 'backend saw the cancel');
});

test('gateway errors are gRPC: a route without endpoints answers UNAVAILABLE (14), not a text 503', async () => {
  const c = client('none.grpc.test');
  const err = await unary(c, 'unary', {}).then(() => null, (e: grpc.ServiceError) => e);
  assert.equal(err?.code, grpc.status.UNAVAILABLE);
  assert.match(err?.details ?? '', /no endpoint|unavailable/i);
});

test('plaintext HTTP port: gRPC with HTTP/2 prior knowledge (h2c) end to end, HTTP/1.1 on the same port unchanged', async () => {
  const c = new EchoClient(`127.0.0.1:${gw.app.ports.http}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'cleartext.grpc.test' }) as Client;
  clients.push(c);
  assert.deepEqual(await unary(c, 'unary', { x: 'h2c' }), { name: 'h2c', echo: { x: 'h2c' }, md: null });
  const got: number[] = await new Promise((resolve, reject) => {
    const out: number[] = [];
    const call = c.serverStream({ n: 3 });
    call.on('data', (m: { i: number }) => out.push(m.i));
    call.on('error', reject);
    call.on('end', () => resolve(out));
  });
  assert.deepEqual(got, [0, 1, 2]);
  // HTTP/1.1 on the same port, also when its first bytes arrive one at a time ("P" could start
  // the HTTP/2 preface).
  assert.equal((await request(gw.url + '/nope', { host: 'unknown.grpc.test' })).status, 404);
  const raw = await new Promise<string>((resolve, reject) => {
    const s = net.connect(gw.app.ports.http, '127.0.0.1');
    let out = '';
    s.on('data', (d) => { out += d.toString('latin1'); });
    s.on('end', () => resolve(out));
    s.on('error', reject);
    const msg = 'PUT /x HTTP/1.1\r\nhost: unknown.grpc.test\r\ncontent-length: 0\r\nconnection: close\r\n\r\n';
    let i = 0;
    const t = setInterval(() => { s.write(msg.slice(i, i + 1)); if (++i === 3) { clearInterval(t); s.write(msg.slice(3)); } }, 20);
  });
  assert.match(raw, /^HTTP\/1\.1 404 /);
});
