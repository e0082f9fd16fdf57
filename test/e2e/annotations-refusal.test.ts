// End to end: an Ingress asking for protection Portico cannot enforce is not served (PROTOCOL
// "never fail open"), alone — other Ingresses keep serving — and the opt-out flag serves it with
// a warning. Diagnostics reach the log and /debug/diagnostics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { startGateway, request, type TestGateway } from '../support/gateway.ts';
import { backendFor, ingress, ingressClass } from '../support/manifests.ts';

const N = 'nginx.ingress.kubernetes.io/';
let echo: EchoServer;

before(async () => {
  echo = await startEchoServer({ name: 'app' });
});
after(async () => {
  await echo?.close();
});

function objects() {
  return [
    ingressClass(),
    ...backendFor('app', 'app', [echo.port], 8080),
    ingress('app', 'protected', [{ host: 'secret.example', paths: [{ path: '/', service: 'app', port: 8080 }] }],
      { annotations: { [N + 'enable-modsecurity']: 'true' } }),
    ingress('app', 'snippet', [{ host: 'snippet.example', paths: [{ path: '/', service: 'app', port: 8080 }] }],
      { annotations: { [N + 'configuration-snippet']: 'more_set_headers "X-A: b";' } }),
    ingress('app', 'variable', [{ host: 'variable.example', paths: [{ path: '/', service: 'app', port: 8080 }] }],
      { annotations: { [N + 'rewrite-target']: '/$remote_addr' } }),
    ingress('app', 'open', [{ host: 'open.example', paths: [{ path: '/', service: 'app', port: 8080 }] }],
      { annotations: { [N + 'limit-rate']: '100', [N + 'proxy-buffering']: 'off' } }),
  ];
}

test('an Ingress with enable-modsecurity (or a snippet, or an unknown $variable) is not served; the others are', async () => {
  const gw: TestGateway = await startGateway(objects());
  try {
    assert.equal((await request(gw.url + '/', { host: 'secret.example' })).status, 404);
    assert.equal((await request(gw.url + '/', { host: 'snippet.example' })).status, 404);
    assert.equal((await request(gw.url + '/', { host: 'variable.example' })).status, 404);
    const open = await request(gw.url + '/x', { host: 'open.example' });
    assert.equal(open.status, 200);
    assert.equal(open.json().name, 'app');

    const diags = (await request(gw.adminUrl + '/debug/diagnostics')).json() as { object: { name: string }; reason: string; severity: string; message: string }[];
    const of = (name: string) => diags.filter((d) => d.object.name === name);
    const refused = of('protected').find((d) => d.reason === 'RefusedAnnotation');
    assert.equal(refused?.severity, 'error');
    assert.match(refused.message, /nginx\.ingress\.kubernetes\.io\/enable-modsecurity/);
    assert.match(refused.message, /not served/);
    assert.match(of('snippet').find((d) => d.reason === 'RefusedAnnotation')!.message, /configuration-snippet.*more_set_headers/);
    assert.match(of('variable').find((d) => d.reason === 'RefusedAnnotation')!.message, /\$remote_addr/);
    // Unsupported keys warn; no-op keys are accepted silently (they show in the migration report).
    const unsupported = of('open').filter((d) => d.reason === 'UnsupportedAnnotation');
    assert.deepEqual(unsupported.map((d) => d.severity), ['warning']);
    assert.match(unsupported[0].message, /limit-rate/);
    assert.ok(gw.logs.some((l) => l.includes('RefusedAnnotation') && l.includes('enable-modsecurity')), 'refusal logged');
  } finally {
    await gw.close();
  }
});

test('--serve-unenforced-annotations serves it anyway, with a warning per Ingress', async () => {
  const gw = await startGateway(objects(), { serveUnenforcedAnnotations: true });
  try {
    assert.equal((await request(gw.url + '/', { host: 'secret.example' })).status, 200);
    assert.equal((await request(gw.url + '/', { host: 'snippet.example' })).status, 200);
    const diags = (await request(gw.adminUrl + '/debug/diagnostics')).json() as { object: { name: string }; reason: string; severity: string }[];
    const warned = diags.filter((d) => d.reason === 'UnenforcedAnnotation').map((d) => `${d.object.name} ${d.severity}`).sort();
    assert.deepEqual(warned, ['protected warning', 'snippet warning', 'variable warning']);
    assert.equal(diags.filter((d) => d.reason === 'RefusedAnnotation').length, 0);
  } finally {
    await gw.close();
  }
});
