// README "CLI": a file change is served within 1 s without a restart; requests in flight complete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as undiciRequest } from 'undici';
import { startEchoServer } from '../support/echo-server.ts';
import { startGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';

test('reloads under steady traffic lose no request, and a change is served within 1 s', async () => {
  const a = await startEchoServer({ name: 'a' });
  const b = await startEchoServer({ name: 'b' });
  const base = [ingressClass(), ...backendFor('default', 'a', [a.port]), ...backendFor('default', 'b', [b.port])];
  const route = (svc: string, extraPath: string) => ingress('default', 'r', [{ host: 'reload.test', paths: [{ path: '/', service: svc, port: 80 }, { path: extraPath, service: svc, port: 80 }] }]);
  const gw = await startGateway([...base, route('a', '/x0')]);
  const agent = new Agent({ connections: 8 });
  let ok = 0;
  const failures: string[] = [];
  let stop = false;
  const worker = async (): Promise<void> => {
    while (!stop) {
      try {
        // Slow responses keep requests in flight across every swap.
        const res = await undiciRequest(gw.url + '/delay/20', { headers: { host: 'reload.test' }, dispatcher: agent });
        const text = await res.body.text();
        if (res.statusCode === 200) ok++;
        else failures.push(`${res.statusCode} ${text}`);
      } catch (err) {
        failures.push(String(err));
      }
    }
  };
  try {
    const workers = Array.from({ length: 8 }, () => worker());
    for (let i = 1; i <= 6; i++) {
      const svc = i % 2 === 0 ? 'a' : 'b';
      const started = Date.now();
      await gw.write([...base, route(svc, `/x${i}`)]);
      // Served within 1 s: the new backend answers.
      for (;;) {
        const res = await undiciRequest(gw.url + '/', { headers: { host: 'reload.test' }, dispatcher: agent });
        const body = (await res.body.json()) as { name: string };
        if (body.name === svc) break;
        assert.ok(Date.now() - started < 1000, `change ${i} not served within 1 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    stop = true;
    await Promise.all(workers);
    assert.deepEqual(failures, []);
    assert.ok(ok > 20, `steady traffic flowed (${ok} requests)`);
  } finally {
    stop = true;
    await agent.close();
    await gw.close();
    await a.close();
    await b.close();
  }
});

test('a broken manifest leaves the last good configuration serving', async () => {
  const a = await startEchoServer({ name: 'a' });
  const gw = await startGateway([ingressClass(), ...backendFor('default', 'a', [a.port]), ingress('default', 'r', [{ host: 'keep.test', paths: [{ path: '/', service: 'a', port: 80 }] }])]);
  try {
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    await writeFile(join(gw.dir, 'main.yaml'), 'kind: [broken\n');
    const deadline = Date.now() + 3000;
    while (!gw.app.controller.diagnostics().some((d) => d.reason === 'KeptLastGood')) {
      assert.ok(Date.now() < deadline, 'diagnostic reported');
      await new Promise((r) => setTimeout(r, 20));
    }
    const res = await undiciRequest(gw.url + '/', { headers: { host: 'keep.test' } });
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    assert.ok(gw.logs.some((l) => /KeptLastGood|InvalidManifest/.test(l)), 'a log line names the problem');
  } finally {
    await gw.close();
    await a.close();
  }
});
