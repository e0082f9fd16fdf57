// The forwarder's error paths over real sockets, on both HTTP/1.1 engines: the kept-alive reuse
// race (SPEC §1.7, RFC 9112 §9.3.1), resets before and after the response head, a client that
// leaves while the upstream is answering, WebSocket upgrades that find no endpoint or a refused one.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { DEFAULT_UPSTREAM_TLS, type NextUpstreamCondition, type UpstreamPolicy } from '../../../src/model/upstream.ts';
import { makeCert, type TestCert } from '../../support/certs.ts';
import { patternSha256, startEchoServer } from '../../support/echo-server.ts';
import { deadPort, eps, request, route, snapshot, startProxy, vhost, type Harness } from './helpers.ts';

/** What a raw backend does with the n-th request (0-based) it reads on one connection. */
type Action = 'answer' | 'close' | 'reset' | 'half' | 'silent';

interface RawBackend {
  port: number;
  /** Connections accepted. */
  readonly connections: number;
  /** Request heads read, on every connection. */
  readonly requests: number;
  close(): Promise<void>;
}

/**
 * An HTTP/1.1 backend on a plain socket, so a test decides exactly when a connection closes:
 * `plan(conn, n)` says what to do with the n-th request head read on connection `conn` (0-based).
 * 'answer' replies 200 with keep-alive; 'close' ends the connection (FIN) without a byte; 'reset'
 * sends an RST; 'half' sends the head and part of the body, then an RST; 'silent' never answers.
 */
async function rawBackend(plan: (conn: number, n: number) => Action, secure: TestCert | null = null): Promise<RawBackend> {
  let connections = 0;
  let requests = 0;
  const open = new Set<net.Socket>();
  const onConnection = (sock: net.Socket): void => {
    const conn = connections++;
    let n = 0;
    let buf = '';
    open.add(sock);
    sock.on('close', () => open.delete(sock));
    sock.on('error', () => undefined);
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      // Heads, and bodies framed by Content-Length (the tests send no chunked body).
      for (let end = buf.indexOf('\r\n\r\n'); end !== -1; end = buf.indexOf('\r\n\r\n')) {
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        const head = buf.startsWith('HEAD ');
        buf = buf.slice(end + 4 + length);
        requests++;
        const action = plan(conn, n++);
        if (action === 'answer') {
          const body = `conn ${conn}`;
          sock.write(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n\r\n${head ? '' : body}`);
        } else if (action === 'close') {
          sock.end();
          return;
        } else if (action === 'reset') {
          sock.resetAndDestroy();
          return;
        } else if (action === 'half') {
          sock.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial', () => sock.resetAndDestroy());
          return;
        }
      }
    });
  };
  // TLS: the same exchange after the handshake (the forwarder's HTTPS profile pools).
  const server = secure === null ? net.createServer(onConnection) : tls.createServer({ cert: secure.certPem, key: secure.keyPem }, onConnection);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() { return connections; },
    get requests() { return requests; },
    close: () => new Promise<void>((r) => {
      for (const s of open) s.destroy();
      server.close(() => r());
    }),
  };
}

/** proxy-next-upstream as a route's policy (nginx proxy_next_upstream / _tries). */
function nextUpstream(on: NextUpstreamCondition[], tries: number): UpstreamPolicy {
  return { protocol: 'HTTP', protocolSource: 'annotation', tls: null, connectTimeoutMs: null, readTimeoutMs: null,
    sendTimeoutMs: null, retry: { on, tries, timeoutMs: 0 }, maxBodyBytes: null };
}

/** `fn` with a raw backend following `plan`, closed after. */
async function withBackend(plan: (conn: number, n: number) => Action, fn: (be: RawBackend) => Promise<void>, secure: TestCert | null = null): Promise<void> {
  const be = await rawBackend(plan, secure);
  try {
    await fn(be);
  } finally {
    await be.close();
  }
}

async function proxyOn(engine: 'node' | 'lean', ports: number[], fn: (t: Harness) => Promise<void>, upstream?: UpstreamPolicy): Promise<void> {
  const t = await startProxy({}, undefined, engine);
  try {
    const r = route('Prefix', '/', 'default/raw:80');
    t.dp.apply(snapshot(1, [vhost('', [upstream === undefined ? r : { ...r, upstream }])], ['default/raw:80']),
      new Map([['default/raw:80', eps(...ports)]]));
    await fn(t);
  } finally {
    await t.close();
  }
}

function resetErrors(t: Harness): Promise<number> {
  return t.metrics.registry.getSingleMetric('portico_upstream_errors_total')!.get()
    .then((m) => m.values.filter((v) => v.labels.code === 'PORTICO_ERR_UPSTREAM_RESET').reduce((s, v) => s + v.value, 0));
}

/** The status a WebSocket handshake through the proxy gets (101 when it opens). */
function upgradeStatus(port: number): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { host: 'x' } });
  return new Promise<number>((resolve) => {
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(-1));
  });
}

// Both HTTP/1.1 engines (README "Lean HTTP/1.1 engine"): node:http with the undici forwarder
// (forwarder.ts, also every HTTP/2 client's path), and the lean engine, which must answer alike.
for (const engine of ['node', 'lean'] as const) {
  describe(`${engine} engine`, () => {
    const withProxy = (ports: number[], fn: (t: Harness) => Promise<void>, upstream?: UpstreamPolicy): Promise<void> =>
      proxyOn(engine, ports, fn, upstream);

    // SPEC §1.7 with RFC 9112 §9.3.1: a backend closing an idle keep-alive connection just as the next
    // request is written on it never saw that request applied; an idempotent request with no body byte
    // sent is retried once on a new connection — to the same endpoint (a lone endpoint is not "down").
    for (const how of ['close', 'reset'] as const) {
      test(`reused connection ${how === 'close' ? 'closed (FIN)' : 'reset (RST)'} as the next request arrives: retried once on a new connection`, async () => {
        await withBackend((_conn, n) => (n === 0 ? 'answer' : how), async (be) => {
          await withProxy([be.port], async (t) => {
            for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']) {
              const before = be.connections;
              // A new pooled connection answers once and is kept alive…
              const first = await request(t.port, '/one', { host: 'x' });
              assert.equal(first.status, 200);
              assert.equal(first.body, `conn ${before}`);
              // …and the next request on it meets the close.
              const r = await request(t.port, '/again', { host: 'x', method, headers: { 'content-length': '0' } });
              assert.equal(r.status, 200, `${method} answered after the retry: ${r.body}`);
              if (method !== 'HEAD') assert.equal(r.body, `conn ${before + 1}`, `${method} answered on a new connection`);
              assert.equal(be.connections, before + 2);
            }
            assert.equal(be.requests, 5 * 3);
            assert.equal(await resetErrors(t), 5);
          });
        });
      });
    }

    test('reuse race on an HTTPS upstream: retried once on a new TLS connection of the same profile', async () => {
      const https: UpstreamPolicy = { protocol: 'HTTPS', protocolSource: 'annotation', tls: DEFAULT_UPSTREAM_TLS, connectTimeoutMs: null,
        readTimeoutMs: null, sendTimeoutMs: null, retry: null, maxBodyBytes: null };
      await withBackend((_conn, n) => (n === 0 ? 'answer' : 'close'), async (be) => {
        await withProxy([be.port], async (t) => {
          for (let round = 0; round < 2; round++) {
            assert.equal((await request(t.port, '/', { host: 'x' })).body, `conn ${round * 2}`);
            const r = await request(t.port, '/', { host: 'x' });
            assert.equal(r.status, 200, r.body);
            assert.equal(r.body, `conn ${round * 2 + 1}`);
          }
          assert.equal(be.connections, 4);
        }, https);
      }, makeCert({ sans: ['web.default.svc'] }));
    });

    test('reuse race with a non-idempotent method is not retried: 502 PORTICO_ERR_UPSTREAM_RESET (RFC 9112 §9.3.1)', async () => {
      await withBackend((_conn, n) => (n === 0 ? 'answer' : 'close'), async (be) => {
        await withProxy([be.port], async (t) => {
          assert.equal((await request(t.port, '/', { host: 'x' })).status, 200);
          const r = await request(t.port, '/', { host: 'x', method: 'POST', headers: { 'content-length': '0' } });
          assert.equal(r.status, 502);
          assert.equal(r.headers['x-portico-error'], 'PORTICO_ERR_UPSTREAM_RESET');
          assert.equal(be.requests, 2);
          assert.equal(be.connections, 1);
        });
      });
    });

    test('proxy-next-upstream decides the reuse race as nginx does: not with off, POST with non_idempotent, no try counted', async () => {
      await withBackend((_conn, n) => (n === 0 ? 'answer' : 'close'), async (be) => {
        await withProxy([be.port], async (t) => {
          assert.equal((await request(t.port, '/', { host: 'x' })).status, 200);
          assert.equal((await request(t.port, '/', { host: 'x' })).status, 502);
          assert.equal(be.connections, 1);
        }, nextUpstream([], 1));
        await withProxy([be.port], async (t) => {
          assert.equal((await request(t.port, '/', { host: 'x' })).status, 200);
          const r = await request(t.port, '/', { host: 'x', method: 'POST', headers: { 'content-length': '0' } });
          assert.equal(r.status, 200);
          assert.equal(be.connections, 3);
        }, nextUpstream(['error', 'non_idempotent'], 1));
      });
    });

    test('reuse race after the request body was sent is not retried (the body cannot be sent again)', async () => {
      await withBackend((_conn, n) => (n === 0 ? 'answer' : 'close'), async (be) => {
        await withProxy([be.port], async (t) => {
          assert.equal((await request(t.port, '/', { host: 'x' })).status, 200);
          const r = await request(t.port, '/', { host: 'x', method: 'PUT', body: 'x'.repeat(200_000) });
          assert.equal(r.status, 502);
          assert.equal(r.headers['x-portico-error'], 'PORTICO_ERR_UPSTREAM_RESET');
          assert.equal(be.connections, 1);
        });
      });
    });

    test('the reuse race is retried once only: a retry that is reset too answers 502', async () => {
      // Connection 0 answers once; every later head on any connection is reset.
      await withBackend((conn, n) => (conn === 0 && n === 0 ? 'answer' : 'reset'), async (be) => {
        await withProxy([be.port], async (t) => {
          assert.equal((await request(t.port, '/', { host: 'x' })).status, 200);
          const r = await request(t.port, '/', { host: 'x' });
          assert.equal(r.status, 502);
          assert.equal(r.headers['x-portico-error'], 'PORTICO_ERR_UPSTREAM_RESET');
          assert.equal(be.connections, 2);
          assert.equal(be.requests, 3);
        });
      });
    });

    test('a fresh connection reset before any response byte is not retried (it may have been applied)', async () => {
      await withBackend(() => 'reset', async (be) => {
        await withProxy([be.port], async (t) => {
          const r = await request(t.port, '/', { host: 'x' });
          assert.equal(r.status, 502);
          assert.equal(r.headers['x-portico-error'], 'PORTICO_ERR_UPSTREAM_RESET');
          assert.equal(be.requests, 1);
        });
      });
    });

    test('an upstream reset after the response head cuts the client response (no second answer)', async () => {
      await withBackend(() => 'half', async (be) => {
        await withProxy([be.port], async (t) => {
          const outcome = await new Promise<string>((resolve) => {
            http.get({ host: '127.0.0.1', port: t.port, path: '/', headers: { host: 'x' }, agent: false }, (res) => {
              assert.equal(res.statusCode, 200);
              res.on('data', () => undefined);
              res.on('end', () => resolve('end'));
              res.on('aborted', () => resolve('aborted'));
              res.on('error', () => resolve('aborted'));
            }).on('error', () => resolve('error'));
          });
          assert.equal(outcome, 'aborted');
          assert.equal(be.requests, 1);
        });
      });
    });

    test('a client that leaves while the upstream is answering releases the endpoint', async () => {
      await withBackend(() => 'silent', async (be) => {
        await withProxy([be.port], async (t) => {
          await new Promise<void>((resolve) => {
            const req = http.get({ host: '127.0.0.1', port: t.port, path: '/', headers: { host: 'x' }, agent: false });
            req.on('error', () => resolve());
            const poll = setInterval(() => {
              if (be.requests === 1) {
                clearInterval(poll);
                req.destroy();
              }
            }, 5);
          });
          const inflight = (): number => t.dp.endpointHealth('default/raw:80')![0].inflight;
          for (let i = 0; i < 200 && inflight() !== 0; i++) await new Promise((r) => setTimeout(r, 10));
          assert.equal(inflight(), 0);
        });
      });
    });

    test('a client that stops reading pauses the upstream body, and gets every byte when it reads again', async () => {
      const echo = await startEchoServer({ name: 'big' });
      try {
        await withProxy([echo.port], async (t) => {
          const size = 16 * 1024 * 1024 + 3;
          const got = await new Promise<{ sha: string; bytes: number }>((resolve, reject) => {
            http.get({ host: '127.0.0.1', port: t.port, path: `/bytes/${size}`, headers: { host: 'x' }, agent: false }, (res) => {
              const h = createHash('sha256');
              let bytes = 0;
              res.pause();
              // Long enough for the socket buffers to fill and the forwarder to pause the upstream.
              setTimeout(() => {
                res.on('data', (c: Buffer) => { h.update(c); bytes += c.length; });
                res.on('end', () => resolve({ sha: h.digest('hex'), bytes }));
                res.resume();
              }, 300);
            }).on('error', reject);
          });
          assert.equal(got.bytes, size);
          assert.equal(got.sha, patternSha256(size));
          assert.equal(t.dp.endpointHealth('default/raw:80')![0].inflight, 0);
        });
      } finally {
        await echo.close();
      }
    });

    test('WebSocket upgrade: a refused endpoint answers 502 and counts a connect error; no endpoint answers 503', async () => {
      await withProxy([await deadPort()], async (t) => {
        assert.equal(await upgradeStatus(t.port), 502);
        const errors = await t.metrics.registry.getSingleMetric('portico_upstream_errors_total')!.get();
        assert.ok(errors.values.some((v) => v.labels.code === 'PORTICO_ERR_UPSTREAM_CONNECT' && v.value === 1));
        assert.equal(t.dp.endpointHealth('default/raw:80')![0].inflight, 0);
        t.dp.updateEndpoints('default/raw:80', []);
        assert.equal(await upgradeStatus(t.port), 503);
      });
    });
  });
}
