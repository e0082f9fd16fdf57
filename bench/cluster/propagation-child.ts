// Child process of bench/cluster/propagation.ts: the fake API server with N of each kind (KIND=gateway:
// HTTPRoutes in place of Ingresses, bench/cluster/fixture.ts), two tiny
// echo backends (A and B) and the driver that writes changes and polls the gateway. Everything
// that is not Portico lives here, so the parent's CPU and memory are Portico's alone.
//
// Endpoint changes are made with FakeApiServer.apply(), which commits the object and writes the
// watch event in the same tick: t0 is the API write as a watcher sees it, and t1 is the first
// response through the gateway that proves the change. Protocol (IPC): the child sends
// { type: 'ready', url, echoA, echoB, targets, targetHosts }; the parent sends
// { op: 'endpoints' | 'ingresses', ... } ('ingresses': changes to the route objects of KIND) and
// gets { type: 'done', samples, timeouts, polls }; { op: 'stop' } ends the child.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeApiServer } from '../../test/support/fake-apiserver.ts';
import { appHost, benchKind, populate, routeObj, sliceObj } from './fixture.ts';

const n = Number(process.argv[2] ?? 10000);
/** Every `stride`-th Service points at echo A (the ones changes are made on); the rest at closed ports. */
const stride = Number(process.argv[3] ?? 40);
const send = (m: unknown): void => void process.send!(m);

function echo(name: string): Promise<http.Server> {
  const body = Buffer.from(name);
  const s = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
  s.keepAliveTimeout = 60_000;
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

const a = await echo('A');
const b = await echo('B');
const portA = (a.address() as AddressInfo).port;
const portB = (b.address() as AddressInfo).port;
const targets: number[] = [];
for (let i = 0; i < n; i += stride) targets.push(i);
const isTarget = (i: number): boolean => i % stride === 0;
/** Where each target's slice points now (A at start). */
const current = new Map<number, number>(targets.map((i) => [i, portA]));

const kind = benchKind();
const server = new FakeApiServer({ historyLimit: 1000 });
// Non-target slices get a distinct closed port each (20000 + i, below the ephemeral range), so
// Portico keeps one upstream state per endpoint as it would for real pods; no traffic goes there.
populate(server, n, (i) => ({ addresses: ['127.0.0.1'], port: isTarget(i) ? portA : 20000 + i }), kind);
await server.start();

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let gatewayPort = 0;

/** One GET through the gateway: status and body. */
function get(host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: gatewayPort, path: '/', headers: { host }, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (err) => resolve({ status: 0, body: String(err) }));
    req.end();
  });
}

/** Back-to-back polls (one keep-alive connection) until `ok`; ms from t0, or null on timeout. */
async function until(t0: number, host: string, ok: (r: { status: number; body: string }) => boolean, timeoutMs: number, counter: { polls: number }, pollEveryMs = 0): Promise<number | null> {
  for (;;) {
    const r = await get(host);
    counter.polls++;
    const t = performance.now() - t0;
    if (ok(r)) return t;
    if (t > timeoutMs) return null;
    if (pollEveryMs > 0) await sleep(pollEveryMs);
  }
}

interface Job { op: 'endpoints' | 'ingresses' | 'stop'; gatewayPort?: number; count?: number; gapMs?: number; timeoutMs?: number }

process.on('message', (m: Job) => void run(m));

async function run(m: Job): Promise<void> {
  if (m.op === 'stop') {
    agent.destroy();
    await server.stop();
    a.close();
    b.close();
    a.closeAllConnections();
    b.closeAllConnections();
    process.exit(0);
  }
  gatewayPort = m.gatewayPort!;
  const count = m.count ?? 200;
  const gapMs = m.gapMs ?? 20;
  const timeoutMs = m.timeoutMs ?? 5000;
  const samples: number[] = [];
  let timeouts = 0;
  const counter = { polls: 0 };
  for (let j = 0; j < count; j++) {
    let t: number | null;
    if (m.op === 'endpoints') {
      // Repoint one target's slice at the other echo port; only responses from it count.
      const i = targets[(j * 7) % targets.length]; // spread over namespaces, revisit after a full turn
      const next = current.get(i) === portA ? portB : portA;
      const want = next === portA ? 'A' : 'B';
      await until(performance.now(), appHost(i), (r) => r.status === 200 && r.body !== want, 2000, counter); // settled before the change
      const t0 = performance.now();
      server.apply(sliceObj(i, ['127.0.0.1'], next));
      current.set(i, next);
      t = await until(t0, appHost(i), (r) => r.status === 200 && r.body === want, timeoutMs, counter);
    } else {
      // Half new Ingresses (HTTPRoutes), half a new host added to an existing one; both answered by echo A/B.
      const i = targets[j % targets.length];
      const host = `new-${j}.example.com`;
      const obj = j % 2 === 0 ? routeObj(kind, i, `new-${j}`, [host]) : routeObj(kind, i, undefined, [appHost(i), host]);
      const t0 = performance.now();
      server.apply(obj);
      // Polled every 5 ms (resolution 5 ms against a 1 s goal) so that the polling itself does not
      // load the gateway while it rebuilds.
      t = await until(t0, host, (r) => r.status === 200, timeoutMs, counter, 5);
      if (j % 2 === 1) {
        // Put it back and wait until the extra host is gone, so the next change starts from rest.
        server.apply(routeObj(kind, i));
        await until(performance.now(), host, (r) => r.status === 404, timeoutMs, { polls: 0 }, 5);
      }
    }
    if (t === null) timeouts++;
    else samples.push(t);
    await sleep(gapMs);
  }
  send({ type: 'done', op: m.op, samples, timeouts, polls: counter.polls });
}

send({ type: 'ready', url: server.url, echoA: portA, echoB: portB, targets: targets.length, targetHosts: targets.map(appHost) });
