// SIGHUP re-reads the manifest files and applies a fresh snapshot, also with --watch=false.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request as undiciRequest } from 'undici';
import { backendFor, ingress, ingressClass, toYaml } from '../support/manifests.ts';

const root = resolve(import.meta.dirname, '../..');

const manifests = (host: string) => toYaml([ingressClass(), ...backendFor('default', 'web', [1]), ingress('default', 'i', [{ host, paths: [{ path: '/', service: 'web', port: 80 }] }])]);

test('serve --watch=false: SIGHUP re-reads the files and serves the new snapshot', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portico-hup-'));
  await writeFile(join(dir, 'm.yaml'), manifests('before.test'));
  const child = spawn(process.execPath, [join(root, 'bin/portico.js'), 'serve', '--workers', '1', '--resources', dir, '--watch=false', '--bind-address', '127.0.0.1', '--http-port', '0', '--https-port', 'off', '--admin-port', '0'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  // Port 0 and the port from the log line: no window for another test to take a probed port.
  let adminPort = 0;
  const hosts = async (): Promise<string[] | null> => {
    adminPort ||= Number(/"port":(\d+),"msg":"admin listening"/.exec(out)?.[1] ?? 0);
    if (adminPort === 0) return null;
    try {
      const r = await undiciRequest(`http://127.0.0.1:${adminPort}/debug/snapshot`);
      const s = await r.body.json() as { virtualHosts: { hostname: string }[] };
      return s.virtualHosts.map((v) => v.hostname);
    } catch {
      return null;
    }
  };
  const until = async (want: string): Promise<void> => {
    const deadline = Date.now() + 15000;
    while (!(await hosts())?.includes(want)) {
      assert.ok(Date.now() < deadline, `never served ${want}: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await until('before.test');
    await writeFile(join(dir, 'm.yaml'), manifests('after.test'));
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await hosts(), ['before.test'], 'no watcher: the change waits for SIGHUP');
    child.kill('SIGHUP');
    await until('after.test');
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
