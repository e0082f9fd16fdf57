// Gateway API TCP and UDP listeners in file mode: TCPRoute / UDPRoute through the L4 module on the
// listener's own port plus --gateway-port-offset (gateway-api apis/v1alpha2 tcproute_types.go,
// udproute_types.go; conformance tcproute-*.go), an invalid backend closing connections
// (TCPRouteRule.BackendRefs), one route per listener, conflicting listeners not bound, routes
// following file changes without a restart, and several weighted backendRefs splitting connections
// (UDP: client flows) by weight, an unresolved one's share rejected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server } from 'node:net';
import dgram from 'node:dgram';
import { startGateway } from '../support/gateway.ts';
import { backendFor, endpointSlice, service } from '../support/manifests.ts';
import { freePort, gateway, gatewayClass } from '../support/gateway-api.ts';
import type { KubeObject } from '../../src/k8s/types.ts';

const NS = 'l4';
const OFFSET = 1000;
const route = (kind: 'TCPRoute' | 'UDPRoute', name: string, spec: Record<string, unknown>, created?: string): KubeObject =>
  ({ apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind, metadata: { name, namespace: NS, ...(created ? { creationTimestamp: created } : {}) }, spec }) as KubeObject;

/** A TCP server answering every connection with `name:` and what it received, then closing. */
async function tcpEcho(name: string): Promise<Server> {
  const s = createServer((c) => {
    c.on('data', (d) => c.end(`${name}:${d.toString()}`));
    c.on('error', () => {});
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return s;
}

/** One exchange; the reply, or 'closed' when the gateway closes the connection without one. */
function talk(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.on('data', (c: Buffer) => (out += c.toString()));
    s.on('close', () => resolve(out === '' ? 'closed' : out));
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve('closed') : reject(e)));
    setTimeout(() => s.destroy(new Error('timeout')), 5000).unref();
  });
}

function udpAsk(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => { s.close(); reject(new Error('no UDP answer')); }, 3000);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m.toString()); });
    s.send(text, port, '127.0.0.1');
  });
}

async function eventually<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 4000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f().catch((e: Error) => e as unknown as T);
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('TCPRoute and UDPRoute on their listeners\' own ports; one route per listener; an invalid backend closes connections; conflicting listeners are not bound', async () => {
  const a = await tcpEcho('a');
  const b = await tcpEcho('b');
  const udp = dgram.createSocket('udp4');
  udp.on('message', (m, r) => udp.send(`u:${m.toString()}`, r.port, r.address));
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const udpPort = udp.address().port;
  const [tcpPort, udpListen, clashPort] = [await freePort(), await freePort(), await freePort()];
  const port = (s: Server) => (s.address() as { port: number }).port;
  const objs = (tcpBackend: string): KubeObject[] => [
    gatewayClass(),
    ...backendFor(NS, 'a', [port(a)]),
    ...backendFor(NS, 'b', [port(b)]),
    service(NS, 'dns', [{ name: 'dns', port: 53, targetPort: udpPort, protocol: 'UDP' }]),
    endpointSlice(NS, 'dns', 'dns-0', ['127.0.0.1'], udpPort, 'dns', 'UDP'),
    // Declared port + --gateway-port-offset = the port bound.
    gateway(NS, 'edge', [
      { name: 'tcp', protocol: 'TCP', port: tcpPort - OFFSET },
      { name: 'udp', protocol: 'UDP', port: udpListen - OFFSET },
      { name: 'clash-a', protocol: 'TCP', port: clashPort - OFFSET },
      { name: 'clash-b', protocol: 'TCP', port: clashPort - OFFSET },
    ]),
    route('TCPRoute', 'first', { parentRefs: [{ name: 'edge', sectionName: 'tcp' }], rules: [{ backendRefs: [{ name: tcpBackend, port: 80 }] }] }, '2024-01-01T00:00:00Z'),
    route('TCPRoute', 'second', { parentRefs: [{ name: 'edge', sectionName: 'tcp' }], rules: [{ backendRefs: [{ name: 'b', port: 80 }] }] }, '2024-02-01T00:00:00Z'),
    route('TCPRoute', 'split', { parentRefs: [{ name: 'edge', sectionName: 'clash-a' }], rules: [{ backendRefs: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] }] }),
    route('UDPRoute', 'dns', { parentRefs: [{ name: 'edge', sectionName: 'udp' }], rules: [{ backendRefs: [{ name: 'dns', port: 53 }] }] }),
  ];
  const gw = await startGateway(objs('a'), { gatewayPortOffset: OFFSET });
  const diags = () => gw.app.controller.diagnostics();
  try {
    assert.equal(await talk(tcpPort, 'hello'), 'a:hello', 'the oldest TCPRoute holds the listener');
    assert.equal(await udpAsk(udpListen, 'q'), 'u:q');
    const inUse = diags().find((d) => d.reason === 'ListenerInUse');
    assert.deepEqual(inUse?.object, { kind: 'TCPRoute', namespace: NS, name: 'second' });
    const conflicts = diags().filter((d) => d.reason === 'InvalidListener' && /ProtocolConflict/.test(d.message)).map((d) => d.message.split(':')[0]);
    assert.deepEqual(conflicts.sort(), ['listener "clash-a"', 'listener "clash-b"']);
    assert.equal(await talk(clashPort, 'x').catch((e: NodeJS.ErrnoException) => e.code), 'ECONNREFUSED', 'a conflicted listener is not bound');
    assert.ok(!diags().some((d) => d.reason === 'UnsupportedValue' && d.object.name === 'split'), 'several weighted backendRefs are served');

    // The backend goes away: the listener stays and closes connections (never forwards elsewhere).
    await gw.write(objs('missing'));
    assert.equal(await eventually(() => talk(tcpPort, 'again'), (v) => v === 'closed'), 'closed');
    assert.ok(diags().some((d) => d.reason === 'BackendNotFound' && d.object.name === 'first' && /connections closed/.test(d.message)));
    await gw.write(objs('b'));
    assert.equal(await eventually(() => talk(tcpPort, 'back'), (v) => v === 'b:back'), 'b:back');
  } finally {
    await gw.close();
    a.close();
    b.close();
    udp.close();
  }
});

/** A UDP server answering every datagram with `name:` and the payload. */
async function udpEcho(name: string): Promise<dgram.Socket> {
  const u = dgram.createSocket('udp4');
  u.on('message', (m, r) => u.send(`${name}:${m.toString()}`, r.port, r.address));
  await new Promise<void>((r) => u.bind(0, '127.0.0.1', () => r()));
  return u;
}

const tally = (replies: readonly string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const r of replies) { const k = r.split(':')[0]; out[k] = (out[k] ?? 0) + 1; }
  return out;
};

test('weighted backendRefs: TCPRoute 3:1 splits connections 6/2 of 8; a missing Service weighted 1:1 closes half at once; UDPRoute 2:1 splits client flows', async () => {
  const a = await tcpEcho('a');
  const b = await tcpEcho('b');
  const ua = await udpEcho('ua');
  const ub = await udpEcho('ub');
  const port = (s: Server) => (s.address() as { port: number }).port;
  const [splitPort, halfPort, udpListen] = [await freePort(), await freePort(), await freePort()];
  const udpService = (name: string, u: dgram.Socket): KubeObject[] => [
    service(NS, name, [{ name: 'dns', port: 53, targetPort: u.address().port, protocol: 'UDP' }]),
    endpointSlice(NS, name, `${name}-0`, ['127.0.0.1'], u.address().port, 'dns', 'UDP'),
  ];
  const gw = await startGateway([
    gatewayClass(),
    ...backendFor(NS, 'a', [port(a)]),
    ...backendFor(NS, 'b', [port(b)]),
    ...udpService('ua', ua),
    ...udpService('ub', ub),
    gateway(NS, 'edge', [
      { name: 'split', protocol: 'TCP', port: splitPort - OFFSET },
      { name: 'half', protocol: 'TCP', port: halfPort - OFFSET },
      { name: 'udp', protocol: 'UDP', port: udpListen - OFFSET },
    ]),
    route('TCPRoute', 'split', { parentRefs: [{ name: 'edge', sectionName: 'split' }], rules: [{ backendRefs: [{ name: 'a', port: 80, weight: 3 }, { name: 'b', port: 80, weight: 1 }] }] }),
    route('TCPRoute', 'half', { parentRefs: [{ name: 'edge', sectionName: 'half' }], rules: [{ backendRefs: [{ name: 'missing', port: 80, weight: 1 }, { name: 'a', port: 80, weight: 1 }, { name: 'b', port: 80, weight: 0 }] }] }),
    route('UDPRoute', 'dns', { parentRefs: [{ name: 'edge', sectionName: 'udp' }], rules: [{ backendRefs: [{ name: 'ua', port: 53, weight: 2 }, { name: 'ub', port: 53, weight: 1 }] }] }),
  ], { gatewayPortOffset: OFFSET });
  const diags = () => gw.app.controller.diagnostics();
  try {
    assert.ok(!diags().some((d) => d.reason === 'UnsupportedValue'), JSON.stringify(diags()));
    const split: string[] = [];
    for (let i = 0; i < 8; i++) split.push(await talk(splitPort, `c${i}`));
    // Smooth WRR 3:1: a a b a, a a b a (every reply is that connection's own payload).
    assert.deepEqual(split, ['a:c0', 'a:c1', 'b:c2', 'a:c3', 'a:c4', 'a:c5', 'b:c6', 'a:c7']);
    assert.deepEqual(tally(split), { a: 6, b: 2 });

    const half: string[] = [];
    const slowest = { ms: 0 };
    for (let i = 0; i < 8; i++) {
      const t0 = Date.now();
      half.push(await talk(halfPort, `h${i}`));
      slowest.ms = Math.max(slowest.ms, Date.now() - t0);
    }
    assert.ok(slowest.ms < 2000, `closed at once, not after a timeout (slowest ${slowest.ms} ms)`);
    assert.deepEqual(tally(half), { closed: 4, a: 4 }, half.join(' '));
    assert.ok(diags().some((d) => d.reason === 'BackendNotFound' && d.object.name === 'half' && /connections closed/.test(d.message)));

    // Each udpAsk is a new client socket, i.e. a new session.
    const flows: string[] = [];
    for (let i = 0; i < 6; i++) flows.push(await udpAsk(udpListen, `q${i}`));
    assert.deepEqual(tally(flows), { ua: 4, ub: 2 }, flows.join(' '));
    assert.deepEqual(flows.map((f) => f.split(':')[1]), ['q0', 'q1', 'q2', 'q3', 'q4', 'q5']);
  } finally {
    await gw.close();
    a.close();
    b.close();
    ua.close();
    ub.close();
  }
});
