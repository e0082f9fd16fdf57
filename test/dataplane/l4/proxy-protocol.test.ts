import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tcpBackend, cluster, route, dataplane, connect, readBytes, sleep } from './support.ts';
import { parseProxyHeader, encodeV2 } from '../../../src/dataplane/l4/proxy-protocol.ts';

const CID = 'default/echo:9000';

test('PROXY v1 upstream: the backend reads the text header, then the data', async () => {
  const be = await tcpBackend('a');
  const { dp } = dataplane();
  await dp.applyRoutes([route('TCP', 0, CID, 'v1', 'tcp/p1')], [cluster(CID)], new Map([[CID, [be.endpoint]]]));
  const port = dp.boundPort('tcp/p1');
  const s = await connect(port);
  s.write('data');
  await readBytes(s, 10);
  const want = `PROXY TCP4 127.0.0.1 127.0.0.1 ${s.localPort} ${port}\r\ndata`;
  assert.equal(be.heads[0].toString('latin1'), want);
  s.destroy();
  await dp.close(0);
  await be.close();
});

test('PROXY v2 upstream: signature, version/command, family, addresses and ports', async () => {
  const be = await tcpBackend('a');
  const { dp } = dataplane();
  await dp.applyRoutes([route('TCP', 0, CID, 'v2', 'tcp/p2')], [cluster(CID)], new Map([[CID, [be.endpoint]]]));
  const port = dp.boundPort('tcp/p2');
  const s = await connect(port);
  s.write('data');
  await readBytes(s, 30);
  const h = be.heads[0];
  assert.deepEqual([...h.subarray(0, 12)], [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
  assert.equal(h[12], 0x21);
  assert.equal(h[13], 0x11);
  assert.equal(h.readUInt16BE(14), 12);
  assert.deepEqual([...h.subarray(16, 24)], [127, 0, 0, 1, 127, 0, 0, 1]);
  assert.equal(h.readUInt16BE(24), s.localPort);
  assert.equal(h.readUInt16BE(26), port);
  assert.equal(h.subarray(28).toString(), 'data');
  s.destroy();
  await dp.close(0);
  await be.close();
});

test('accept-proxy-protocol: inbound v1 and v2 give the real client to the upstream header', async () => {
  const be = await tcpBackend('a');
  const { dp } = dataplane({ acceptProxyProtocol: true });
  await dp.applyRoutes([route('TCP', 0, CID, 'v1', 'tcp/in')], [cluster(CID)], new Map([[CID, [be.endpoint]]]));
  const port = dp.boundPort('tcp/in');
  const s1 = await connect(port);
  // Header split over two writes: the parser waits for the whole line.
  s1.write('PROXY TCP4 203.0.113.7 198.51.100.1 ');
  await sleep(20);
  s1.write('5555 80\r\nhello');
  // The echo backend returns our outgoing header too.
  assert.match((await readBytes(s1, 50)).toString(), /hello$/);
  assert.equal(be.heads[0].toString('latin1'), 'PROXY TCP4 203.0.113.7 198.51.100.1 5555 80\r\nhello');
  s1.destroy();

  const s2 = await connect(port);
  s2.write(Buffer.concat([encodeV2('2001:db8::7', 4444, '2001:db8::1', 443), Buffer.from('v2')]));
  assert.match((await readBytes(s2, 47)).toString(), /v2$/);
  assert.equal(be.heads[1].toString('latin1'), 'PROXY TCP6 2001:db8::7 2001:db8::1 4444 443\r\nv2');
  s2.destroy();

  // No header at all: the connection is refused service.
  const s3 = await connect(port);
  s3.write('GET / HTTP/1.1\r\n\r\n');
  assert.equal((await readBytes(s3, 1, 2000)).length, 0);
  s3.destroy();
  await dp.close(0);
  await be.close();
});

test('ClientIP affinity (client IPs from inbound PROXY headers) and its expiry with an injected clock', async () => {
  const bes = await Promise.all(['a', 'b', 'c'].map((n) => tcpBackend(n, { greet: true })));
  const eps = bes.map((b) => b.endpoint).sort((x, y) => (x.id < y.id ? -1 : 1));
  let now = 1_000_000;
  const { dp } = dataplane({ acceptProxyProtocol: true, now: () => now });
  const c = cluster(CID, 'TCP', 'round-robin', { type: 'ClientIP', timeoutSeconds: 60 });
  await dp.applyRoutes([route('TCP', 0, CID, 'none', 'tcp/aff')], [c], new Map([[CID, eps]]));
  const port = dp.boundPort('tcp/aff');
  const from = async (ip: string): Promise<string> => {
    const s = await connect(port);
    s.write(`PROXY TCP4 ${ip} 127.0.0.1 1000 80\r\n`);
    const name = (await readBytes(s, 2)).toString().trim();
    s.destroy();
    return name;
  };
  const first = await from('10.0.0.1');
  for (let i = 0; i < 4; i++) assert.equal(await from('10.0.0.1'), first);
  const other = await from('10.0.0.2');
  assert.notEqual(other, first);
  now += 59_000;
  assert.equal(await from('10.0.0.1'), first, 'within the timeout (refreshed by use)');
  now += 61_000;
  assert.notEqual(await from('10.0.0.1'), first, 'expired: round-robin picks the next endpoint');
  await dp.close(0);
  await Promise.all(bes.map((b) => b.close()));
});

test('parser: partial, garbage and LOCAL headers', () => {
  assert.equal(parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4')).state, 'partial');
  assert.equal(parseProxyHeader(Buffer.from('HELLO')).state, 'error');
  assert.equal(parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\n')).state, 'error');
  assert.equal(parseProxyHeader(Buffer.from('PROXY ' + 'x'.repeat(200))).state, 'error');
  const local = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x20, 0x00, 0x00, 0x00]);
  const r = parseProxyHeader(local);
  assert.equal(r.state, 'done');
  assert.equal(r.state === 'done' && r.addresses.family, 'UNKNOWN');
  assert.equal(parseProxyHeader(local.subarray(0, 14)).state, 'partial');
});
