// `portico validate` and `portico explain` as a migrating user runs them: the per-Ingress
// annotation report (honoured / no-op / unsupported / refused, snippet suggestions), also as JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { backendFor, ingress, ingressClass, toYaml } from '../support/manifests.ts';
import { DEFAULTS } from '../../src/config/config.ts';
import { explainUrl, loadOffline } from '../../src/offline.ts';
import { formatAnnotationReports } from '../../src/admin/annotation-report.ts';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/portico.js');
const run = promisify(execFile);
const N = 'nginx.ingress.kubernetes.io/';

async function portico(args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const r = await run(process.execPath, [bin, ...args], { cwd: root });
    return { code: 0, stdout: r.stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

async function withManifests(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-mig-'));
  try {
    await writeFile(join(dir, 'm.yaml'), toYaml([
      ingressClass(),
      ...backendFor('app', 'web', [8080], 80),
      ingress('app', 'api', [{ host: 'shop.example', paths: [{ path: '/api(/|$)(.*)', pathType: 'ImplementationSpecific', service: 'web', port: 80 }] }], {
        annotations: {
          [N + 'use-regex']: 'true', [N + 'rewrite-target']: '/$2', [N + 'proxy-buffering']: 'off', [N + 'limit-rps']: '10',
          [N + 'server-snippet']: 'return 301 https://new.example$request_uri;\nadd_header X-A b;',
        },
      }),
      ingress('app', 'site', [{ host: 'shop.example', paths: [{ path: '/', service: 'web', port: 80 }] }], { annotations: { [N + 'ssl-redirect']: 'false', [N + 'enable-influxdb']: 'true' } }),
    ]));
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// In process (what `portico validate` prints after the diagnostics); the CLI itself is run once below.
test('validate prints the annotation report per Ingress, with suggestions for refused snippets', async () => {
  await withManifests(async (dir) => {
    const off = await loadOffline({ ...DEFAULTS, resources: [dir] });
    const r = { stdout: formatAnnotationReports(off.annotationReports) };
    assert.match(r.stdout, /Ingress app\/api {2}\[NOT SERVED\]/);
    assert.match(r.stdout, /refused +nginx\.ingress\.kubernetes\.io\/server-snippet/);
    assert.match(r.stdout, /suggestion: return 301: use permanent-redirect with permanent-redirect-code/);
    assert.match(r.stdout, /suggestion: add_header: response headers have no typed key/);
    assert.match(r.stdout, /unsupported +nginx\.ingress\.kubernetes\.io\/limit-rps/);
    assert.match(r.stdout, /no-op +nginx\.ingress\.kubernetes\.io\/proxy-buffering/);
    assert.match(r.stdout, /honoured +nginx\.ingress\.kubernetes\.io\/rewrite-target/);
    assert.match(r.stdout, /obsolete +nginx\.ingress\.kubernetes\.io\/enable-influxdb/);
  });
});

test('validate --format json gives the same report machine-readably', async () => {
  await withManifests(async (dir) => {
    const r = await portico(['validate', '--format', 'json', dir]);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.served, ['app/site']);
    const api = out.annotations.ingresses.find((i: { ingress: string }) => i.ingress === 'app/api');
    assert.equal(api.served, false);
    const status = Object.fromEntries(api.rows.map((x: { annotation: string; status: string }) => [x.annotation.slice(N.length), x.status]));
    assert.deepEqual(status, { 'limit-rps': 'unsupported', 'proxy-buffering': 'no-op', 'rewrite-target': 'honoured', 'server-snippet': 'refused', 'use-regex': 'honoured' });
    assert.equal(out.annotations.summary.refused, 1);
    assert.ok(out.diagnostics.some((d: { reason: string }) => d.reason === 'RefusedAnnotation'));
  });
});

test('explain shows the rewrite result, the per-Ingress regex choice and the report of the Ingress it reached', async () => {
  await withManifests(async (dir) => {
    const out = await explainUrl({ ...DEFAULTS, resources: [dir], serveUnenforcedAnnotations: true }, 'http://shop.example/API/v1?x=1');
    const e: any = { ...(out.explanation as object), annotations: out.annotations };
    assert.equal(e.route.ingress, 'app/api');
    assert.equal(e.route.match.type, 'Regex');
    assert.deepEqual(e.annotationResult, { upstreamPath: '/v1?x=1' });
    assert.ok(e.notes.some((n: string) => n.includes('ingress-nginx would also have made the paths of app/site')));
    assert.equal(e.annotations.ingress, 'app/api');
    const site = await explainUrl({ ...DEFAULTS, resources: [dir] }, 'http://shop.example/');
    assert.match(formatAnnotationReports([site.annotations!]), /Ingress app\/site/);
  });
});
