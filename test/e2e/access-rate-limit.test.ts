// Rate limits end to end (ingress-nginx limit-rps / limit-rpm / limit-connections, nginx limit_req
// burst nodelay): bursts, Retry-After, the exempt list, requests in progress, and a flood of
// distinct client addresses (through --trust-proxy + X-Forwarded-For) that leaves the per-client
// table and the process memory bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'undici';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass, service } from '../support/manifests.ts';

const A = 'nginx.ingress.kubernetes.io/';
let echo: EchoServer;
let gw: TestGateway;
const MAX_CLIENTS = 500;

before(async () => {
  echo = await startEchoServer({ name: 'web' });
  const route = (name: string, annotations: Record<string, string>, svc = 'web') =>
    ingress('default', name, [{ host: `${name}.example`, paths: [{ path: '/', service: svc, port: 80 }] }], { annotations });
  gw = await startGateway([
    ingressClass(),
    ...backendFor('default', 'web', [echo.port]),
    service('default', 'nowhere', [{ name: 'http', port: 80 }]),
    route('rps', { [`${A}limit-rps`]: '2', [`${A}limit-allowlist`]: '198.51.100.0/24' }),
    route('rpm', { [`${A}limit-rpm`]: '1', [`${A}limit-burst-multiplier`]: '2' }),
    route('conn', { [`${A}limit-connections`]: '1' }),
    route('flood', { [`${A}limit-rps`]: '1' }, 'nowhere'),
    route('bad', { [`${A}limit-rps`]: 'ten' }),
  ], { trustProxy: ['127.0.0.0/8'], limitReqStatusCode: 429, limitClients: MAX_CLIENTS });
});

after(async () => {
  await gw?.close();
  await echo?.close();
});

const from = (host: string, ip: string, path = '/') => request(gw.url + path, { host, headers: { 'x-forwarded-for': ip } });

test('limit-rps: burst of rps × 5 passes at once, then refused with Retry-After; other clients unaffected', async () => {
  // nginx burst=10 nodelay: the first request plus ten of burst pass at once; the bucket drains at
  // 2 r/s meanwhile, so a slow (loaded) machine may let one or two more through — never all.
  const t0 = performance.now();
  const statuses = await Promise.all(Array.from({ length: 20 }, () => from('rps.example', '203.0.113.1').then((r) => r.status)));
  const drained = Math.ceil((2 * (performance.now() - t0)) / 1000);
  const passed = statuses.filter((x) => x === 200).length;
  assert.ok(passed >= 11 && passed <= 11 + drained, `${passed} passed`);
  assert.equal(statuses.filter((x) => x === 429).length, 20 - passed);
  const r = await from('rps.example', '203.0.113.1');
  if (r.status === 429) assert.ok(Number(r.headers.get('retry-after')) >= 1);
  assert.equal((await from('rps.example', '203.0.113.2')).status, 200, 'another client has its own bucket');
  // limit-allowlist: never limited.
  const exempt = await Promise.all(Array.from({ length: 20 }, () => from('rps.example', '198.51.100.9').then((x) => x.status)));
  assert.deepEqual(exempt, Array(20).fill(200));
});

test('limit-rpm with limit-burst-multiplier 2: three at once, then refused', async () => {
  const s = [];
  for (let i = 0; i < 4; i++) s.push((await from('rpm.example', '203.0.113.3')).status);
  assert.deepEqual(s, [200, 200, 200, 429]);
});

test('limit-connections: a second request while the first is in progress gets 503', async () => {
  const slow = from('conn.example', '203.0.113.4', '/delay/400');
  await new Promise((res) => setTimeout(res, 100));
  const second = await from('conn.example', '203.0.113.4');
  assert.equal(second.status, 503);
  assert.equal((await slow).status, 200);
  assert.equal((await from('conn.example', '203.0.113.4')).status, 200, 'released when the first finished');
});

test('a malformed limit refuses the Ingress; explain lists the step in order', async () => {
  assert.equal((await from('bad.example', '203.0.113.5')).status, 404);
  const e = gw.app.http.explain('rps.example', '/');
  assert.deepEqual(e.policies.map((p) => p.step), ['rate-limit']);
  assert.match(e.policies[0].detail, /2 r\/s burst 10.*exempt 198\.51\.100\.0\/24/);
});

test('a flood of distinct client addresses through --trust-proxy + X-Forwarded-For: the table stays at its bound', async () => {
  const pool = new Pool(gw.url, { connections: 8, pipelining: 1 });
  const N = 3 * MAX_CLIENTS;
  let i = 0;
  const worker = async () => {
    while (i < N) {
      const n = i++;
      const r = await pool.request({ path: '/', method: 'GET', headers: { host: 'flood.example', 'x-forwarded-for': `6.6.6.6, 10.0.${n >> 8}.${n & 255}` } });
      await r.body.dump();
    }
  };
  try {
    await Promise.all(Array.from({ length: 16 }, worker));
  } finally {
    await pool.close();
  }
  const detail = gw.app.http.explain('flood.example', '/').policies[0].detail;
  assert.equal(Number(/(\d+)\/\d+ clients tracked/.exec(detail)?.[1]), MAX_CLIENTS, detail);
});
