// Regex paths are user input evaluated per request (issue: "Regex safety"): a pathological path
// against pathological patterns must not stall the event loop. Patterns run on re2js (linear
// time); capture extraction beyond its cost bound answers 414 (dataplane/http/path-regex.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';

const N = 'nginx.ingress.kubernetes.io/';
let echo: EchoServer;
let gw: TestGateway;

// Catastrophic for a backtracking engine (nested quantifiers, a failing tail), and large NFAs.
const EVIL = ['/(a+)+$x', '/(.*a){20}', '/(.*){1,100}b', '/((a|aa)*)*(b|bb)*c'];

before(async () => {
  echo = await startEchoServer({ name: 'good' });
  gw = await startGateway([
    ingressClass(),
    ...backendFor('app', 'good', [echo.port], 8080),
    // Matching only (use-regex) and matching + captures (rewrite-target with $1).
    ingress('app', 'evil-match', [{ host: 'evil.example', paths: EVIL.map((p) => ({ path: p, pathType: 'ImplementationSpecific' as const, service: 'good', port: 8080 })) }],
      { annotations: { [N + 'use-regex']: 'true' } }),
    ingress('app', 'evil-rewrite', [{ host: 'evil2.example', paths: EVIL.map((p) => ({ path: p, pathType: 'ImplementationSpecific' as const, service: 'good', port: 8080 })) }],
      { annotations: { [N + 'rewrite-target']: '/$1' } }),
    ingress('app', 'good', [{ host: 'good.example', paths: [{ path: '/', service: 'good', port: 8080 }] }]),
  ]);
});

after(async () => {
  await gw?.close();
  await echo?.close();
});

async function timed(host: string, path: string): Promise<{ status: number; ms: number }> {
  const t = performance.now();
  const r = await request(gw.url + path, { host });
  return { status: r.status, ms: performance.now() - t };
}

test('pathological paths against pathological patterns: answered fast, other requests keep their latency', async () => {
  // Baseline on this (possibly loaded) machine.
  const base: number[] = [];
  for (let i = 0; i < 20; i++) base.push((await timed('good.example', '/x')).ms);
  base.sort((a, b) => a - b);
  const median = base[10];

  const evilPath = '/' + 'a'.repeat(8000);
  const attack = Promise.all(Array.from({ length: 40 }, (_, i) => timed(i % 2 ? 'evil.example' : 'evil2.example', evilPath + (i % 3 === 0 ? 'b' : ''))));
  const during: number[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await timed('good.example', '/x');
    assert.equal(r.status, 200);
    during.push(r.ms);
  }
  const evil = await attack;
  for (const e of evil) {
    // Matched (200), no match (404), or captures over the cost bound (414): never a stall.
    assert.ok([200, 404, 414].includes(e.status), `status ${e.status}`);
    assert.ok(e.ms < 2000, `pathological request took ${e.ms.toFixed(0)} ms`);
  }
  during.sort((a, b) => a - b);
  const p95 = during[18];
  if (process.env.PORTICO_TEST_VERBOSE) console.log({ median, p95, evilMax: Math.max(...evil.map((e) => e.ms)), statuses: [...new Set(evil.map((e) => e.status))] });
  assert.ok(p95 < median + 250, `good requests p95 ${p95.toFixed(1)} ms during the attack vs median ${median.toFixed(1)} ms before`);
  // Captures that fit the bound still work: a short matching path is rewritten.
  const ok = await request(gw.url + '/' + 'a'.repeat(25), { host: 'evil2.example' });
  assert.equal(ok.status, 200);
});
