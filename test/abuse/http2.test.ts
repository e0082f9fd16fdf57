// Abuse suite, HTTP/2 with raw frames (B1): stream floods, rapid reset, stalls, control-frame floods.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { eps, route, snapshot } from '../dataplane/http/helpers.ts';
import { HttpDataplane } from '../../src/dataplane/http/dataplane.ts';
import { HttpsListener } from '../../src/dataplane/tls/https-listener.ts';
import { SniTableBuilder } from '../../src/dataplane/tls/sni-table.ts';
import { generateDefaultCertificate } from '../../src/dataplane/tls/default-certificate.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { Metrics } from '../../src/util/metrics.ts';
import type { VirtualHost } from '../../src/model/route.ts';
import { FLAG, FRAME, RawH2, frame, request, rst } from './h2-frames.ts';
import { raw, rawBackend, show, sleep, statusOf, type RawBackend } from './support.ts';

const LIMITS = { maxConcurrentStreams: 16, maxHeaderListSize: 16 * 1024, idleTimeoutMs: 500, maxResets: 100 };
let echo: EchoServer;
let hold: RawBackend;
let dp: HttpDataplane;
let listener: HttpsListener;
let port: number;

before(async () => {
  echo = await startEchoServer({ name: 'echo' });
  hold = await rawBackend(() => { /* never answers */ });
  const metrics = new Metrics({ defaultMetrics: false });
  dp = new HttpDataplane({ logger: silentLogger(), metrics, trustProxy: [], connectTimeoutMs: 2000, upstreamTimeoutMs: 20_000,
    httpsPort: null, hsts: null, clientBodyTimeoutMs: 700, upstreamMaxConnections: 8 });
  const any: VirtualHost = { hostname: '', kind: 'any', routes: [route('Prefix', '/hold', 'default/hold:80'), route('Prefix', '/', 'default/echo:80')], fallback: null, certificateId: null };
  const snap = snapshot(1, [any], ['default/echo:80', 'default/hold:80']);
  dp.apply(snap, new Map([['default/echo:80', eps(echo.port)], ['default/hold:80', eps(hold.port)]]));
  const sni = new SniTableBuilder({ generatedDefault: generateDefaultCertificate() }).build(snap);
  listener = new HttpsListener(dp, { host: '127.0.0.1', port: 0, logger: silentLogger(), metrics, sni, http2: LIMITS });
  port = await listener.listen();
});
after(async () => {
  await listener.close(500);
  await dp.close();
  await Promise.all([echo.close(), hold.close()]);
});

/** A well-behaved HTTP/2 client request: status within `ms`, or 0. */
function legit(path: string, ms = 3000): Promise<number> {
  return new Promise((resolve) => {
    const c = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    c.on('error', () => resolve(0));
    const t = setTimeout(() => { c.destroy(); resolve(0); }, ms);
    const r = c.request({ ':path': path });
    r.on('response', (h) => { clearTimeout(t); resolve(Number(h[':status'])); r.close(); c.close(); });
    r.on('error', () => resolve(0));
    r.end();
  });
}

test('B1: SETTINGS advertises MAX_CONCURRENT_STREAMS and MAX_HEADER_LIST_SIZE', async (t) => {
  const c = await RawH2.connect(port);
  await c.waitFor((f) => f.some((x) => x.type === FRAME.SETTINGS), 2000);
  const s = c.serverSettings();
  show(t, 'preface + SETTINGS{}', `SETTINGS ${JSON.stringify([...s])}`);
  assert.equal(s.get(0x3), LIMITS.maxConcurrentStreams);
  assert.equal(s.get(0x6), LIMITS.maxHeaderListSize);
  c.destroy();
});

test('B1: 300 bodiless POST streams on one connection open at most the stream limit, within the endpoint bound', async (t) => {
  const c = await RawH2.connect(port);
  const frames: Buffer[] = [];
  for (let i = 0; i < 300; i++) {
    frames.push(frame(FRAME.HEADERS, FLAG.END_HEADERS, 1 + 2 * i, request('POST', `/hold/${i}`, 'h2.test', [['content-length', '100']])));
  }
  c.write(Buffer.concat(frames));
  await sleep(600);
  const upstream = hold.maxOpen;
  const refused = c.frames.filter((f) => f.type === FRAME.RST_STREAM && f.payload.readUInt32BE(0) === 7).length;
  show(t, '300 × HEADERS(POST /hold/i, content-length: 100, no END_STREAM), no DATA',
    `most upstream connections open at once: ${upstream}; REFUSED_STREAM: ${refused}; GOAWAY: ${JSON.stringify(c.goaway())}; closed: ${c.closed}`);
  assert.ok(upstream <= 8, `upstream connections ${upstream} > the per-endpoint bound 8`);
  assert.ok(refused > 0 || c.closed, 'streams beyond the limit were refused');
  // Another client and route are still served while this one holds its streams.
  assert.equal(await legit('/other'), 200);
  c.destroy();
});

test('B1: rapid reset (HEADERS + RST_STREAM in a loop) ends in GOAWAY (ENHANCE_YOUR_CALM) or close, every run', async (t) => {
  for (let run = 0; run < 3; run++) {
    const c = await RawH2.connect(port);
    const frames: Buffer[] = [];
    for (let i = 0; i < 2000; i++) {
      const id = 1 + 2 * i;
      frames.push(frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, id, request('GET', '/', 'h2.test')), rst(id));
    }
    c.write(Buffer.concat(frames));
    const ended = await c.waitFor(() => c.goaway() !== null || c.closed, 5000);
    const g = c.goaway();
    if (run === 0) show(t, '2000 × (HEADERS GET / END_STREAM, RST_STREAM CANCEL)', `GOAWAY ${JSON.stringify(g)}; closed: ${c.closed}`);
    assert.ok(ended, `run ${run}: no GOAWAY or close`);
    assert.ok(g === null || g.code === 11 || g.code === 1, `run ${run}: GOAWAY code ${g?.code}`);
    c.destroy();
  }
  assert.equal(await legit('/'), 200, 'the listener keeps serving');
});

test('B1: an idle connection, and a header block that stops before END_HEADERS, are closed at the idle timeout', async (t) => {
  const idle = await RawH2.connect(port);
  const t0 = Date.now();
  await idle.waitFor(() => idle.closed, 4000);
  show(t, 'preface + SETTINGS, then nothing', `closed: ${idle.closed} after ${Date.now() - t0} ms; GOAWAY ${JSON.stringify(idle.goaway())}`);
  assert.ok(idle.closed, 'idle connection closed');
  const stalled = await RawH2.connect(port);
  const t1 = Date.now();
  // HEADERS without END_HEADERS: the CONTINUATION that would finish it never comes.
  stalled.write(frame(FRAME.HEADERS, 0, 1, request('GET', '/', 'h2.test')));
  await stalled.waitFor(() => stalled.closed, 4000);
  show(t, 'HEADERS without END_HEADERS, then nothing', `closed: ${stalled.closed} after ${Date.now() - t1} ms`);
  assert.ok(stalled.closed, 'stalled header block closed');
});

test('B1: a request body that stops arriving is reset at the body timeout and its upstream released', async (t) => {
  const c = await RawH2.connect(port);
  const before = hold.open;
  c.write(frame(FRAME.HEADERS, FLAG.END_HEADERS, 1, request('POST', '/hold/body', 'h2.test', [['content-length', '100']])));
  c.write(frame(FRAME.DATA, 0, 1, Buffer.from('0123456789')));
  const reset = await c.waitFor((f) => f.some((x) => x.type === FRAME.RST_STREAM && x.stream === 1) || c.closed, 3000);
  await sleep(200);
  show(t, 'HEADERS POST content-length: 100, DATA 10 bytes, then nothing', `RST_STREAM or close: ${reset}; upstream connections open: ${hold.open} (before: ${before})`);
  assert.ok(reset, 'stream reset');
  assert.ok(hold.open <= before, 'upstream connection released');
  c.destroy();
});

test('control-frame floods (PING, SETTINGS, CONTINUATION) are contained; the listener keeps serving', async (t) => {
  const floods: Array<[string, Buffer]> = [
    ['20000 × PING', Buffer.concat(Array.from({ length: 20000 }, () => frame(FRAME.PING, 0, 0, Buffer.alloc(8))))],
    ['20000 × SETTINGS{}', Buffer.concat(Array.from({ length: 20000 }, () => frame(FRAME.SETTINGS, 0, 0)))],
    ['HEADERS + 20000 × empty CONTINUATION', Buffer.concat([frame(FRAME.HEADERS, 0, 1, request('GET', '/', 'h2.test')),
      ...Array.from({ length: 20000 }, () => frame(FRAME.CONTINUATION, 0, 1))])],
  ];
  for (const [what, bytes] of floods) {
    const c = await RawH2.connect(port);
    c.sock.pause(); // do not read the answers either
    c.write(bytes);
    await sleep(300);
    c.sock.resume();
    await c.waitFor(() => c.closed, 1500);
    show(t, what, `GOAWAY ${JSON.stringify(c.goaway())}; closed: ${c.closed}; frames back: ${c.frames.length}`);
    c.destroy();
    assert.equal(await legit('/'), 200, `after ${what}`);
  }
});

test('HTTP/1.1 over TLS follows the HTTP/1 rules: HTTP/2.0 → 505, h2c Upgrade served plainly', async (t) => {
  const v = 'GET / HTTP/2.0\r\nHost: h2.test\r\n\r\n';
  const r = await raw(port, v, { tls: { servername: 'h2.test', alpn: ['http/1.1'] }, waitMs: 2000 });
  show(t, v, r);
  assert.equal(statusOf(r.text), 505);
  const u = 'GET / HTTP/1.1\r\nHost: h2.test\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n';
  const r2 = await raw(port, u, { tls: { servername: 'h2.test', alpn: ['http/1.1'] }, until: (s) => s.includes('"remotePort"'), waitMs: 2000 });
  show(t, u, r2);
  assert.equal(statusOf(r2.text), 200);
});
