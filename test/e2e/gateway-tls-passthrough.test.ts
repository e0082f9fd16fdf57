// TLSRoute on a TLS listener with tls.mode Passthrough, in file mode: the TLS front of the HTTPS
// port reads the ClientHello's SNI and relays matching connections undecrypted to the route's
// backend (gateway-api tlsroute_types.go; conformance tlsroute-simple-same-namespace,
// tlsroute-hostname-intersection), next to an HTTPS listener that terminates TLS on the same port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { startGateway } from '../support/gateway.ts';
import { backendFor } from '../support/manifests.ts';
import { describePeer, makeCert, tlsSecret } from '../support/certs.ts';
import { freePort, gateway, gatewayClass, httpRoute } from '../support/gateway-api.ts';
import { startEchoServer } from '../support/echo-server.ts';
import type { KubeObject } from '../../src/k8s/types.ts';

const NS = 'pt';
const tlsRoute = (name: string, spec: Record<string, unknown>, created?: string): KubeObject =>
  ({ apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TLSRoute', metadata: { name, namespace: NS, ...(created ? { creationTimestamp: created } : {}) }, spec }) as KubeObject;

/** Handshake with `servername`; the certificate's CN and the first line the server sends after it. */
function hello(port: number, servername: string): Promise<{ cn: string; line: string }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const cn = describePeer(s.getPeerCertificate()).cn;
      s.write('GET / HTTP/1.1\r\nHost: ' + servername + '\r\nConnection: close\r\n\r\n');
      let out = '';
      s.on('data', (d: Buffer) => (out += d.toString()));
      s.on('end', () => resolve({ cn, line: out.split('\r\n')[0] }));
    });
    s.on('error', reject);
    setTimeout(() => s.destroy(new Error('timeout')), 5000).unref();
  });
}

test('TLS passthrough listener: SNI of the TLSRoute (exact and wildcard) relayed undecrypted; HTTPS on the same port still terminates', async () => {
  const pod = makeCert({ sans: ['a.pt.test', '*.b.pt.test'], cn: 'pod-cert' });
  const edge = makeCert({ sans: ['web.test'], cn: 'edge-cert' });
  // The pod terminates TLS itself and answers one line.
  const backend = tls.createServer({ cert: pod.certPem, key: pod.keyPem }, (s) => {
    s.once('data', () => s.end('POD says hi\r\n'));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  const backendPort = (backend.address() as { port: number }).port;
  const web = await startEchoServer({ name: 'web' });
  const port = await freePort();
  const gw = await startGateway([
    gatewayClass(),
    tlsSecret(NS, 'edge', edge.certPem, edge.keyPem),
    ...backendFor(NS, 'pod', [backendPort], 443),
    ...backendFor(NS, 'web', [web.port]),
    gateway(NS, 'edge', [
      { name: 'https', protocol: 'HTTPS', port, hostname: 'web.test', tls: { certificateRefs: [{ name: 'edge' }] } },
      { name: 'passthrough', protocol: 'TLS', port, hostname: '*.pt.test', tls: { mode: 'Passthrough' } },
      { name: 'terminate', protocol: 'TLS', port, hostname: 'term.test', tls: { mode: 'Terminate', certificateRefs: [{ name: 'edge' }] } },
    ]),
    httpRoute(NS, 'web', { parentRefs: [{ name: 'edge', sectionName: 'https' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] }),
    tlsRoute('pod', { parentRefs: [{ name: 'edge', sectionName: 'passthrough' }], hostnames: ['a.pt.test', '*.b.pt.test', 'not-under.example'], rules: [{ backendRefs: [{ name: 'pod', port: 443 }] }] }, '2024-01-01T00:00:00Z'),
    tlsRoute('late', { parentRefs: [{ name: 'edge', sectionName: 'passthrough' }], hostnames: ['a.pt.test'], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] }, '2024-05-01T00:00:00Z'),
    tlsRoute('wrong-listener', { parentRefs: [{ name: 'edge', sectionName: 'https' }], hostnames: ['web.test'], rules: [{ backendRefs: [{ name: 'pod', port: 443 }] }] }),
  ], { httpsPort: port });
  const diags = () => gw.app.controller.diagnostics();
  try {
    assert.deepEqual(await hello(port, 'a.pt.test'), { cn: 'pod-cert', line: 'POD says hi' });
    assert.deepEqual(await hello(port, 'x.b.pt.test'), { cn: 'pod-cert', line: 'POD says hi' }, 'a wildcard route hostname under the listener\'s');
    assert.deepEqual(await hello(port, 'x.y.b.pt.test'), { cn: 'pod-cert', line: 'POD says hi' }, 'suffix match over more than one label');
    const web1 = await hello(port, 'web.test');
    assert.equal(web1.cn, 'edge-cert', 'the HTTPS listener still terminates');
    assert.equal(web1.line, 'HTTP/1.1 200 OK');
    assert.notEqual((await hello(port, 'other.pt.test')).cn, 'pod-cert', 'a name the route does not list is not passed through');
    // An older route keeps a.pt.test; the newer one has nothing left there.
    assert.ok(diags().some((d) => d.reason === 'HostnameConflict' && d.object.name === 'late' && /already passed through by TLSRoute pt\/pod/.test(d.message)));
    assert.ok(diags().some((d) => d.reason === 'UnsupportedValue' && d.object.name === 'wrong-listener' && /TLS listeners only/.test(d.message)));
    assert.ok(diags().some((d) => d.reason === 'UnsupportedProtocol' && /tls.mode "Terminate" is not served/.test(d.message)));
  } finally {
    await gw.close();
    backend.close();
    await web.close();
  }
});

test('TLS passthrough listener on its own port (+ --gateway-port-offset): relayed by SNI, any other name refused', async () => {
  const pod = makeCert({ sans: ['db.test'], cn: 'db-cert' });
  const backend = tls.createServer({ cert: pod.certPem, key: pod.keyPem }, (s) => {
    s.once('data', () => s.end('DB says hi\r\n'));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  const backendPort = (backend.address() as { port: number }).port;
  const port = await freePort();
  const OFFSET = 1000;
  const objs = (host: string): KubeObject[] => [
    gatewayClass(),
    ...backendFor(NS, 'db', [backendPort], 5432),
    gateway(NS, 'edge', [{ name: 'db', protocol: 'TLS', port: port - OFFSET, tls: { mode: 'Passthrough' } }]),
    tlsRoute('db', { parentRefs: [{ name: 'edge' }], hostnames: [host], rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }] }),
  ];
  const gw = await startGateway(objs('db.test'), { gatewayPortOffset: OFFSET });
  const refused = (servername: string) => new Promise<string>((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => resolve('handshake'));
    s.on('error', () => resolve('refused'));
    s.on('close', () => resolve('refused'));
  });
  try {
    assert.deepEqual(await hello(port, 'db.test'), { cn: 'db-cert', line: 'DB says hi' });
    assert.equal(await refused('other.test'), 'refused', 'nothing terminates TLS on this port');
    // The route moves to another name without a restart; the port stays bound.
    await gw.write(objs('db2.test'));
    const deadline = Date.now() + 3000;
    while (await refused('db.test') === 'handshake') {
      assert.ok(Date.now() < deadline, 'the old name stops being relayed');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(await hello(port, 'db2.test'), { cn: 'db-cert', line: 'DB says hi' });
  } finally {
    await gw.close();
    backend.close();
  }
});
