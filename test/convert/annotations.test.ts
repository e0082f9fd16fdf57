// `portico convert` with the nginx annotations that have a Gateway API form: the Ingresses and
// their conversion are each served by a real Portico, and the same requests must get the same
// answers (status, backend, upstream path and Host, Location, X-Forwarded-Prefix). What has no
// form is listed, and the CLI exits 1 unless --allow-partial.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { DEFAULTS } from '../../src/config/config.ts';
import { convertResources } from '../../src/offline.ts';
import { startEchoServer } from '../support/echo-server.ts';
import { request, startGateway } from '../support/gateway.ts';
import { backendFor, endpointSlice, ingress, ingressClass, service, toYaml } from '../support/manifests.ts';
import { freePort } from '../support/gateway-api.ts';
import type { KubeObject } from '../../src/k8s/types.ts';

const A = 'nginx.ingress.kubernetes.io/';
const root = join(import.meta.dirname, '..', '..');

test('convert: rewrite-target, app-root, canary header and weight, x-forwarded-prefix and named ports answer the same once converted', async () => {
  const api = await startEchoServer({ name: 'api' });
  const web = await startEchoServer({ name: 'web' });
  const named = await startEchoServer({ name: 'named' });
  const backends = [
    ...backendFor('shop', 'api', [api.port]), ...backendFor('shop', 'web', [web.port]),
    // A Service port named 'web' (8080): the Ingress names it, the backendRef numbers it.
    service('shop', 'named', [{ name: 'web', port: 8080, targetPort: named.port }]),
    endpointSlice('shop', 'named', 'named-0', ['127.0.0.1'], named.port, 'web'),
  ];
  const ingresses: KubeObject[] = [
    ingressClass(),
    ingress('shop', 'strip', [{ host: 'strip.test', paths: [{ path: '/app(/|$)(.*)', pathType: 'ImplementationSpecific', service: 'api', port: 80 }] }],
      { annotations: { [`${A}rewrite-target`]: '/$2' } }),
    ingress('shop', 'strip-rest', [{ host: 'strip.test', paths: [{ path: '/', service: 'web', port: 80 }] }]),
    ingress('shop', 'full', [{ host: 'full.test', paths: [{ path: '/old', service: 'api', port: 80 }] }], { annotations: { [`${A}rewrite-target`]: '/new' } }),
    ingress('shop', 'root', [{ host: 'root.test', paths: [{ path: '/', service: 'web', port: 80 }] }], { annotations: { [`${A}app-root`]: '/app1' } }),
    ingress('shop', 'cmain', [{ host: 'canary.test', paths: [{ path: '/', service: 'web', port: 80 }] }]),
    ingress('shop', 'ccanary', [{ host: 'canary.test', paths: [{ path: '/', service: 'api', port: 80 }] }],
      { annotations: { [`${A}canary`]: 'true', [`${A}canary-by-header`]: 'X-Canary' } }),
    ingress('shop', 'vmain', [{ host: 'value.test', paths: [{ path: '/', service: 'web', port: 80 }] }]),
    ingress('shop', 'vcanary', [{ host: 'value.test', paths: [{ path: '/', service: 'api', port: 80 }] }],
      { annotations: { [`${A}canary`]: 'true', [`${A}canary-by-header`]: 'X-Beta', [`${A}canary-by-header-value`]: 'yes', [`${A}canary-weight`]: '100' } }),
    ingress('shop', 'smain', [{ host: 'split.test', paths: [{ path: '/', service: 'web', port: 80 }] }]),
    ingress('shop', 'scanary', [{ host: 'split.test', paths: [{ path: '/', service: 'api', port: 80 }] }],
      { annotations: { [`${A}canary`]: 'true', [`${A}canary-weight`]: '50' } }),
    ingress('shop', 'prefix', [{ host: 'fwd.test', paths: [{ path: '/', service: 'web', port: 80 }] }], { annotations: { [`${A}x-forwarded-prefix`]: '/pre' } }),
    ingress('shop', 'named', [{ host: 'named.test', paths: [{ path: '/', service: 'named', port: 'web' }] }]),
    ingress('shop', 'moved', [{ host: 'moved.test', paths: [{ path: '/old', service: 'web', port: 80 }, { path: '/', service: 'web', port: 80 }] }],
      { annotations: { [`${A}permanent-redirect`]: 'https://new.example/landing', [`${A}permanent-redirect-code`]: '308' } }),
  ];
  const dir = await mkdtemp(join(tmpdir(), 'portico-convert-'));
  try {
    await writeFile(join(dir, 'in.yaml'), toYaml([...ingresses, ...backends]));
    const conv = await convertResources({ ...DEFAULTS, resources: [dir] });
    assert.deepEqual(conv.skipped, [], 'every Ingress here has a Gateway API form');
    assert.deepEqual(conv.dropped, []);
    assert.doesNotMatch(conv.yaml, /[&*]a\d/, 'plain YAML, no anchors or aliases');
    const objs = parseAllDocuments(conv.yaml).map((d) => d.toJS() as KubeObject);
    const routes = objs.filter((o) => o.kind === 'HTTPRoute') as unknown as { metadata: { name: string }; spec: { rules: { backendRefs?: { name: string; port: number; weight?: number }[] }[] } }[];
    const namedRoute = routes.find((r) => r.metadata.name === 'named-named-test')!;
    assert.deepEqual(namedRoute.spec.rules[0].backendRefs, [{ name: 'named', port: 8080 }], 'the named port is the Service port number');
    const split = routes.find((r) => r.metadata.name === 'smain-split-test')!;
    assert.deepEqual(split.spec.rules.at(-1)!.backendRefs, [{ name: 'web', port: 80, weight: 50 }, { name: 'api', port: 80, weight: 50 }]);

    const ingressPort = await freePort();
    const gatewayPort = await freePort();
    const before = await startGateway([...ingresses, ...backends], { httpPort: ingressPort });
    const after = await startGateway([...objs, ...backends], { httpPort: gatewayPort, gatewayPortOffset: gatewayPort - 80 });
    try {
      assert.deepEqual(after.app.controller.diagnostics().filter((d) => d.severity === 'error'), [], 'the output is valid for Portico');
      const answer = async (port: number, host: string, path: string, headers: Record<string, string> = {}) => {
        const r = await request(`http://127.0.0.1:${port}${path}`, { host, headers });
        if (r.status !== 200) return `${r.status} ${r.headers.get('location') ?? ''}`;
        const j = r.json();
        return `${j.name} ${j.host} ${j.path} ${j.headers['x-forwarded-prefix'] ?? '-'}`;
      };
      const cases: [string, string, Record<string, string>?][] = [
        ['strip.test', '/app/x/y?q=1'], ['strip.test', '/app'], ['strip.test', '/app/'], ['strip.test', '/apple'], ['strip.test', '/other'],
        ['full.test', '/old/x?q=1'], ['full.test', '/old'],
        ['root.test', '/'], ['root.test', '/else'],
        ['canary.test', '/', { 'x-canary': 'always' }], ['canary.test', '/', { 'x-canary': 'never' }], ['canary.test', '/', { 'x-canary': 'maybe' }], ['canary.test', '/'],
        ['value.test', '/', { 'x-beta': 'yes' }], ['value.test', '/', { 'x-beta': 'no' }], ['value.test', '/'],
        ['fwd.test', '/p'], ['named.test', '/n'], ['moved.test', '/old/x'], ['moved.test', '/'],
      ];
      for (const [host, path, headers] of cases) {
        const want = await answer(ingressPort, host, path, headers);
        assert.equal(await answer(gatewayPort, host, path, headers), want, `${host}${path} ${JSON.stringify(headers ?? {})}`);
      }
      // Spot checks that the comparison compares something.
      assert.equal(await answer(gatewayPort, 'strip.test', '/app/x/y?q=1'), 'api strip.test /x/y?q=1 -');
      assert.equal(await answer(gatewayPort, 'root.test', '/'), '302 http://root.test/app1');
      assert.equal(await answer(gatewayPort, 'fwd.test', '/p'), 'web fwd.test /p /pre');
      assert.equal(await answer(gatewayPort, 'moved.test', '/old/x'), '308 https://new.example/landing');
      // The one difference, noted in the output: RequestRedirect keeps the query, nginx's return does not.
      assert.equal(await answer(ingressPort, 'root.test', '/?q=1'), '302 http://root.test/app1');
      assert.equal(await answer(gatewayPort, 'root.test', '/?q=1'), '302 http://root.test/app1?q=1');
      assert.ok(conv.notes.some((n) => /shop\/root#0\.0: app-root .* keeps the query/.test(n)));
      // canary-weight 50 of 100: both sides get traffic on both gateways.
      for (const port of [ingressPort, gatewayPort]) {
        const seen = new Set<string>();
        for (let i = 0; i < 60 && seen.size < 2; i++) seen.add((await answer(port, 'split.test', '/')).split(' ')[0]);
        assert.deepEqual([...seen].sort(), ['api', 'web'], `port ${port === ingressPort ? 'ingress' : 'gateway'}`);
      }
    } finally {
      await before.close();
      await after.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await api.close();
    await web.close();
    await named.close();
  }
});

test('convert CLI: what has no Gateway API form is listed (YAML comment and stderr); exit 1 unless --allow-partial', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portico-convert-cli-'));
  try {
    await writeFile(join(dir, 'in.yaml'), toYaml([
      ingressClass(),
      ...backendFor('shop', 'web', [1]),
      ingress('shop', 'slow', [{ host: 'slow.test', paths: [{ path: '/', service: 'web', port: 80 }] }], { annotations: { [`${A}proxy-read-timeout`]: '300' } }),
      ingress('shop', 'sticky', [{ host: 'sticky.test', paths: [{ path: '/', service: 'web', port: 80 }] }], { annotations: { [`${A}canary`]: 'true', [`${A}canary-by-cookie`]: 'beta' } }),
      ingress('shop', 'sticky-main', [{ host: 'sticky.test', paths: [{ path: '/', service: 'web', port: 80 }] }]),
      ingress('shop', 'guarded', [{ host: 'guarded.test', paths: [{ path: '/', service: 'web', port: 80 }] }], { annotations: { [`${A}whitelist-source-range`]: '10.0.0.0/8' } }),
      ingress('shop', 'big', [{ host: 'big.test', paths: [{ path: '/', service: 'web', port: 80 }] }], { annotations: { [`${A}proxy-body-size`]: '1k' } }),
      ingress('shop', 'tunnel', [{ host: 'tunnel.test', paths: [{ path: '/', service: 'web', port: 80 }] }], { annotations: { [`${A}ssl-passthrough`]: 'true' } }),
      ingress('shop', 'snippet', [{ host: 'snippet.test', paths: [{ path: '/', service: 'web', port: 80 }] }], { annotations: { [`${A}configuration-snippet`]: 'more_set_headers "X: y";' } }),
    ]));
    const run = async (...extra: string[]) => {
      try {
        const r = await promisify(execFile)(process.execPath, [join(root, 'bin/portico.js'), 'convert', '--resources', dir, '--enable-ssl-passthrough', ...extra], { cwd: root });
        return { code: 0, ...r };
      } catch (e) {
        const x = e as { code: number; stdout: string; stderr: string };
        return { code: x.code, stdout: x.stdout, stderr: x.stderr };
      }
    };
    const strict = await run();
    assert.equal(strict.code, 1);
    const partial = await run('--allow-partial');
    assert.equal(partial.code, 0);
    assert.equal(partial.stdout, strict.stdout, '--allow-partial changes the exit status only');
    for (const out of [strict.stdout, strict.stderr]) {
      assert.match(out, /shop\/slow#0\.0: proxy-read-timeout 300s/);
      assert.match(out, /canary-by-cookie beta/);
      assert.match(out, /shop\/guarded#0\.0: access policies/);
      assert.match(out, /shop\/big#0\.0: proxy-body-size/);
      assert.match(out, /shop\/tunnel: ssl-passthrough host tunnel\.test/);
      assert.match(out, /shop\/snippet: not served by Portico \(refused: nginx\.ingress\.kubernetes\.io\/configuration-snippet\)/);
    }
    const kinds = parseAllDocuments(strict.stdout).map((d) => d.toJS() as KubeObject).map((o) => `${o.kind} ${o.metadata?.name}`);
    assert.ok(kinds.includes('HTTPRoute slow-slow-test'), 'a dropped timeout keeps the route');
    assert.ok(!kinds.some((k) => /guarded|big|snippet/.test(k)), 'a protected route is never converted open');
    // translate/passthrough.ts: a passthrough host still serves plain HTTP; only its TLS side is listed.
    assert.ok(kinds.includes('HTTPRoute tunnel-tunnel-test'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
