// HTTPRoute rule timeouts (httproute_types.go HTTPRouteTimeouts, GEP-2257 durations; conformance
// httproute-request-timeout, httproute-backend-request-timeout) and RequestMirror
// (HTTPRequestMirrorFilter; conformance httproute-request-mirror, httproute-request-percentage-mirror)
// through the real gateway in file mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { request, startGateway, type TestGateway } from '../support/gateway.ts';
import { backendFor } from '../support/manifests.ts';
import { freePort, gateway, gatewayClass, httpRoute } from '../support/gateway-api.ts';
import http from 'node:http';

const NS = 'filters';
let gw: TestGateway;
const echo: Record<string, EchoServer> = {};
/** What the mirror Service received: the copies, in arrival order. */
const mirrored: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
let mirror: http.Server;
/** An endpoint that always answers 503, next to a healthy one in the `flaky` Services. */
let down: http.Server;
let downHits = 0;
const to = (name: string) => [{ name, port: 80 }];

before(async () => {
  for (const n of ['main', 'half']) echo[n] = await startEchoServer({ name: n });
  // The mirror answers slowly and with an error: neither may reach the client.
  mirror = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      mirrored.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      setTimeout(() => { res.writeHead(500, { 'x-from': 'mirror' }); res.end('mirror says no'); }, 300);
    });
  });
  await new Promise<void>((r) => mirror.listen(0, '127.0.0.1', () => r()));
  down = http.createServer((_req, res) => { downHits++; res.writeHead(503); res.end('down'); });
  await new Promise<void>((r) => down.listen(0, '127.0.0.1', () => r()));
  const downPort = (down.address() as { port: number }).port;
  const port = await freePort();
  gw = await startGateway([
    gatewayClass(),
    ...Object.keys(echo).flatMap((n) => backendFor(NS, n, [echo[n].port])),
    ...backendFor(NS, 'mirror', [(mirror.address() as { port: number }).port]),
    ...backendFor(NS, 'flaky', [downPort, echo.main.port]),
    ...backendFor(NS, 'flaky-too', [downPort, echo.main.port]),
    httpRoute(NS, 'cors', {
      parentRefs: [{ name: 'web' }],
      hostnames: ['cors.test'],
      rules: [
        {
          matches: [{ path: { value: '/list' } }],
          filters: [{ type: 'CORS', cors: { allowOrigins: ['https://app.example.com', 'https://*.trusted.test:8443'], allowMethods: ['GET', 'PUT'], allowHeaders: ['X-Token'], exposeHeaders: ['X-Total'], allowCredentials: true, maxAge: 600 } }],
          backendRefs: [{ name: 'main', port: 80 }],
        },
        { matches: [{ path: { value: '/any' } }], filters: [{ type: 'CORS', cors: { allowOrigins: ['*'], allowMethods: ['*'] } }], backendRefs: [{ name: 'main', port: 80 }] },
        { matches: [{ path: { value: '/bad' } }], filters: [{ type: 'CORS', cors: { allowOrigins: ['ftp://x.test'] } }], backendRefs: [{ name: 'main', port: 80 }] },
      ],
    }),
    httpRoute(NS, 'per-backend', {
      parentRefs: [{ name: 'web' }],
      hostnames: ['backends.test'],
      rules: [
        {
          matches: [{ path: { value: '/split' } }],
          filters: [
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Level', value: 'rule' }, { name: 'X-Rule', value: 'yes' }] } },
            { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'X-Answer', value: 'rule' }] } },
          ],
          backendRefs: [
            { name: 'main', port: 80, filters: [
              { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Level', value: 'main-backend' }], remove: ['X-Drop'] } },
              { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'X-Answer', value: 'main-backend' }], add: [{ name: 'X-Extra', value: '1' }] } },
            ] },
            { name: 'half', port: 80 },
          ],
        },
        { matches: [{ path: { value: '/redirecting' } }], backendRefs: [{ name: 'main', port: 80, filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'x.test' } }] }] },
      ],
    }),
    httpRoute(NS, 'retries', {
      parentRefs: [{ name: 'web' }],
      hostnames: ['retry.test'],
      rules: [
        { matches: [{ path: { value: '/retry' } }], retry: { codes: [503], attempts: 1 }, backendRefs: [{ name: 'flaky', port: 80 }] },
        { matches: [{ path: { value: '/plain' } }], backendRefs: [{ name: 'flaky-too', port: 80 }] },
        { matches: [{ path: { value: '/backoff' } }], retry: { codes: [503], backoff: '150ms' }, backendRefs: [{ name: 'flaky', port: 80 }] },
        { matches: [{ path: { value: '/backoff-timeout' } }], retry: { codes: [503], backoff: '2s' }, timeouts: { request: '200ms' }, backendRefs: [{ name: 'flaky', port: 80 }] },
        { matches: [{ path: { value: '/bad-backoff' } }], retry: { codes: [503], backoff: 'soon' }, backendRefs: [{ name: 'flaky', port: 80 }] },
        { matches: [{ path: { value: '/teapot' } }], retry: { codes: [418] }, backendRefs: [{ name: 'flaky', port: 80 }] },
      ],
    }),
    gateway(NS, 'web', [{ name: 'http', port, protocol: 'HTTP' }]),
    httpRoute(NS, 'timeouts', {
      parentRefs: [{ name: 'web' }],
      hostnames: ['timeouts.test'],
      rules: [
        { matches: [{ path: { value: '/delay/1500' } }], timeouts: { request: '300ms' }, backendRefs: to('main') },
        { matches: [{ path: { value: '/delay/1000' } }], timeouts: { request: '2s', backendRequest: '250ms' }, backendRefs: to('main') },
        { matches: [{ path: { value: '/delay/100' } }], timeouts: { request: '1m' }, backendRefs: to('main') },
        { matches: [{ path: { value: '/delay/200' } }], timeouts: { request: '0s' }, backendRefs: to('main') },
        { matches: [{ path: { value: '/bad' } }], timeouts: { request: '1s', backendRequest: '2s' }, backendRefs: to('main') },
        { matches: [{ path: { value: '/malformed' } }], timeouts: { request: '10 seconds' }, backendRefs: to('main') },
      ],
    }),
    httpRoute(NS, 'mirrors', {
      parentRefs: [{ name: 'web' }],
      hostnames: ['mirror.test'],
      rules: [
        {
          matches: [{ path: { value: '/all' } }],
          filters: [
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-set', value: 'before-mirror' }] } },
            { type: 'RequestMirror', requestMirror: { backendRef: { name: 'mirror', port: 80 } } },
          ],
          backendRefs: to('main'),
        },
        { matches: [{ path: { value: '/half' } }], filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'mirror', port: 80 }, fraction: { numerator: 1, denominator: 2 } } }], backendRefs: to('half') },
        { matches: [{ path: { value: '/gone' } }], filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'no-such', port: 80 } } }], backendRefs: to('main') },
        { matches: [{ path: { value: '/both' } }], filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'mirror', port: 80 }, percent: 50, fraction: { numerator: 1 } } }], backendRefs: to('main') },
      ],
    }),
  ], { httpPort: port });
});

after(async () => {
  await gw?.close();
  for (const e of Object.values(echo)) await e.close();
  mirror?.close();
  down?.close();
});

async function diagnostics(): Promise<{ object: { name: string }; reason: string; message: string }[]> {
  return (await (await fetch(`${gw.adminUrl}/debug/diagnostics`)).json()) as { object: { name: string }; reason: string; message: string }[];
}

test('timeouts: request and backendRequest answer 504 when they elapse; a longer one or 0s lets the response through', async () => {
  let t0 = Date.now();
  const slow = await request(gw.url + '/delay/1500', { host: 'timeouts.test' });
  assert.equal(slow.status, 504);
  assert.ok(Date.now() - t0 < 1200, `cut after the 300 ms request timeout, not the backend's 1500 ms (${Date.now() - t0} ms)`);
  t0 = Date.now();
  assert.equal((await request(gw.url + '/delay/1000', { host: 'timeouts.test' })).status, 504, 'backendRequest is the smaller bound');
  assert.ok(Date.now() - t0 < 900);
  assert.equal((await request(gw.url + '/delay/100', { host: 'timeouts.test' })).status, 200);
  assert.equal((await request(gw.url + '/delay/200', { host: 'timeouts.test' })).status, 200, "'0s' disables the timeout");
  // Invalid timeouts drop the rule (CEL: backendRequest <= request; GEP-2257 syntax).
  const d = await diagnostics();
  assert.ok(d.some((x) => x.reason === 'UnsupportedValue' && /backendRequest must not be longer/.test(x.message)));
  assert.ok(d.some((x) => x.reason === 'UnsupportedValue' && /"10 seconds" is not a duration/.test(x.message)));
  assert.equal((await request(gw.url + '/bad', { host: 'timeouts.test' })).status, 404);
});

async function until(f: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    assert.ok(Date.now() < end, 'condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('RequestMirror: a copy (method, rewritten headers, body) reaches the mirror; its slow 500 never reaches the client', async () => {
  mirrored.length = 0;
  const t0 = Date.now();
  const r = await request(gw.url + '/all/x?q=1', { host: 'mirror.test', method: 'POST', body: 'payload-123', headers: { 'content-type': 'text/plain' } });
  assert.equal(r.status, 200);
  assert.equal(r.json().name, 'main');
  assert.equal(r.json().body, 'payload-123');
  assert.equal(r.headers.get('x-from'), null);
  assert.ok(Date.now() - t0 < 290, 'the client does not wait for the mirror');
  await until(() => mirrored.length === 1);
  assert.equal(mirrored[0].method, 'POST');
  assert.equal(mirrored[0].url, '/all/x?q=1');
  assert.equal(mirrored[0].body, 'payload-123');
  assert.equal(mirrored[0].headers['x-set'], 'before-mirror', 'the copy is the request as forwarded');
  assert.equal(mirrored[0].headers.host, 'mirror.test');

  // fraction 1/2: every second request is mirrored; the backend gets them all.
  mirrored.length = 0;
  const before = echo.half.requests;
  for (let i = 0; i < 6; i++) assert.equal((await request(gw.url + '/half', { host: 'mirror.test' })).status, 200);
  assert.equal(echo.half.requests - before, 6);
  await until(() => mirrored.length === 3);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(mirrored.length, 3);

  // An unresolvable mirror backend mirrors nothing; the request is served.
  assert.equal((await request(gw.url + '/gone', { host: 'mirror.test' })).status, 200);
  const d = await diagnostics();
  assert.ok(d.some((x) => x.reason === 'BackendNotFound' && /RequestMirror.*nothing is mirrored/.test(x.message)));
  assert.ok(d.some((x) => x.reason === 'UnsupportedValue' && /only one of percent and fraction/.test(x.message)));
  assert.equal((await request(gw.url + '/both', { host: 'mirror.test' })).status, 404);
});

test('retry: the listed codes are retried on another endpoint, after the backoff; an invalid backoff or an unsupported code drops the rule', async () => {
  const statuses = async (path: string) => {
    const out: number[] = [];
    for (let i = 0; i < 6; i++) out.push((await request(gw.url + path, { host: 'retry.test' })).status);
    return out.sort();
  };
  assert.deepEqual(await statuses('/retry'), [200, 200, 200, 200, 200, 200], 'every 503 is retried on the healthy endpoint');
  assert.ok((await statuses('/plain')).includes(503), 'without retry the 503s reach the client');
  // backoff (HTTPRouteRetry.backoff): a request that met the 503 first waits that long before its retry.
  const timed = async (path: string) => {
    const hits = downHits;
    const t0 = performance.now();
    const r = await request(gw.url + path, { host: 'retry.test' });
    return { status: r.status, ms: performance.now() - t0, metDown: downHits > hits };
  };
  const runs = [];
  for (let i = 0; i < 6; i++) runs.push(await timed('/backoff'));
  assert.ok(runs.every((r) => r.status === 200), JSON.stringify(runs));
  // Round robin over the two endpoints, two picks per retried request: the 503 one comes first each time.
  assert.ok(runs.some((r) => r.metDown), 'the 503 endpoint was met');
  for (const r of runs.filter((x) => x.metDown)) assert.ok(r.ms >= 145, `retried after ${r.ms.toFixed(0)} ms, before the 150 ms backoff`);
  // The rule's timeout runs during the wait: 504 at 200 ms, not after the 2 s backoff.
  const waits = [];
  for (let i = 0; i < 4; i++) waits.push(await timed('/backoff-timeout'));
  for (const r of waits) {
    if (r.metDown) {
      assert.equal(r.status, 504);
      assert.ok(r.ms < 1500, `answered after ${r.ms.toFixed(0)} ms`);
    } else assert.equal(r.status, 200);
  }
  assert.ok(waits.some((r) => r.metDown));
  const d = await diagnostics();
  assert.ok(d.some((x) => x.reason === 'UnsupportedValue' && /retry.backoff "soon" is not a duration/.test(x.message)));
  assert.ok(d.some((x) => x.reason === 'UnsupportedValue' && /retry.codes 418/.test(x.message)));
  assert.equal((await request(gw.url + '/bad-backoff', { host: 'retry.test' })).status, 404);
});

test('backendRef filters: a backend\'s RequestHeaderModifier and ResponseHeaderModifier apply only when it is picked, after the rule\'s; another filter type drops the rule', async () => {
  const seen = new Map<string, { req: Record<string, unknown>; answer: string | null; extra: string | null }>();
  for (let i = 0; i < 4; i++) {
    const r = await request(gw.url + '/split', { host: 'backends.test', headers: { 'x-drop': 'please' } });
    assert.equal(r.status, 200);
    const j = r.json() as { name: string; headers: Record<string, unknown> };
    seen.set(j.name, { req: j.headers, answer: r.headers.get('x-answer'), extra: r.headers.get('x-extra') });
  }
  assert.deepEqual([...seen.keys()].sort(), ['half', 'main'], 'weights 1:1: both backends served');
  const main = seen.get('main')!;
  const half = seen.get('half')!;
  assert.deepEqual([main.req['x-level'], main.req['x-rule'], main.req['x-drop']], ['main-backend', 'yes', undefined], 'the backend\'s filter runs after the rule\'s');
  assert.deepEqual([half.req['x-level'], half.req['x-rule'], half.req['x-drop']], ['rule', 'yes', 'please'], 'the other backend gets the rule\'s filter only');
  assert.deepEqual([main.answer, main.extra], ['main-backend', '1']);
  assert.deepEqual([half.answer, half.extra], ['rule', null]);
  assert.equal((await request(gw.url + '/redirecting', { host: 'backends.test' })).status, 404, 'a RequestRedirect on a backendRef: the rule is not served');
  assert.ok((await diagnostics()).some((x) => x.reason === 'UnsupportedValue' && /backend-level filter "RequestRedirect" is not supported/.test(x.message)));
});

test('CORS: preflights answered at the gateway, allowed origins echoed (never * with credentials), others get no CORS headers', async () => {
  const before = echo.main.requests;
  const pre = await request(gw.url + '/list', { host: 'cors.test', method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-token' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');
  assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, PUT');
  assert.equal(pre.headers.get('access-control-allow-headers'), 'x-token');
  assert.equal(pre.headers.get('access-control-max-age'), '600');
  assert.equal(echo.main.requests, before, 'the preflight never reaches the backend');
  // '*.trusted.test:8443': any labels to the left, that scheme and port only.
  const deep = await request(gw.url + '/list', { host: 'cors.test', method: 'OPTIONS', headers: { origin: 'https://a.b.trusted.test:8443', 'access-control-request-method': 'GET' } });
  assert.equal(deep.headers.get('access-control-allow-origin'), 'https://a.b.trusted.test:8443');
  for (const origin of ['https://evil.test', 'http://app.example.com', 'https://a.trusted.test', 'https://trusted.test:8443']) {
    const r = await request(gw.url + '/list', { host: 'cors.test', method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
    assert.equal(r.status, 204, origin);
    assert.equal(r.headers.get('access-control-allow-origin'), null, origin);
  }
  // An actual request: the backend answers, the CORS headers are added to its response.
  const get = await request(gw.url + '/list', { host: 'cors.test', headers: { origin: 'https://app.example.com' } });
  assert.equal(get.status, 200);
  assert.equal(get.json().name, 'main');
  assert.equal(get.headers.get('access-control-allow-origin'), 'https://app.example.com');
  assert.equal(get.headers.get('access-control-expose-headers'), 'x-total');
  assert.match(get.headers.get('vary') ?? '', /Origin/);
  const denied = await request(gw.url + '/list', { host: 'cors.test', headers: { origin: 'https://evil.test' } });
  assert.equal(denied.status, 200);
  assert.equal(denied.headers.get('access-control-allow-origin'), null);
  // '*' without credentials: '*' itself.
  const any = await request(gw.url + '/any', { host: 'cors.test', method: 'OPTIONS', headers: { origin: 'https://whoever.test', 'access-control-request-method': 'DELETE' } });
  assert.equal(any.headers.get('access-control-allow-origin'), '*');
  assert.equal(any.headers.get('access-control-allow-methods'), '*');
  assert.ok((await diagnostics()).some((x) => x.reason === 'UnsupportedValue' && /CORS allowOrigins "ftp:\/\/x.test"/.test(x.message)));
  assert.equal((await request(gw.url + '/bad', { host: 'cors.test' })).status, 404);
});
