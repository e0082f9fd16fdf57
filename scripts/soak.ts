// `npm run soak`: load through a real Portico (HTTP and HTTPS, plus open WebSockets) for
// SOAK_SECONDS (default 600) while, every SOAK_CHURN_MS (default 2000), one of: the Ingress changes,
// the EndpointSlice changes, the TLS certificate is rotated, or a backend dies and a new one takes
// its place. Expected: 0 failed requests except those a dying backend causes (a request in flight
// on it, within 1 s of its death), every WebSocket (on a backend that never dies) survives, RSS
// bounded. Prints what it did and saw every 30 s and a JSON summary; exits 1 when an expectation
// fails. Everything runs in this one process (gateway, backends, clients): RSS includes all three.
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import { startEchoServer, type EchoServer } from '../test/support/echo-server.ts';
import { endpointSlice, ingress, ingressClass, service } from '../test/support/manifests.ts';
import { makeCert, tlsSecret } from '../test/support/certs.ts';
import { startGateway } from '../test/support/gateway.ts';
import type { KubeObject } from '../src/k8s/types.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const CHURN_MS = Number(process.env.SOAK_CHURN_MS ?? 2000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 16);
const SOCKETS = 20;
const HOST = 'soak.test';

const backends: EchoServer[] = [];
for (let i = 0; i < 3; i++) backends.push(await startEchoServer({ name: `web-${i}` }));
const wsBackend = await startEchoServer({ name: 'ws' });
let cert = makeCert({ sans: [HOST], cn: 'soak-0' });
let extraPath = false;
let subset = 3;

function objects(): KubeObject[] {
  const web = backends.slice(0, subset);
  const paths = [{ path: '/', service: 'web', port: 80 }, { path: '/ws', service: 'ws', port: 80 }];
  if (extraPath) paths.push({ path: '/extra', service: 'web', port: 80 });
  return [
    ingressClass(),
    // One EndpointSlice per backend: each listens on its own port, and a slice has one port set.
    service('default', 'web'), ...web.map((b, i) => endpointSlice('default', 'web', `web-${i}`, ['127.0.0.1'], b.port)),
    service('default', 'ws'), endpointSlice('default', 'ws', 'ws-1', ['127.0.0.1'], wsBackend.port),
    tlsSecret('default', 'soak-tls', cert.certPem, cert.keyPem),
    ingress('default', 'soak', [{ host: HOST, paths }], { tls: [{ hosts: [HOST], secretName: 'soak-tls' }], annotations: { 'portico.io/ssl-redirect': 'false' } }),
  ];
}

const gw = await startGateway(objects(), { httpsPort: 0, logLevel: 'warn', drainTimeoutMs: 1000 });
const https = new Agent({ connect: { rejectUnauthorized: false, servername: HOST } });
const httpUrl = gw.url;
const httpsUrl = `https://127.0.0.1:${gw.app.ports.https}`;

const stats = { requests: 0, failed: 0, failedNearDeath: 0, wsOpened: 0, wsClosed: 0, churn: { ingress: 0, endpoints: 0, certificate: 0, backendDied: 0 }, rssMiB: [] as number[] };
let lastDeath = 0;
const failures: string[] = [];
const end = Date.now() + SECONDS * 1000;

async function loop(i: number): Promise<void> {
  while (Date.now() < end) {
    const url = i % 2 === 0 ? httpUrl : httpsUrl;
    try {
      const r = await request(`${url}/soak/${i}`, { headers: { host: HOST }, dispatcher: i % 2 === 0 ? undefined : https });
      await r.body.dump();
      stats.requests++;
      if (r.statusCode !== 200) fail(`${r.statusCode} on ${url}`);
    } catch (err) {
      stats.requests++;
      fail(`${(err as Error).message} on ${url}`);
    }
  }
}

/** Failures by cause (status or error message, without the URL), near a backend's death or not. */
const causes: Record<string, number> = {};

function fail(what: string): void {
  const near = Date.now() - lastDeath < 1000;
  const cause = `${near ? 'near a death: ' : ''}${what.replace(/ on https?:\/\/\S+$/, '')}`;
  causes[cause] = (causes[cause] ?? 0) + 1;
  if (near) stats.failedNearDeath++;
  else {
    stats.failed++;
    if (failures.length < 20) failures.push(what);
  }
}

const sockets: WebSocket[] = [];
for (let i = 0; i < SOCKETS; i++) {
  const ws = new WebSocket(`ws://127.0.0.1:${gw.app.ports.http}/ws`, { headers: { host: HOST } });
  ws.on('open', () => { stats.wsOpened++; });
  ws.on('close', () => { if (Date.now() < end) stats.wsClosed++; });
  ws.on('error', () => {});
  sockets.push(ws);
}
const ping = setInterval(() => { for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) ws.send('ping'); }, 1000);

let step = 0;
const churn = setInterval(() => {
  void (async () => {
    switch (step++ % 4) {
      case 0: extraPath = !extraPath; stats.churn.ingress++; break;
      case 1: subset = subset === 3 ? 2 : 3; stats.churn.endpoints++; break;
      case 2: cert = makeCert({ sans: [HOST], cn: `soak-${step}` }); stats.churn.certificate++; break;
      default: {
        const dead = backends.shift()!;
        lastDeath = Date.now();
        await dead.close();
        backends.push(await startEchoServer({ name: `web-${step}` }));
        stats.churn.backendDied++;
      }
    }
    await gw.write(objects()).catch(() => undefined);
  })();
}, CHURN_MS);

const sample = setInterval(() => {
  stats.rssMiB.push(Math.round(process.memoryUsage().rss / 2 ** 20));
  if (stats.rssMiB.length % 6 === 0) console.log(JSON.stringify({ t: Math.round((SECONDS * 1000 - (end - Date.now())) / 1000), ...stats, rssMiB: stats.rssMiB.at(-1) }));
}, 5000);

await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => loop(i)));
clearInterval(churn);
clearInterval(ping);
clearInterval(sample);
const open = sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length;
for (const ws of sockets) ws.terminate();
const maxRss = Math.max(...stats.rssMiB);
const summary = { seconds: SECONDS, ...stats, rssMiB: { first: stats.rssMiB[0], max: maxRss, last: stats.rssMiB.at(-1), every30s: stats.rssMiB.filter((_, i) => i % 6 === 5) },
  wsOpenAtEnd: open, failures, causes };
console.log(JSON.stringify(summary, null, 2));
await gw.close();
await Promise.all([...backends, wsBackend].map((b) => b.close()));
const ok = stats.failed === 0 && open === SOCKETS && stats.wsClosed === 0 && maxRss < 1024;
console.log(ok ? 'soak: OK' : 'soak: FAILED');
process.exit(ok ? 0 : 1);
