// config/gateway-api.yaml (with config/example.yaml, as `npm start` serves them) answers as its
// header comment says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request as undiciRequest } from 'undici';
import { startApp } from '../../src/app.ts';
import { DEFAULTS } from '../../src/config/config.ts';
import { createLogger } from '../../src/util/logger.ts';
import { Metrics } from '../../src/util/metrics.ts';
import { freePort } from '../support/gateway-api.ts';

test('the Gateway API example (config/gateway-api.yaml) answers: route, redirect, 404', async () => {
  const root = resolve(import.meta.dirname, '../..');
  const [admin, http] = [await freePort(), await freePort()];
  const dir = await mkdtemp(join(tmpdir(), 'portico-gw-example-'));
  await writeFile(join(dir, 'example.yaml'), (await readFile(join(root, 'config/example.yaml'), 'utf8')).replaceAll('9901', String(admin)));
  await writeFile(join(dir, 'gateway-api.yaml'), (await readFile(join(root, 'config/gateway-api.yaml'), 'utf8')).replace('port: 8080', `port: ${http}`));
  const app = await startApp({ ...DEFAULTS, resources: [dir], bindAddress: '127.0.0.1', httpPort: http, httpsPort: null, adminPort: admin },
    { logger: createLogger({ level: 'silent' }), metrics: new Metrics({ defaultMetrics: false }) });
  try {
    await app.ready();
    assert.deepEqual(app.controller.diagnostics().filter((d) => d.object.kind === 'Gateway' || d.object.kind === 'HTTPRoute'), []);
    const get = async (path: string) => {
      const r = await undiciRequest(`http://127.0.0.1:${http}${path}`, { headers: { host: 'gateway.localhost' } });
      return { status: r.statusCode, text: await r.body.text(), headers: r.headers };
    };
    const ok = await get('/healthz');
    assert.equal(ok.status, 200);
    assert.equal(ok.text, 'ok\n');
    assert.equal(ok.headers['x-served-by'], 'httproute-default-admin');
    const moved = await get('/old/healthz');
    assert.equal(moved.status, 301);
    assert.equal(moved.headers.location, `http://gateway.localhost:${http}/healthz`);
    assert.equal((await get('/nope')).status, 404);
  } finally {
    await app.stop(500);
    await rm(dir, { recursive: true, force: true });
  }
});
