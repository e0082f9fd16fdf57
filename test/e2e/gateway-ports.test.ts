// Gateway API HTTP and HTTPS listeners on ports of their own, in file mode over real sockets:
// each listener is served on its declared port plus --gateway-port-offset, and a route attached to
// the listener of one port is not reachable on another (gateway-api conformance
// httproute-listener-port-matching.go, gateway-http-listener-isolation.go); listeners come and go
// with the Gateway without a restart (gateway-modify-listeners.go); HTTPS on its own port picks
// the certificate of that port's listeners by SNI; a port that cannot be bound is a ListenFailed
// diagnostic while the other ports keep serving (gateway_types.go ListenerReasonPortUnavailable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { createServer, connect, type Server } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, request } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';
import { describePeer, makeCert, tlsSecret } from '../support/certs.ts';
import { freePort, gateway, gatewayClass, httpRoute } from '../support/gateway-api.ts';
import type { KubeObject } from '../../src/k8s/types.ts';
import http2 from 'node:http2';
import WebSocket from 'ws';

const OFFSET = 1000;

async function via(port: number, host: string, path = '/'): Promise<string | number> {
  const r = await request(`http://127.0.0.1:${port}${path}`, { host });
  return r.status === 200 ? r.json().name : r.status;
}

/** Whether something accepts TCP connections on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function getTls(port: number, servername: string, host: string, path = '/'): Promise<{ status: number; body: string; cn: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, servername, headers: { host }, rejectUnauthorized: false, agent: false }, (r) => {
      const peer = (r.socket as TLSSocket).getPeerCertificate();
      let body = '';
      r.on('data', (c) => (body += c));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body, cn: describePeer(peer).cn }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function diagnostics(adminUrl: string): Promise<string> {
  return JSON.stringify(await (await fetch(`${adminUrl}/debug/diagnostics`)).json());
}

const route = (name: string, parentRef: Record<string, unknown>, backend: string, hostnames?: string[]): KubeObject =>
  httpRoute('gw', name, { parentRefs: [{ name: 'edge', ...parentRef }], ...(hostnames ? { hostnames } : {}), rules: [{ backendRefs: [{ name: backend, port: 80 }] }] });

test('listeners on ports of their own: per-port routes, added and removed at runtime, the main port unaffected', async () => {
  const echo: Record<string, EchoServer> = {};
  for (const n of ['v1', 'v2', 'v3', 'v4']) echo[n] = await startEchoServer({ name: n });
  const [main, a, b, c] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const objs = (extra: { withC: boolean; withA: boolean }): KubeObject[] => [
    gatewayClass(),
    ...Object.keys(echo).flatMap((n) => backendFor('gw', n, [echo[n].port])),
    gateway('gw', 'edge', [
      { name: 'main', port: main - OFFSET, protocol: 'HTTP' },
      ...(extra.withA ? [{ name: 'a', port: a - OFFSET, protocol: 'HTTP' }] : []),
      { name: 'b', port: b - OFFSET, protocol: 'HTTP' },
      // Same port as b, narrower hostname: isolation within the port still holds.
      { name: 'b-api', port: b - OFFSET, protocol: 'HTTP', hostname: 'api.test' },
      ...(extra.withC ? [{ name: 'c', port: c - OFFSET, protocol: 'HTTP' }] : []),
    ]),
    route('on-main', { sectionName: 'main' }, 'v1'),
    ...(extra.withA ? [route('on-a', { sectionName: 'a' }, 'v2')] : []),
    // parentRef.port selects every listener on that port (HTTPRoute ParentReference.Port).
    route('on-b', { port: b - OFFSET }, 'v3'),
    ...(extra.withC ? [route('on-c', { sectionName: 'c' }, 'v4')] : []),
  ];
  const gw = await startGateway(objs({ withA: true, withC: false }), { httpPort: main, gatewayPortOffset: OFFSET });
  try {
    assert.equal(await via(main, 'x.test'), 'v1');
    assert.equal(await via(a, 'x.test'), 'v2');
    assert.equal(await via(b, 'x.test'), 'v3');
    // on-b attached to b and b-api (same port); b-api is the most specific listener for api.test.
    assert.equal(await via(b, 'api.test'), 'v3');
    // A route attached to the listener of one port is not reachable on another, nor are Ingresses
    // served there; the main port's route stays on the main port.
    await gw.write([...objs({ withA: true, withC: false }), route('api-only', { sectionName: 'b-api' }, 'v1', ['api.test'])]);
    assert.equal(await via(b, 'api.test'), 'v1');
    assert.equal(await via(b, 'other.test'), 'v3');
    assert.equal(await via(main, 'api.test'), 'v1'); // on-main, not api-only
    // explain names the port clients use (the declared one): each port's listener and route.
    const explained = async (q: string) => ((await (await fetch(`${gw.adminUrl}/debug/explain?${q}`)).json()) as { gateway: { listener: { id: string; port: number } | null; rule: { route: string } | null } }).gateway;
    const onB = await explained(`host=api.test&path=/&port=${b - OFFSET}`);
    assert.deepEqual([onB.listener?.id, onB.listener?.port, onB.rule?.route], ['gw/edge/b-api', b - OFFSET, 'gw/api-only']);
    const onMain = await explained(`host=api.test&path=/&port=${main - OFFSET}`);
    assert.deepEqual([onMain.listener?.id, onMain.rule?.route], ['gw/edge/main', 'gw/on-main']);
    assert.equal((await explained('host=api.test&path=/&port=1')).listener, null, 'no listener declares that port');
    assert.equal((await explained('host=api.test&path=/&port=1')).rule, null);
    assert.equal(await accepts(c), false);
    // HTTP/2 with prior knowledge (h2c) and WebSocket upgrades on a port of its own route by its listeners too.
    assert.equal(await h2cName(a, 'x.test'), 'v2');
    assert.equal(await wsEcho(b, 'x.test'), 'hello');
    await assert.rejects(wsEcho(c, 'x.test'));

    // Add listener c and its route, remove listener a: no restart; the others keep their sockets.
    const kept = await keepAlive(b);
    await gw.write(objs({ withA: false, withC: true }));
    assert.equal(await via(c, 'x.test'), 'v4');
    assert.equal(await accepts(a), false);
    assert.equal(await via(b, 'x.test'), 'v3');
    assert.equal(await via(main, 'x.test'), 'v1');
    assert.equal(kept.destroyed, false, 'an unchanged port keeps its connections');
    kept.destroy();
    assert.doesNotMatch(await diagnostics(gw.adminUrl), /PortUnavailable|ListenFailed/);
  } finally {
    await gw.close();
    for (const e of Object.values(echo)) await e.close();
  }
  // Closed with the app.
  assert.equal(await accepts(c), false);
});

test('HTTPS listener on a port of its own: SNI picks its certificate; an HTTP port\'s routes are not reachable there', async () => {
  const v1 = await startEchoServer({ name: 'v1' });
  const v2 = await startEchoServer({ name: 'v2' });
  const shop = makeCert({ sans: ['shop.test'], cn: 'shop-cert' });
  const api = makeCert({ sans: ['api.test'], cn: 'api-cert' });
  const [main, secure] = [await freePort(), await freePort()];
  const objs: KubeObject[] = [
    gatewayClass(),
    ...backendFor('gw', 'v1', [v1.port]),
    ...backendFor('gw', 'v2', [v2.port]),
    tlsSecret('gw', 'shop-tls', shop.certPem, shop.keyPem),
    tlsSecret('gw', 'api-tls', api.certPem, api.keyPem),
    gateway('gw', 'edge', [
      { name: 'http', port: main, protocol: 'HTTP' },
      { name: 'shop', port: secure, protocol: 'HTTPS', hostname: 'shop.test', tls: { certificateRefs: [{ name: 'shop-tls' }] } },
      { name: 'api', port: secure, protocol: 'HTTPS', hostname: 'api.test', tls: { certificateRefs: [{ name: 'api-tls' }] } },
    ]),
    route('plain', { sectionName: 'http' }, 'v1'),
    route('secure', { port: secure }, 'v2'),
  ];
  // No --https-port at all: the HTTPS listener is served on its own port.
  const gw = await startGateway(objs, { httpPort: main, httpsPort: null, gatewayPortOffset: 0 });
  try {
    const s = await getTls(secure, 'shop.test', 'shop.test', '/x');
    assert.equal(s.status, 200);
    assert.equal(s.cn, 'shop-cert');
    assert.equal(JSON.parse(s.body).name, 'v2');
    const a = await getTls(secure, 'api.test', 'api.test');
    assert.equal(a.cn, 'api-cert');
    assert.equal(JSON.parse(a.body).name, 'v2');
    // Host of the other listener than the SNI's: 421 (RFC 9110 §15.5.20), as on --https-port.
    assert.equal((await getTls(secure, 'shop.test', 'api.test')).status, 421);
    // A name no listener of this port has: no route there (the plain route is port `main`'s).
    assert.equal((await getTls(secure, 'other.test', 'other.test')).status, 404);
    assert.equal(await via(main, 'shop.test'), 'v1');
  } finally {
    await gw.close();
    await v1.close();
    await v2.close();
  }
});

test('a port already taken: that listener is ListenFailed, the others serve; freed and re-applied, it binds', async () => {
  const v1 = await startEchoServer({ name: 'v1' });
  const [main, free, taken] = [await freePort(), await freePort(), await freePort()];
  const squatter: Server = createServer((s) => s.destroy());
  await new Promise<void>((r) => squatter.listen(taken, '127.0.0.1', () => r()));
  const objs = (gen: number): KubeObject[] => [
    gatewayClass(),
    ...backendFor('gw', 'v1', [v1.port]),
    gateway('gw', 'edge', [
      { name: 'main', port: main, protocol: 'HTTP' },
      { name: 'free', port: free, protocol: 'HTTP' },
      { name: 'busy', port: taken, protocol: 'HTTP' },
    ]),
    httpRoute('gw', `all-${gen}`, { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'v1', port: 80 }] }] }),
  ];
  const gw = await startGateway(objs(0), { httpPort: main });
  try {
    assert.equal(await via(free, 'x.test'), 'v1');
    assert.equal(await via(main, 'x.test'), 'v1');
    const d = await diagnostics(gw.adminUrl);
    assert.match(d, /ListenFailed/);
    assert.match(d, new RegExp(`listener \\\\"busy\\\\": HTTP port ${taken}: cannot listen`));
    assert.doesNotMatch(d, /listener \\"free\\": HTTP port/);
    // The squatter leaves; the next snapshot binds the port.
    await new Promise<void>((r) => squatter.close(() => r()));
    await gw.write(objs(1));
    assert.equal(await via(taken, 'x.test'), 'v1');
    assert.doesNotMatch(await diagnostics(gw.adminUrl), /ListenFailed/);
  } finally {
    squatter.close();
    await gw.close();
    await v1.close();
  }
});

test('one port, one protocol: HTTP beside HTTPS on a port is a conflict, the main HTTPS port cannot serve HTTP', async () => {
  const v1 = await startEchoServer({ name: 'v1' });
  const shop = makeCert({ sans: ['shop.test'], cn: 'shop-cert' });
  const [main, tlsPort, shared, other] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const objs: KubeObject[] = [
    gatewayClass(),
    ...backendFor('gw', 'v1', [v1.port]),
    tlsSecret('gw', 'shop-tls', shop.certPem, shop.keyPem),
    gateway('gw', 'edge', [
      { name: 'main', port: main, protocol: 'HTTP' },
      { name: 'on-https-port', port: tlsPort, protocol: 'HTTP' },
      { name: 'plain', port: shared, protocol: 'HTTP' },
      { name: 'secure', port: shared, protocol: 'HTTPS', hostname: 'shop.test', tls: { certificateRefs: [{ name: 'shop-tls' }] } },
    ]),
    httpRoute('gw', 'all', { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'v1', port: 80 }] }] }),
    // Across Gateways the oldest keeps the port's protocol: `older` serves HTTP on `other`, `newer`'s HTTPS there is not served.
    withCreated(gateway('gw', 'older', [{ name: 'web', port: other, protocol: 'HTTP' }]), '2026-01-01T00:00:00Z'),
    withCreated(gateway('gw', 'newer', [{ name: 'tls', port: other, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'shop-tls' }] } }]), '2026-01-02T00:00:00Z'),
    httpRoute('gw', 'both', { parentRefs: [{ name: 'older' }, { name: 'newer' }], rules: [{ backendRefs: [{ name: 'v1', port: 80 }] }] }),
  ];
  const gw = await startGateway(objs, { httpPort: main, httpsPort: tlsPort });
  try {
    assert.equal(await via(main, 'x.test'), 'v1');
    const d = await diagnostics(gw.adminUrl);
    assert.match(d, /listener \\"on-https-port\\": port \d+ is the HTTPS port; it cannot serve HTTP/);
    assert.match(d, /ProtocolConflict/);
    assert.equal(await accepts(shared), false);
    assert.match(d, /"name":"newer"[^}]*\},"severity":"error","reason":"PortUnavailable","message":"listener \\"tls\\": port \d+ is served as HTTP for the older Gateway gw\/older/);
    assert.equal(await via(other, 'x.test'), 'v1');
  } finally {
    await gw.close();
    await v1.close();
  }
});

async function h2cName(port: number, host: string): Promise<string> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    return await new Promise<string>((resolve, reject) => {
      const req = session.request({ ':path': '/', ':authority': host });
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => resolve((JSON.parse(body) as { name: string }).name));
      req.on('error', reject);
      req.end();
    });
  } finally {
    session.close();
  }
}

function wsEcho(port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { host } });
    ws.once('open', () => ws.send('hello'));
    ws.once('message', (m: Buffer) => {
      ws.close();
      resolve(m.toString());
    });
    ws.once('error', reject);
  });
}

function withCreated(o: KubeObject, creationTimestamp: string): KubeObject {
  return { ...o, metadata: { ...o.metadata, creationTimestamp } };
}

/** An idle keep-alive connection to the port (HTTP/1.1 request answered, socket kept open). */
async function keepAlive(port: number): Promise<import('node:net').Socket> {
  const s = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.write('GET / HTTP/1.1\r\nhost: x.test\r\n\r\n');
    s.once('data', () => resolve());
  });
  return s;
}

test('--workers 2: the workers bind the listener ports of their own too (SO_REUSEPORT); under --worker-accept primary the primary binds them and hands connections over', async () => {
  const v1 = await startEchoServer({ name: 'v1' });
  const [main, extra] = [await freePort(), await freePort()];
  const objs: KubeObject[] = [
    gatewayClass(),
    ...backendFor('gw', 'v1', [v1.port]),
    gateway('gw', 'edge', [{ name: 'main', port: main, protocol: 'HTTP' }, { name: 'extra', port: extra, protocol: 'HTTP' }]),
    route('only-extra', { sectionName: 'extra' }, 'v1'),
  ];
  const gw = await startGateway(objs, { httpPort: main, workers: 2, workerAccept: 'reuseport', logLevel: 'warn' });
  try {
    // The primary is ready once every worker applied the snapshot, so the port is bound by then.
    for (let i = 0; i < 6; i++) assert.equal(await via(extra, 'x.test'), 'v1');
    assert.equal(await via(main, 'x.test'), 404);
    assert.doesNotMatch(await diagnostics(gw.adminUrl), /ListenFailed/);
  } finally {
    await gw.close();
  }
  // --worker-accept primary: the primary binds the port and hands its connections to the workers.
  const primary = await startGateway(objs, { httpPort: main, workers: 2, workerAccept: 'primary', logLevel: 'warn' });
  try {
    for (let i = 0; i < 6; i++) assert.equal(await via(extra, 'x.test'), 'v1');
    assert.equal(await via(main, 'x.test'), 404);
    // The listener removed: the primary stops accepting there; the main port keeps serving.
    await primary.write(objs.map((o) => (o.kind === 'Gateway' ? gateway('gw', 'edge', [{ name: 'main', port: main, protocol: 'HTTP' }]) : o)));
    assert.equal(await accepts(extra), false);
    assert.equal(await via(main, 'x.test'), 404);
    assert.doesNotMatch(await diagnostics(primary.adminUrl), /ListenFailed/);
  } finally {
    await primary.close();
    await v1.close();
  }
});

test('HTTPS and TLS passthrough on one port of its own: the port\'s TLS front relays the TLSRoute\'s names and terminates the others', async () => {
  const pod = makeCert({ sans: ['pass.test'], cn: 'pod-cert' });
  const edge = makeCert({ sans: ['web.test'], cn: 'edge-cert' });
  // The pod terminates TLS itself and answers one line.
  const backend = tls.createServer({ cert: pod.certPem, key: pod.keyPem }, (s) => {
    s.once('data', () => s.end('POD says hi\r\n'));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  const web = await startEchoServer({ name: 'web' });
  const [main, port] = [await freePort(), await freePort()];
  const gw = await startGateway([
    gatewayClass(),
    tlsSecret('gw', 'edge-tls', edge.certPem, edge.keyPem),
    ...backendFor('gw', 'pod', [(backend.address() as { port: number }).port], 443),
    ...backendFor('gw', 'web', [web.port]),
    gateway('gw', 'edge', [
      { name: 'https', protocol: 'HTTPS', port, hostname: 'web.test', tls: { certificateRefs: [{ name: 'edge-tls' }] } },
      { name: 'pass', protocol: 'TLS', port, hostname: 'pass.test', tls: { mode: 'Passthrough' } },
    ]),
    route('web', { sectionName: 'https' }, 'web'),
    { apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TLSRoute', metadata: { name: 'pod', namespace: 'gw' },
      spec: { parentRefs: [{ name: 'edge', sectionName: 'pass' }], hostnames: ['pass.test'], rules: [{ backendRefs: [{ name: 'pod', port: 443 }] }] } } as KubeObject,
  ], { httpPort: main, httpsPort: null });
  try {
    const relayed = await new Promise<{ cn: string; line: string }>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'pass.test', rejectUnauthorized: false }, () => {
        const cn = describePeer(s.getPeerCertificate()).cn;
        s.write('hello\r\n');
        let out = '';
        s.on('data', (d: Buffer) => (out += d.toString()));
        s.on('end', () => resolve({ cn, line: out.split('\r\n')[0] }));
      });
      s.on('error', reject);
    });
    assert.deepEqual(relayed, { cn: 'pod-cert', line: 'POD says hi' });
    const t = await getTls(port, 'web.test', 'web.test');
    assert.equal(t.cn, 'edge-cert');
    assert.equal(JSON.parse(t.body).name, 'web');
    assert.doesNotMatch(await diagnostics(gw.adminUrl), /ListenFailed/);
  } finally {
    await gw.close();
    await web.close();
    backend.close();
  }
});

test('a removed listener port drains without ever serving Ingress rules: a request pipelined behind a slow one answers 404 after the removal', async () => {
  const gwEcho = await startEchoServer({ name: 'gateway-backend' });
  const ingEcho = await startEchoServer({ name: 'ingress-backend' });
  const [main, extra] = [await freePort(), await freePort()];
  const objs = (withExtra: boolean): KubeObject[] => [
    gatewayClass(),
    ...backendFor('gw', 'gwb', [gwEcho.port]),
    ...backendFor('gw', 'ingb', [ingEcho.port]),
    // The same host as an Ingress on the main port: it must never answer on the Gateway's own port.
    ingressClass(),
    ingress('gw', 'shop', [{ host: 'x.test', paths: [{ path: '/', service: 'ingb', port: 80 }] }]),
    gateway('gw', 'edge', [{ name: 'main', port: main, protocol: 'HTTP' }, ...(withExtra ? [{ name: 'extra', port: extra, protocol: 'HTTP' }] : [])]),
    ...(withExtra ? [route('on-extra', { sectionName: 'extra' }, 'gwb')] : []),
  ];
  const gw = await startGateway(objs(true), { httpPort: main });
  let s: import('node:net').Socket | null = null;
  try {
    assert.equal(await via(extra, 'x.test'), 'gateway-backend');
    // Request 1 is slow (800 ms at the backend); request 2 waits behind it on the same connection.
    s = connect({ host: '127.0.0.1', port: extra });
    let raw = '';
    s.on('data', (c: Buffer) => (raw += c.toString('latin1')));
    await new Promise<void>((r) => s!.once('connect', () => r()));
    s.write('GET /delay/800 HTTP/1.1\r\nhost: x.test\r\n\r\nGET /after HTTP/1.1\r\nhost: x.test\r\n\r\n');
    await new Promise((r) => setTimeout(r, 150));
    await gw.write(objs(false));
    assert.equal(await accepts(extra), false, 'the port stops accepting at once');
    const end = Date.now() + 5000;
    while ((raw.match(/HTTP\/1\.1 \d{3}/g) ?? []).length < 2 && !s.destroyed && !s.readableEnded && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const statuses = [...raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
    assert.equal(statuses[0], 200, 'the in-flight request finishes');
    assert.match(raw, /gateway-backend/);
    assert.doesNotMatch(raw, /ingress-backend/, 'no Ingress rule answered on the removed Gateway port');
    if (statuses.length > 1) assert.equal(statuses[1], 404);
    assert.equal(await via(main, 'x.test'), 'ingress-backend', 'the Ingress still serves on the main port');
  } finally {
    s?.destroy();
    await gw.close();
    await gwEcho.close();
    await ingEcho.close();
  }
});
