// The ClientHello reader (src/dataplane/tls/client-hello.ts; RFC 8446 §4.1.2, §4.2, §5.1;
// RFC 6066 §3) on hellos real TLS clients send, delivered whole, byte by byte and re-fragmented
// into several records, and on hostile inputs that must be 'invalid' or 'partial', never a throw.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { parseClientHello, MAX_HELLO_BYTES } from '../../src/dataplane/tls/client-hello.ts';
import { seededRandom } from '../support/seeded-random.ts';

/** The first bytes a real node:tls client sends. */
async function captureHello(opts: tls.ConnectionOptions): Promise<Buffer> {
  let resolveHello!: (b: Buffer) => void;
  const got = new Promise<Buffer>((r) => (resolveHello = r));
  const srv = net.createServer((s) => {
    let buf = Buffer.alloc(0);
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) { resolveHello(buf); s.destroy(); }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  const c = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts });
  c.on('error', () => {});
  const hello = await got;
  c.destroy();
  srv.close();
  return hello;
}

/** The same handshake message split into records of `size` bytes (RFC 8446 §5.1 allows it). */
function refragment(hello: Buffer, size: number): Buffer {
  const msg = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const out: Buffer[] = [];
  for (let i = 0; i < msg.length; i += size) {
    const part = msg.subarray(i, i + size);
    const h = Buffer.from([22, 3, 1, 0, 0]);
    h.writeUInt16BE(part.length, 3);
    out.push(h, part);
  }
  return Buffer.concat(out);
}

test('a real client hello gives its SNI, whole, byte by byte and fragmented', async () => {
  const hello = await captureHello({ servername: 'Passthrough.Example.com', ALPNProtocols: ['h2', 'http/1.1'] });
  assert.deepEqual(parseClientHello(hello), { state: 'done', serverName: 'passthrough.example.com' });
  for (let n = 0; n < hello.length; n++) assert.equal(parseClientHello(hello.subarray(0, n)).state, 'partial', `prefix ${n}`);
  for (const size of [1, 7, 100]) assert.deepEqual(parseClientHello(refragment(hello, size)), { state: 'done', serverName: 'passthrough.example.com' });
  // Bytes after the hello (a client that pipelines) do not matter.
  assert.equal(parseClientHello(Buffer.concat([hello, Buffer.from('extra')])).state, 'done');
});

test('a hello without SNI gives null; TLS 1.2-only clients too', async () => {
  assert.deepEqual(parseClientHello(await captureHello({})), { state: 'done', serverName: null });
  const h12 = await captureHello({ servername: 'a.example', maxVersion: 'TLSv1.2' });
  assert.deepEqual(parseClientHello(h12), { state: 'done', serverName: 'a.example' });
});

test('bytes that are not a TLS handshake are not-tls (TLS answers them)', () => {
  assert.equal(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n')).state, 'not-tls');
  assert.equal(parseClientHello(Buffer.from([0x80, 0x2e, 0x01])).state, 'not-tls');
  assert.equal(parseClientHello(Buffer.from([22, 2, 0, 0, 5])).state, 'not-tls');
});

/** A ClientHello built field by field, for hostile variants. */
function hello(exts: Buffer[], o: { sid?: number; suites?: number; comp?: number; extLenDelta?: number } = {}): Buffer {
  const ext = Buffer.concat(exts);
  const el = Buffer.alloc(2); el.writeUInt16BE(ext.length + (o.extLenDelta ?? 0));
  const sidLen = o.sid ?? 0;
  const suites = o.suites ?? 2;
  const body = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32), Buffer.from([sidLen]), Buffer.alloc(Math.min(sidLen, 40)),
    Buffer.from([suites >> 8, suites & 255]), Buffer.alloc(suites), Buffer.from([o.comp ?? 1]), Buffer.alloc(o.comp ?? 1), el, ext]);
  const hs = Buffer.concat([Buffer.from([1, body.length >> 16, (body.length >> 8) & 255, body.length & 255]), body]);
  const rec = Buffer.from([22, 3, 1, hs.length >> 8, hs.length & 255]);
  return Buffer.concat([rec, hs]);
}
function ext(type: number, data: Buffer): Buffer {
  const h = Buffer.alloc(4); h.writeUInt16BE(type, 0); h.writeUInt16BE(data.length, 2);
  return Buffer.concat([h, data]);
}
function sni(...names: [number, string][]): Buffer {
  const entries = Buffer.concat(names.map(([t, n]) => Buffer.concat([Buffer.from([t, n.length >> 8, n.length & 255]), Buffer.from(n, 'latin1')])));
  const l = Buffer.alloc(2); l.writeUInt16BE(entries.length);
  return Buffer.concat([l, entries]);
}

test('hostile hellos are invalid, never a throw', () => {
  assert.deepEqual(parseClientHello(hello([ext(0, sni([0, 'ok.example']))])), { state: 'done', serverName: 'ok.example' });
  const bad: [string, Buffer][] = [
    ['duplicate extension', hello([ext(0, sni([0, 'a.example'])), ext(0, sni([0, 'b.example']))])],
    ['two host names', hello([ext(0, sni([0, 'a.example'], [0, 'b.example']))])],
    ['host name with a NUL', hello([ext(0, sni([0, 'a.example\0.evil']))])],
    ['trailing dot (RFC 6066 §3)', hello([ext(0, sni([0, 'a.example.']))])],
    ['empty server_name', hello([ext(0, Buffer.alloc(0))])],
    ['list length beyond the extension', hello([ext(0, Buffer.from([0, 50, 0, 0, 1, 97]))])],
    ['extensions length mismatch', hello([ext(0, sni([0, 'a.example']))], { extLenDelta: 3 })],
    ['session id of 33 bytes', hello([], { sid: 33 })],
    ['odd cipher_suites length', hello([], { suites: 3 })],
    ['no compression method', hello([], { comp: 0 })],
  ];
  for (const [why, b] of bad) assert.equal(parseClientHello(b).state, 'invalid', why);
  // A record longer than 2^14, a handshake that is not a ClientHello, a hello claiming 16 MiB.
  assert.equal(parseClientHello(Buffer.from([22, 3, 1, 0x40, 0x01])).state, 'invalid');
  assert.equal(parseClientHello(Buffer.from([22, 3, 1, 0, 4, 2, 0, 0, 0])).state, 'invalid');
  assert.equal(parseClientHello(Buffer.from([22, 3, 1, 0, 4, 1, 0xff, 0xff, 0xff])).state, 'invalid');
  assert.ok(MAX_HELLO_BYTES >= 16384);
  // An alert record in the middle of a fragmented hello.
  const frag = refragment(hello([ext(0, sni([0, 'a.example']))]), 10);
  const mixed = Buffer.from(frag); mixed[15] = 21;
  assert.equal(parseClientHello(mixed).state, 'invalid');
});

test('random mutations of a real hello never throw', async () => {
  const real = await captureHello({ servername: 'fuzz.example' });
  const rnd = seededRandom(42);
  for (let i = 0; i < 3000; i++) {
    const b = Buffer.from(real);
    const flips = 1 + Math.floor(rnd() * 4);
    for (let f = 0; f < flips; f++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    const cut = rnd() < 0.3 ? b.subarray(0, Math.floor(rnd() * b.length)) : b;
    const r = parseClientHello(cut);
    assert.ok(['partial', 'invalid', 'done', 'not-tls'].includes(r.state));
  }
});
