// Gateway API end to end in file mode: GatewayClass + Gateway + HTTPRoutes in a folder, the real
// app, real echo backends. Cases follow gateway-api conformance tests (conformance/tests/
// httproute-*.go): matching and precedence, weights, 500 for an unresolvable backend, filters,
// listener isolation, hot reload, --gateway-port-offset.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { backendFor } from '../support/manifests.ts';
import { freePort, gateway, gatewayClass, httpRoute } from '../support/gateway-api.ts';
import type { KubeObject } from '../../src/k8s/types.ts';
import WebSocket from 'ws';

const echo: Record<string, EchoServer> = {};
let gw: TestGateway;
let port: number;
const OFFSET = 1000;

const be = (name: string, weight?: number) => ({ name, port: 80, ...(weight === undefined ? {} : { weight }) });

function objects(extra: KubeObject[] = []): KubeObject[] {
  return [
    gatewayClass(),
    ...['v1', 'v2', 'v3'].flatMap((n) => backendFor('gw', n, [echo[n].port])),
    // Declared port + --gateway-port-offset = the HTTP port Portico listens on.
    gateway('gw', 'web', [
      { name: 'http', port: port - OFFSET, protocol: 'HTTP' },
      { name: 'isolated', port: port - OFFSET, protocol: 'HTTP', hostname: '*.isolated.test' },
    ]),
    httpRoute('gw', 'match', {
      parentRefs: [{ name: 'web', sectionName: 'http' }],
      hostnames: ['match.test'],
      rules: [
        { matches: [{ path: { type: 'Exact', value: '/exact' } }], backendRefs: [be('v1')] },
        { matches: [{ path: { type: 'PathPrefix', value: '/prefix/' } }], backendRefs: [be('v2')] },
        { matches: [{ path: { type: 'RegularExpression', value: '/re/[0-9]+' } }], backendRefs: [be('v3')] },
        { matches: [{ path: { value: '/api' }, headers: [{ name: 'Version', value: 'two' }] }], backendRefs: [be('v2')] },
        { matches: [{ path: { value: '/api' }, queryParams: [{ name: 'v', value: '3' }] }], backendRefs: [be('v3')] },
        { matches: [{ path: { value: '/api' }, method: 'DELETE' }], backendRefs: [be('v3')] },
        { matches: [{ path: { value: '/api' } }], backendRefs: [be('v1')] },
      ],
    }, '2024-01-01T00:00:00Z'),
    // A newer route with a longer prefix wins over the older one (precedence across routes).
    httpRoute('gw', 'longer', {
      parentRefs: [{ name: 'web' }],
      hostnames: ['match.test'],
      rules: [{ matches: [{ path: { value: '/api/long' } }], backendRefs: [be('v3')] }],
    }, '2024-02-01T00:00:00Z'),
    httpRoute('gw', 'split', {
      parentRefs: [{ name: 'web', sectionName: 'http' }],
      hostnames: ['split.test'],
      rules: [
        { matches: [{ path: { value: '/weights' } }], backendRefs: [be('v1', 3), be('v2', 1), be('v3', 0)] },
        { matches: [{ path: { value: '/half-broken' } }], backendRefs: [be('v1'), be('missing')] },
        { matches: [{ path: { value: '/zero' } }], backendRefs: [be('v1', 0)] },
      ],
    }),
    httpRoute('gw', 'filters', {
      parentRefs: [{ name: 'web', sectionName: 'http' }],
      hostnames: ['filters.test'],
      rules: [
        {
          matches: [{ path: { value: '/headers' } }],
          filters: [
            { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X-Set', value: 'set-overwrites' }], add: [{ name: 'X-Add', value: 'added' }], remove: ['X-Remove'] } },
            { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'X-Resp', value: 'yes' }], remove: ['content-type'] } },
          ],
          backendRefs: [be('v1')],
        },
        {
          matches: [{ path: { value: '/prefix/one' } }],
          filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'rewritten.test', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/one' } } }],
          backendRefs: [be('v1')],
        },
        { matches: [{ path: { value: '/full' } }], filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/replaced' } } }], backendRefs: [be('v1')] },
        { matches: [{ path: { value: '/old' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' }, statusCode: 301 } }] },
        { matches: [{ path: { value: '/secure' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', hostname: 'secure.test' } }] },
        { matches: [{ path: { value: '/port' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { port: 8443, statusCode: 308 } }] },
      ],
    }),
    httpRoute('gw', 'wide', { parentRefs: [{ name: 'web', sectionName: 'http' }], rules: [{ backendRefs: [be('v1')] }] }),
    httpRoute('gw', 'narrow', { parentRefs: [{ name: 'web', sectionName: 'isolated' }], rules: [{ matches: [{ path: { value: '/only' } }], backendRefs: [be('v2')] }] }),
    ...extra,
  ];
}

before(async () => {
  for (const n of ['v1', 'v2', 'v3']) echo[n] = await startEchoServer({ name: n });
  port = await freePort();
  gw = await startGateway(objects(), { httpPort: port, gatewayPortOffset: OFFSET });
});

after(async () => {
  await gw?.close();
  for (const e of Object.values(echo)) await e.close();
});

async function via(host: string, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<string | number> {
  const r = await request(gw.url + path, { host, ...opts });
  return r.status === 200 ? r.json().name : r.status;
}

test('path Exact / PathPrefix (element-wise) / RegularExpression (whole path)', async () => {
  assert.equal(await via('match.test', '/exact'), 'v1');
  assert.equal(await via('match.test', '/exact/'), 404);
  assert.equal(await via('match.test', '/prefix'), 'v2'); // trailing '/' of the prefix is ignored
  assert.equal(await via('match.test', '/prefix/x'), 'v2');
  assert.equal(await via('match.test', '/prefixes'), 404);
  assert.equal(await via('match.test', '/re/42'), 'v3');
  assert.equal(await via('match.test', '/re/42/x'), 404);
  assert.equal(await via('MATCH.test:1234', '/exact'), 'v1'); // host case and port ignored
});

test('header, query and method matches; precedence across routes (longer prefix, then method, headers, query)', async () => {
  assert.equal(await via('match.test', '/api'), 'v1');
  assert.equal(await via('match.test', '/api', { headers: { version: 'two' } }), 'v2');
  assert.equal(await via('match.test', '/api', { headers: { version: 'Two' } }), 'v1'); // values exact
  assert.equal(await via('match.test', '/api?v=3'), 'v3');
  assert.equal(await via('match.test', '/api?v=3', { headers: { version: 'two' } }), 'v2'); // header count beats query count
  assert.equal(await via('match.test', '/api', { method: 'DELETE', headers: { version: 'two' } }), 'v3'); // method beats headers
  assert.equal(await via('match.test', '/api/long/x'), 'v3'); // newer route, longer prefix
});

test('weighted backendRefs: 3:1 split, weight 0 gets nothing; an unresolvable backend answers 500 for its share only', async () => {
  const seen: Record<string, number> = {};
  for (let i = 0; i < 8; i++) {
    const n = String(await via('split.test', '/weights'));
    seen[n] = (seen[n] ?? 0) + 1;
  }
  assert.deepEqual(seen, { v1: 6, v2: 2 });
  const half = [];
  for (let i = 0; i < 4; i++) half.push(await via('split.test', '/half-broken'));
  assert.deepEqual(half.sort(), [500, 500, 'v1', 'v1']);
  assert.equal(await via('split.test', '/zero'), 500);
});

test('RequestHeaderModifier, ResponseHeaderModifier and URLRewrite reach the backend and client', async () => {
  const r = await request(gw.url + '/headers', { host: 'filters.test', headers: { 'x-set': 'old', 'x-add': 'first', 'x-remove': 'gone' } });
  assert.equal(r.status, 200);
  const seen = r.json().headers;
  assert.equal(seen['x-set'], 'set-overwrites');
  assert.equal(seen['x-add'], 'first, added');
  assert.equal(seen['x-remove'], undefined);
  assert.equal(r.headers.get('x-resp'), 'yes');
  assert.equal(r.headers.get('content-type'), null);

  const p = (await request(gw.url + '/prefix/one/two?q=1', { host: 'filters.test' })).json();
  assert.equal(p.path, '/one/two?q=1');
  assert.equal(p.host, 'rewritten.test');
  assert.equal((await request(gw.url + '/full/a/b', { host: 'filters.test' })).json().path, '/replaced');
});

test('RequestRedirect: status code, ReplacePrefixMatch, scheme sets the well-known port, default keeps the listener port', async () => {
  const a = await request(gw.url + '/old/page?x=1', { host: 'filters.test' });
  assert.equal(a.status, 301);
  assert.equal(a.headers.get('location'), `http://filters.test:${port - OFFSET}/new/page?x=1`);
  const b = await request(gw.url + '/secure', { host: 'filters.test' });
  assert.equal(b.status, 302);
  assert.equal(b.headers.get('location'), 'https://secure.test/secure');
  const c = await request(gw.url + '/port', { host: 'filters.test:99' });
  assert.equal(c.status, 308);
  assert.equal(c.headers.get('location'), 'http://filters.test:8443/port');
});

test('listener isolation: a host of a more specific listener is routed only by its routes', async () => {
  assert.equal(await via('anything.test', '/whatever'), 'v1');
  assert.equal(await via('a.isolated.test', '/only'), 'v2');
  assert.equal(await via('a.b.isolated.test', '/only'), 'v2'); // suffix wildcard over two labels
  assert.equal(await via('a.isolated.test', '/whatever'), 404);
});

test('routes appear and disappear without restart; a broken route is reported and the rest keeps serving', async () => {
  const added = httpRoute('gw', 'late', { parentRefs: [{ name: 'web' }], hostnames: ['late.test'], rules: [{ backendRefs: [be('v3')] }] });
  const broken = httpRoute('gw', 'broken', { parentRefs: [{ name: 'web' }], hostnames: ['late.test'], rules: [{ matches: [{ path: { type: 'RegularExpression', value: '(' } }], backendRefs: [be('v2')] }] });
  await gw.write(objects([added, broken]));
  assert.equal(await via('late.test', '/'), 'v3');
  assert.equal(await via('match.test', '/exact'), 'v1');
  const diags = await (await fetch(`${gw.adminUrl}/debug/diagnostics`)).json();
  const text = JSON.stringify(diags);
  assert.match(text, /UnsupportedValue/);
  assert.match(text, /broken/);
  await gw.write(objects());
  assert.equal(await via('late.test', '/'), 'v1'); // back to the hostless 'wide' route
});

test('WebSocket upgrades follow Gateway rules: forwarded to the rule\'s backend, 500 for an unresolvable one', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/prefix/x`, { headers: { host: 'match.test' } });
  const reply = await new Promise<string>((resolve, reject) => {
    ws.on('open', () => ws.send('hello'));
    ws.on('message', (m: Buffer) => resolve(m.toString()));
    ws.on('error', reject);
  });
  assert.equal(reply, 'hello');
  ws.close();
  const statuses: number[] = [];
  for (let i = 0; i < 2; i++) {
    const bad = new WebSocket(`ws://127.0.0.1:${port}/half-broken`, { headers: { host: 'split.test' } });
    statuses.push(await new Promise<number>((resolve) => {
      bad.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      bad.on('open', () => { bad.close(); resolve(101); });
      bad.on('error', () => resolve(-1));
    }));
  }
  assert.deepEqual(statuses.sort(), [101, 500]);
});

test('explain (/debug/explain): the listener, the winning rule and why the others of the bucket lost', async () => {
  const ask = async (host: string, path: string): Promise<any> => ((await (await fetch(`${gw.adminUrl}/debug/explain?host=${encodeURIComponent(host)}&path=${encodeURIComponent(path)}`)).json()) as { gateway: unknown }).gateway;
  const e = await ask('match.test', '/api/long/x');
  assert.equal(e.listener.id, 'gw/web/http');
  assert.equal(e.hostname, 'match.test');
  assert.equal(e.rule.id, 'gw/longer#0.0');
  assert.equal(e.rule.backends[0].service, 'gw/v3');
  assert.deepEqual(e.outcome, { forward: { path: '/api/long/x', host: 'match.test' } });
  // Rules before the winner lost on their match; every later one to the winner's precedence.
  const lost = Object.fromEntries(e.others.map((o: { id: string; lost: string }) => [o.id, o.lost]));
  assert.match(lost['gw/match#0.0'], /path Exact "\/exact" does not match/);
  assert.match(lost['gw/match#6.0'], /higher precedence \(gw\/longer#0\.0\) matched first/);
  const plain = await ask('match.test', '/api');
  assert.equal(plain.rule.id, 'gw/match#6.0');
  const lostPlain = Object.fromEntries(plain.others.map((o: { id: string; lost: string }) => [o.id, o.lost]));
  assert.match(lostPlain['gw/match#3.0'], /method, header or query parameter match does not hold/);
  assert.match(lostPlain['gw/longer#0.0'], /path PathPrefix "\/api\/long" does not match/);
  // Listener isolation: a host of the more specific listener; a redirect; no rule → the Ingress rules.
  assert.equal((await ask('a.isolated.test', '/only')).listener.id, 'gw/web/isolated');
  assert.deepEqual((await ask('filters.test', '/old/x?q=1')).outcome, { redirect: { status: 301, location: `http://filters.test:${port - OFFSET}/new/x?q=1` } });
  assert.deepEqual((await ask('a.isolated.test', '/elsewhere')).outcome, { ingress: true });
});
