// gRPC routes against upstreams that misbehave (the Bad input list of the upstream-protocols
// work): an HTTP/1.1-only pod behind `backend-protocol: GRPC`, a backend that resets the stream,
// an unreachable endpoint. Each is answered as gRPC (a 200 with `grpc-status`, and
// `x-portico-error`), never a crash, and no attempt stays counted in flight afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { UpstreamPolicy } from '../../src/model/upstream.ts';
import type { ClusterRuntimes } from '../../src/dataplane/upstream/cluster-runtime.ts';
import { deadPort, eps, route, snapshot, startProxy, vhost } from '../dataplane/http/helpers.ts';

const grpcPolicy: UpstreamPolicy = {
  protocol: 'GRPC', protocolSource: 'annotation', tls: null, connectTimeoutMs: null, readTimeoutMs: null, sendTimeoutMs: null,
  retry: null, maxBodyBytes: null,
};

/** One unary-shaped gRPC call over h2c prior knowledge; the response headers merged with the trailers. */
function call(port: number, host: string): Promise<Record<string, string | string[] | undefined>> {
  return new Promise((resolve, reject) => {
    const c = http2.connect(`http://127.0.0.1:${port}`);
    c.on('error', reject);
    const s = c.request({ ':method': 'POST', ':path': '/portico.test.Echo/Unary', ':authority': host, 'content-type': 'application/grpc', te: 'trailers' });
    let head: Record<string, string | string[] | undefined> = {};
    s.on('response', (h) => { head = { ...h }; });
    s.on('trailers', (t) => { head = { ...head, ...t }; });
    s.on('data', () => undefined);
    s.on('close', () => { c.close(); resolve(head); });
    s.on('error', reject);
    s.end(Buffer.from([0, 0, 0, 0, 2, 0x7b, 0x7d]));
  });
}

async function listen(server: http.Server | http2.Http2Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

test('gRPC route: an HTTP/1.1 pod, a stream reset by the backend and an unreachable endpoint are gRPC errors', async () => {
  const h1 = http.createServer((_req, res) => res.end('I only speak HTTP/1.1'));
  const resetter = http2.createServer();
  resetter.on('stream', (s) => { s.on('error', () => undefined); s.close(http2.constants.NGHTTP2_INTERNAL_ERROR); });
  const h1Port = await listen(h1);
  const rstPort = await listen(resetter);
  const dead = await deadPort();
  const t = await startProxy();
  // The HTTP/1.1 pod fails the HTTP/2 preface and the resetter the stream: both "upstream reset";
  // the dead port refuses the connection. All three are UNAVAILABLE (14), the code gRPC
  // gives a connection that failed or broke (grpc/doc/statuscodes.md).
  const hosts: [string, number, string][] = [['h1.test', h1Port, 'PORTICO_ERR_UPSTREAM_RESET'], ['rst.test', rstPort, 'PORTICO_ERR_UPSTREAM_RESET'],
    ['dead.test', dead, 'PORTICO_ERR_UPSTREAM_CONNECT']];
  t.dp.apply(snapshot(1, hosts.map(([h], i) => vhost(h, [{ ...route('Prefix', '/', `ns/s${i}:80`), upstream: grpcPolicy }])), hosts.map((_, i) => `ns/s${i}:80`)),
    new Map(hosts.map(([, p], i) => [`ns/s${i}:80`, eps(p)])));
  try {
    for (const [host, , code] of hosts) {
      const r = await call(t.port, host);
      assert.equal(r[':status'], 200, `${host}: gRPC errors travel in a 200`);
      assert.match(String(r['content-type']), /^application\/grpc/, host);
      assert.equal(r['grpc-status'], '14', host);
      assert.equal(r['x-portico-error'], code, `${host}: the gateway says why`);
    }
    const runtimes = Reflect.get(t.dp, 'runtimes') as ClusterRuntimes;
    for (const rt of runtimes.values()) assert.equal(rt.inflight, 0, `${rt.id}: nothing left in flight`);
    for (const [host] of hosts) assert.equal((await call(t.port, host))['grpc-status'], '14', `${host} again: still answered`);
  } finally {
    await t.close();
    h1.close();
    resetter.close();
  }
});
