// The CLI as a user runs it: `portico validate`, `portico explain`, and `portico serve` with a
// SIGTERM drain (README "Admin server").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { request as undiciRequest } from 'undici';
import { startEchoServer } from '../support/echo-server.ts';
import { backendFor, ingress, ingressClass, toYaml } from '../support/manifests.ts';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/portico.js');
const run = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

async function portico(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [bin, ...args], { cwd: root });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('validate prints diagnostics and exits 1 when an object is rejected, 0 when clean', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portico-cli-'));
  try {
    await writeFile(join(dir, 'good.yaml'), toYaml([ingressClass(), ...backendFor('default', 'web', [8081]), ingress('default', 'ok', [{ host: 'a.test', paths: [{ path: '/', service: 'web', port: 80 }] }])]));
    const clean = await portico(['validate', dir]);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /1 Ingress\(es\) served/);

    await writeFile(join(dir, 'bad.yaml'), toYaml([ingress('default', 'broken', [{ host: 'b.test', paths: [{ path: '/a//b', pathType: 'Exact', service: 'web', port: 80 }] }])]));
    const bad = await portico(['validate', dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /ERROR\s+Ingress default\/broken/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('explain names the Ingress, rule and endpoint for a URL', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portico-cli-'));
  try {
    await writeFile(join(dir, 'm.yaml'), toYaml([ingressClass(), ...backendFor('default', 'api', [8081]), ingress('default', 'site', [{ host: 'foo.bar.com', paths: [{ path: '/api', service: 'api', port: 80 }] }])]));
    const r = await portico(['explain', '--resources', dir, 'http://foo.bar.com/api/v1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /default\/site/);
    assert.match(r.stdout, /default\/api:80/);
    assert.match(r.stdout, /127\.0\.0\.1:8081/);
    // The HTTP/1.1 engine that answers it (src/dataplane/http1/explain-engine.ts).
    assert.match(r.stdout, /"http1Engine": \{\s*"http": \{\s*"name": "(lean|node)"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('serve: SIGTERM turns /readyz 503, finishes the in-flight request, exits 0', async () => {
  const echo = await startEchoServer({ name: 'slow' });
  const dir = await mkdtemp(join(tmpdir(), 'portico-cli-'));
  await writeFile(join(dir, 'm.yaml'), toYaml([ingressClass(), ...backendFor('default', 'slow', [echo.port]), ingress('default', 's', [{ paths: [{ path: '/', service: 'slow', port: 80 }] }])]));
  const [httpPort, adminPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [bin, 'serve', '--workers', '1', '--resources', dir, '--bind-address', '127.0.0.1', '--http-port', String(httpPort), '--https-port', 'off', '--admin-port', String(adminPort), '--drain-timeout', '5s'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  try {
    const deadline = Date.now() + 15000;
    for (;;) {
      try {
        const r = await undiciRequest(`http://127.0.0.1:${adminPort}/readyz`);
        await r.body.dump();
        if (r.statusCode === 200) break;
      } catch { /* not listening yet */ }
      assert.ok(Date.now() < deadline, `never ready: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const upstreamBefore = echo.sockets;
    const inflight = undiciRequest(`http://127.0.0.1:${httpPort}/delay/800`).then(async (r) => ({ status: r.statusCode, body: await r.body.text() }));
    // SIGTERM once the request is in flight upstream (a fixed pause is not enough on a loaded machine).
    for (const end = Date.now() + 5000; echo.sockets === upstreamBefore && Date.now() < end;) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    const ready = await undiciRequest(`http://127.0.0.1:${adminPort}/readyz`).then(async (r) => { await r.body.dump(); return r.statusCode; }, () => 'closed');
    assert.ok(ready === 503 || ready === 'closed', `readyz after SIGTERM: ${ready}`);
    const done = await inflight;
    assert.equal(done.status, 200, 'in-flight request finished');
    assert.equal(await exited, 0, out);
  } finally {
    child.kill('SIGKILL');
    await echo.close();
    await rm(dir, { recursive: true, force: true });
  }
});
