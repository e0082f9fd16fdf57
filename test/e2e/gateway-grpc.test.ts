// GRPCRoute end to end in file mode with real @grpc/grpc-js clients and servers: an HTTP listener
// taking HTTP/2 with prior knowledge and an HTTPS listener taking h2 by ALPN (grpcroute_types.go
// GRPCRoute), backends over h2c. Cases follow gateway-api conformance grpcroute-exact-method-matching,
// grpcroute-header-matching, grpcroute-listener-hostname-matching and grpcroute_types.go
// GRPCRouteRule.Matches precedence / GRPCRouteRule.BackendRefs (UNAVAILABLE for an invalid backend).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { request, startGateway, type TestGateway } from '../support/gateway.ts';
import { backendFor, endpointSlice, service } from '../support/manifests.ts';
import { makeCert, tlsSecret } from '../support/certs.ts';
import { freePort, gateway, gatewayClass, httpRoute } from '../support/gateway-api.ts';
import { EchoClient, startGrpcServer, unary, type Client, type GrpcServer } from '../support/grpc.ts';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import type { KubeObject } from '../../src/k8s/types.ts';

const NS = 'rpc';
const V1 = 'gateway.networking.k8s.io/v1';
type Msg = Record<string, unknown>;
const ser = (v: Msg): Buffer => Buffer.from(JSON.stringify(v));
const de = (b: Buffer): Msg => JSON.parse(b.toString('utf8')) as Msg;
const rpc = (path: string) => ({ path, requestStream: false, responseStream: false, requestSerialize: ser, requestDeserialize: de, responseSerialize: ser, responseDeserialize: de });
/** Methods of two other services, so service matching has something to tell apart. */
const OTHER = { other: rpc('/portico.test.Other/Unary'), ping: rpc('/portico.test.Third/Ping'), nope: rpc('/portico.test.Nope/Unary') } as const;
const OtherClient = grpc.makeGenericClientConstructor(OTHER, 'Other');

const edge = makeCert({ sans: ['rpc.test'] });
const servers: Record<string, GrpcServer> = {};
let third: grpc.Server;
let thirdPort = 0;
let web: EchoServer;
let gw: TestGateway;
let httpPort = 0;
let httpsPort = 0;
const clients: grpc.Client[] = [];

function grpcRoute(name: string, spec: Record<string, unknown>, created?: string): KubeObject {
  return { apiVersion: V1, kind: 'GRPCRoute', metadata: { name, namespace: NS, ...(created ? { creationTimestamp: created } : {}) }, spec } as KubeObject;
}

const to = (name: string, weight?: number) => ({ name, port: 80, ...(weight === undefined ? {} : { weight }) });

function objects(): KubeObject[] {
  return [
    gatewayClass(),
    tlsSecret(NS, 'edge', edge.certPem, edge.keyPem),
    ...backendFor(NS, 'a', [servers.a.port]),
    ...backendFor(NS, 'b', [servers.b.port]),
    ...backendFor(NS, 'c', [thirdPort]),
    ...backendFor(NS, 'web', [web.port]),
    // A Service port that says HTTP/1.1 WebSocket: gRPC cannot be sent there (UnsupportedProtocol).
    service(NS, 'ws', [{ name: 'http', port: 80, targetPort: servers.a.port, appProtocol: 'kubernetes.io/ws' } as { name: string; port: number; targetPort: number }]),
    endpointSlice(NS, 'ws', 'ws-0', ['127.0.0.1'], servers.a.port),
    gateway(NS, 'edge', [
      { name: 'h2c', port: httpPort, protocol: 'HTTP' },
      { name: 'tls', port: httpsPort, protocol: 'HTTPS', hostname: 'rpc.test', tls: { certificateRefs: [{ name: 'edge' }] } },
      { name: 'http-only', port: httpPort, protocol: 'HTTP', hostname: 'http-only.test', allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }] } },
    ]),
    grpcRoute('echo', {
      parentRefs: [{ name: 'edge', sectionName: 'h2c' }, { name: 'edge', sectionName: 'tls' }],
      hostnames: ['rpc.test'],
      rules: [
        { matches: [{ method: { service: 'portico.test.Echo', method: 'Unary' } }], backendRefs: [to('a')] },
        { matches: [{ method: { service: 'portico.test.Echo', method: 'Unary' }, headers: [{ name: 'X-Variant', value: 'canary' }] }], backendRefs: [to('b')] },
        { matches: [{ method: { service: 'portico.test.Echo' } }], backendRefs: [to('b')] },
        { matches: [{ method: { type: 'RegularExpression', service: 'portico\\.test\\.Oth[a-z]+' } }], backendRefs: [to('c')] },
        { matches: [{ method: { method: 'Ping' } }], backendRefs: [to('c')] },
      ],
    }, '2024-01-01T00:00:00Z'),
    grpcRoute('backends', {
      parentRefs: [{ name: 'edge', sectionName: 'h2c' }],
      hostnames: ['backends.test'],
      rules: [
        { matches: [{ method: { service: 'portico.test.Echo', method: 'Unary' } }], backendRefs: [to('a'), to('missing')] },
        { matches: [{ method: { service: 'portico.test.Echo', method: 'Fail' } }], backendRefs: [to('ws')] },
      ],
    }),
    grpcRoute('filters', {
      parentRefs: [{ name: 'edge', sectionName: 'h2c' }],
      hostnames: ['filters.test'],
      rules: [{
        filters: [
          { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-test', value: 'from-filter' }] } },
          { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-resp', value: 'yes' }] } },
        ],
        backendRefs: [to('b')],
      }],
    }),
    grpcRoute('mirror', {
      parentRefs: [{ name: 'edge', sectionName: 'h2c' }],
      hostnames: ['mirror.test'],
      rules: [{ filters: [{ type: 'RequestMirror', requestMirror: { backendRef: to('b') } }], backendRefs: [to('a')] }],
    }),
    grpcRoute('kinds', { parentRefs: [{ name: 'edge', sectionName: 'http-only' }], rules: [{ backendRefs: [to('a')] }] }),
    // HTTPRoute and GRPCRoute on one listener hostname: the older one is accepted, the newer not.
    httpRoute(NS, 'older-http', { parentRefs: [{ name: 'edge', sectionName: 'h2c' }], hostnames: ['shared.test'], rules: [{ backendRefs: [to('web')] }] }, '2024-01-01T00:00:00Z'),
    grpcRoute('newer-grpc', { parentRefs: [{ name: 'edge', sectionName: 'h2c' }], hostnames: ['*.shared.test', 'shared.test'], rules: [{ backendRefs: [to('a')] }] }, '2024-06-01T00:00:00Z'),
  ];
}

before(async () => {
  servers.a = await startGrpcServer('a');
  servers.b = await startGrpcServer('b');
  third = new grpc.Server();
  third.addService(OTHER, {
    other: (call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => cb(null, { name: 'c', svc: 'Other', echo: call.request }),
    ping: (_call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => cb(null, { name: 'c', svc: 'Third' }),
    nope: (_call: grpc.ServerUnaryCall<Msg, Msg>, cb: grpc.sendUnaryData<Msg>) => cb(null, { name: 'c', svc: 'Nope' }),
  });
  thirdPort = await new Promise<number>((resolve, reject) => third.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  web = await startEchoServer({ name: 'web' });
  httpPort = await freePort();
  httpsPort = await freePort();
  gw = await startGateway(objects(), { httpPort, httpsPort });
});

after(async () => {
  for (const c of clients) c.close();
  await gw?.close();
  for (const s of Object.values(servers)) await s.close();
  await new Promise<void>((r) => third.tryShutdown(() => r()));
  await web?.close();
});

function h2c(host: string): Client {
  const c = new EchoClient(`127.0.0.1:${httpPort}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': host }) as Client;
  clients.push(c);
  return c;
}

function other(host: string): Client {
  const c = new OtherClient(`127.0.0.1:${httpPort}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': host }) as Client;
  clients.push(c);
  return c;
}

function failure(p: Promise<unknown>): Promise<grpc.ServiceError> {
  return p.then(() => assert.fail('the call succeeded'), (e: grpc.ServiceError) => e);
}

function md(pairs: Record<string, string>): grpc.Metadata {
  const m = new grpc.Metadata();
  for (const [k, v] of Object.entries(pairs)) m.set(k, v);
  return m;
}

interface Diag { object: { kind: string; name: string }; reason: string; message: string }

/** The diagnostic of `kind` `name` with `reason`, whose message matches `message`. */
async function diagnostic(kind: string, name: string, reason: string, message: RegExp): Promise<void> {
  const all = await (await fetch(`${gw.adminUrl}/debug/diagnostics`)).json() as Diag[];
  const hit = all.find((d) => d.object.kind === kind && d.object.name === name && d.reason === reason && message.test(d.message));
  assert.ok(hit, `no ${reason} diagnostic on ${kind} ${name} matching ${message}: ${JSON.stringify(all)}`);
}

test('h2c listener: exact service+method, header match, service only, service regex, method only', async () => {
  const c = h2c('rpc.test');
  assert.equal((await unary(c, 'unary', { x: 1 })).name, 'a');
  // Same service and method characters: the match with more headers wins (GRPCRouteRule.Matches).
  assert.equal((await unary(c, 'unary', { x: 1 }, { md: md({ 'x-variant': 'canary' }) })).name, 'b');
  assert.equal((await unary(c, 'unary', { x: 1 }, { md: md({ 'x-variant': 'Canary' }) })).name, 'a', 'header values are exact');
  // Service-only rule: every other method of portico.test.Echo, streaming included.
  const stream = c.serverStream({ n: 3 });
  const got: unknown[] = [];
  for await (const m of stream) got.push(m);
  assert.deepEqual(got, [{ i: 0 }, { i: 1 }, { i: 2 }]);
  assert.equal((await unary(c, 'slow', { ms: 1 })).late, true);
  const o = other('rpc.test');
  assert.deepEqual(await unary(o, 'other', { y: 2 }), { name: 'c', svc: 'Other', echo: { y: 2 } });
  assert.deepEqual(await unary(o, 'ping', {}), { name: 'c', svc: 'Third' }, 'method-only match, any service');
  // No rule matches portico.test.Nope/Unary: the gateway answers UNIMPLEMENTED (404 in gRPC terms).
  const e = await failure(unary(o, 'nope', {}));
  assert.equal(e.code, grpc.status.UNIMPLEMENTED);
  assert.equal(e.metadata.get('x-portico-error')[0], 'PORTICO_ERR_ROUTE_NOT_FOUND');
  // Another host is not this route's.
  assert.equal((await failure(unary(h2c('elsewhere.test'), 'unary', {}))).code, grpc.status.UNIMPLEMENTED);
});

test('HTTPS listener: h2 by ALPN to the same route', async () => {
  const creds = grpc.credentials.createSsl(Buffer.from(edge.certPem));
  const c = new EchoClient(`127.0.0.1:${httpsPort}`, creds, { 'grpc.ssl_target_name_override': 'rpc.test', 'grpc.default_authority': 'rpc.test' }) as Client;
  clients.push(c);
  assert.equal((await unary(c, 'unary', {})).name, 'a');
  assert.equal((await unary(c, 'unary', {}, { md: md({ 'x-variant': 'canary' }) })).name, 'b');
});

test('backends: an invalid backend\'s share answers UNAVAILABLE and an appProtocol gRPC cannot use makes the ref invalid', async () => {
  const c = h2c('backends.test');
  const outcomes: string[] = [];
  for (let i = 0; i < 4; i++) {
    outcomes.push(await unary(c, 'unary', {}).then((r) => String(r.name), (e: grpc.ServiceError) => grpc.status[e.code]));
  }
  assert.deepEqual(outcomes.sort(), ['UNAVAILABLE', 'UNAVAILABLE', 'a', 'a']);
  const ws = await failure(unary(c, 'fail', {}));
  assert.equal(ws.code, grpc.status.UNAVAILABLE, 'a kubernetes.io/ws Service port is not a gRPC backend');
  assert.equal(ws.metadata.get('x-portico-error')[0], 'PORTICO_ERR_BACKEND_INVALID');
  await diagnostic('GRPCRoute', 'backends', 'BackendNotFound', /rpc\/missing not found.*answers UNAVAILABLE/);
  await diagnostic('GRPCRoute', 'backends', 'UnsupportedProtocol', /appProtocol "kubernetes.io\/ws"/);
});

test('RequestHeaderModifier reaches the server, ResponseHeaderModifier the client', async () => {
  const c = h2c('filters.test');
  const { res, head } = await new Promise<{ res: Msg; head: grpc.Metadata }>((resolve, reject) => {
    let head: grpc.Metadata | null = null;
    const call = c.unary({}, md({ 'x-test': 'from-client' }), (err: grpc.ServiceError | null, res: Msg) => (err ? reject(err) : resolve({ res, head: head! })));
    call.on('metadata', (m: grpc.Metadata) => { head = m; });
  });
  assert.equal(res.name, 'b');
  assert.equal(res.md, 'from-filter');
  assert.deepEqual(head.get('x-resp'), ['yes']);
});

test('unsupported filter, kinds and HTTPRoute/GRPCRoute hostname conflict: not served, with the spec\'s reasons', async () => {
  // RequestMirror is not implemented: the rule is not served (never served without the mirror).
  const e = await failure(unary(h2c('mirror.test'), 'unary', {}));
  assert.equal(e.code, grpc.status.UNIMPLEMENTED);
  await diagnostic('GRPCRoute', 'mirror', 'UnsupportedValue', /"RequestMirror" is not supported on GRPCRoute; rule not served/);
  // allowedRoutes.kinds [HTTPRoute]: the GRPCRoute is not allowed there.
  await diagnostic('GRPCRoute', 'kinds', 'NotAllowedByListeners', /do not admit GRPCRoutes/);
  // The older HTTPRoute keeps shared.test; the GRPCRoute is rejected there.
  await diagnostic('GRPCRoute', 'newer-grpc', 'HostnameConflict', /older HTTPRoute/);
  const r = await request(`http://127.0.0.1:${httpPort}/`, { host: 'shared.test' });
  assert.equal(r.status, 200);
  assert.equal(r.json().name, 'web');
  assert.equal((await failure(unary(h2c('x.shared.test'), 'unary', {}))).code, grpc.status.UNIMPLEMENTED, 'rejected on the whole listener, not only on the overlapping name');
});
