// `portico serve --workers 2` and SIGTERM (README "Worker processes"): /readyz answers 503 at once,
// requests in flight on either worker finish, then the listeners are gone and every process exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEchoServer } from '../support/echo-server.ts';
import { backendFor, ingress, ingressClass, toYaml } from '../support/manifests.ts';
import { freshGet, until } from './support.ts';

const root = resolve(import.meta.dirname, '../..');

test('SIGTERM drains both workers: readyz 503 first, in-flight requests finish, then exit 0', async () => {
  const echo = await startEchoServer({ name: 'slow' });
  const dir = await mkdtemp(join(tmpdir(), 'portico-drain-'));
  await writeFile(join(dir, 'm.yaml'), toYaml([ingressClass(), ...backendFor('d', 'slow', [echo.port]), ingress('d', 'slow', [{ host: 'slow.test', paths: [{ path: '/', service: 'slow', port: 80 }] }])]));
  const child = spawn(process.execPath, [join(root, 'bin/portico.js'), 'serve', '--resources', dir, '--watch=false', '--workers', '2', '--bind-address', '127.0.0.1',
    '--http-port', '0', '--https-port', 'off', '--admin-port', '0', '--drain-timeout', '5s'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    const port = (re: RegExp): number => Number(re.exec(out)?.[1] ?? 0);
    await until(async () => {
      const admin = port(/"port":(\d+),"msg":"admin listening"/);
      // Worker log lines are written asynchronously: wait for both.
      if ((out.match(/"msg":"worker listening"/g) ?? []).length < 2) return false;
      return admin > 0 && (await fetch(`http://127.0.0.1:${admin}/readyz`).then((r) => r.status, () => 0)) === 200;
    }, 15000, 'ready');
    const admin = port(/"port":(\d+),"msg":"admin listening"/);
    const http = port(/"http":(\d+),"https":null,"msg":"worker listening"/);
    // In flight on fresh connections, so on both workers.
    const slow = Array.from({ length: 6 }, () => freshGet(http, 'slow.test', '/delay/700'));
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    await until(async () => (await fetch(`http://127.0.0.1:${admin}/readyz`).then((r) => r.status, () => 0)) === 503, 2000, 'readyz 503');
    const done = await Promise.all(slow);
    assert.deepEqual(done.map((r) => r.status), done.map(() => 200), 'every in-flight request finished');
    assert.equal(await exited, 0, out);
    await assert.rejects(freshGet(http, 'slow.test'), /ECONNREFUSED/);
    assert.equal((out.match(/"msg":"worker draining"/g) ?? []).length, 2);
  } finally {
    child.kill('SIGKILL');
    await echo.close();
    await rm(dir, { recursive: true, force: true });
  }
});
