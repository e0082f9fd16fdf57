// Access log formats and extra fields, and X-Request-Id, through the running gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { makeCert, tlsSecret } from '../support/certs.ts';
import { startEchoServer } from '../support/echo-server.ts';
import { request, startGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';

const requestLines = (logs: string[]) => logs.filter((l) => l.includes('"msg":"request"') || /^\d+\.\d+\.\d+\.\d+ - - \[/.test(l));

async function waitForLines(logs: string[], n: number): Promise<string[]> {
  const end = Date.now() + 3000;
  while (requestLines(logs).length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return requestLines(logs);
}

test('default: JSON lines with today\'s fields; X-Request-Id kept or generated and passed upstream', async () => {
  const echo = await startEchoServer();
  const gw = await startGateway([ingressClass(), ...backendFor('default', 'web', [echo.port]), ingress('default', 'web', [{ host: 'a.test', paths: [{ path: '/', service: 'web', port: 80 }] }])]);
  try {
    const generated = (await request(gw.url + '/x', { host: 'a.test' })).json();
    assert.match(generated.headers['x-request-id'], /^[0-9a-f]{32}$/);
    const kept = (await request(gw.url + '/y', { host: 'a.test', headers: { 'X-Request-Id': 'client-id-1' } })).json();
    assert.equal(kept.headers['x-request-id'], 'client-id-1');
    const [first, second] = (await waitForLines(gw.logs, 2)).map((l) => JSON.parse(l));
    for (const k of ['method', 'host', 'path', 'status', 'endpoint', 'durationMs', 'bytes', 'route', 'protocol', 'attempts', 'client', 'error']) assert.ok(k in first, k);
    assert.equal(first.path, '/x');
    assert.equal(second.status, 200);
    assert.equal(first.requestId, generated.headers['x-request-id'], 'the line names the id the upstream got');
    assert.equal(second.requestId, 'client-id-1');
    assert.ok(!('upstreamStatus' in first), 'extra fields only when asked for');
  } finally {
    await gw.close();
    await echo.close();
  }
});

test('combined format with extra fields, and every extra field in JSON over TLS', async () => {
  const echo = await startEchoServer();
  const cert = makeCert({ sans: ['a.test'] });
  const objs = [ingressClass(), ...backendFor('default', 'web', [echo.port]), tlsSecret('default', 'tls', cert.certPem, cert.keyPem),
    ingress('default', 'web', [{ host: 'a.test', paths: [{ path: '/', service: 'web', port: 80 }] }], { tls: [{ hosts: ['a.test'], secretName: 'tls' }], annotations: { 'portico.io/ssl-redirect': 'false' } })];
  const fields = ['request-id', 'upstream-address', 'upstream-status', 'retries', 'tls-version', 'tls-cipher', 'sni'] as const;
  try {
  const combined = await startGateway(objs, { accessLogFormat: 'combined', accessLogFields: ['request-id', 'upstream-status'] });
  try {
    await request(combined.url + '/p?q=1', { host: 'a.test', headers: { referer: 'http://ref.test/"x"', 'user-agent': 'tester/1.0', 'x-request-id': 'rid-7' } });
    await request(combined.url + '/nothing', { host: 'b.test' });
    const [ok, notFound] = await waitForLines(combined.logs, 2);
    assert.match(ok, /^127\.0\.0\.1 - - \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \/p\?q=1 HTTP\/1\.1" 200 \d+ "http:\/\/ref\.test\/\\x22x\\x22" "tester\/1\.0" requestId=rid-7 upstreamStatus=200$/);
    assert.match(notFound, /"GET \/nothing HTTP\/1\.1" 404 \d+ "-" "-" requestId=[0-9a-f]{32} upstreamStatus=-$/);
  } finally {
    await combined.close();
  }
  const json = await startGateway(objs, { httpsPort: 0, accessLogFields: [...fields] });
  try {
    const port = json.app.ports.https!;
    const status = await new Promise<number>((resolve, reject) => {
      const r = httpsRequest({ host: '127.0.0.1', port, servername: 'a.test', ca: cert.certPem, headers: { host: 'a.test' }, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      r.on('error', reject);
      r.end();
    });
    assert.equal(status, 200);
    const [line] = (await waitForLines(json.logs, 1)).map((l) => JSON.parse(l));
    assert.equal(line.status, 200);
    assert.match(line.requestId, /^[0-9a-f]{32}$/);
    assert.equal(line.upstreamAddress, `127.0.0.1:${echo.port}`);
    assert.equal(line.upstreamStatus, 200);
    assert.equal(line.retries, 0);
    assert.equal(line.tlsVersion, 'TLSv1.3');
    assert.match(line.tlsCipher, /^TLS_/);
    assert.equal(line.sni, 'a.test');
  } finally {
    await json.close();
  }
  } finally {
    await echo.close();
  }
});

test('--request-id=false sends no X-Request-Id of its own', async () => {
  const echo = await startEchoServer();
  const gw = await startGateway([ingressClass(), ...backendFor('default', 'web', [echo.port]), ingress('default', 'web', [{ host: 'a.test', paths: [{ path: '/', service: 'web', port: 80 }] }])], { requestId: false });
  try {
    assert.equal((await request(gw.url + '/', { host: 'a.test' })).json().headers['x-request-id'], undefined);
  } finally {
    await gw.close();
    await echo.close();
  }
});
