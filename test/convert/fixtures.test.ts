// `portico convert` over config/'s example and the translate golden fixture sets: each set's
// EndpointSlices are pointed at one loopback echo server per Service, the Ingresses and their
// conversion are each served by a real Portico, and requests derived from every Ingress rule
// (the path, below it, beside it, another host) get the same answer from both — except on hosts
// of an Ingress the conversion lists as left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DEFAULTS } from '../../src/config/config.ts';
import { convertResources } from '../../src/offline.ts';
import { startEchoServer, type EchoServer } from '../support/echo-server.ts';
import { request, startGateway } from '../support/gateway.ts';
import { toYaml } from '../support/manifests.ts';
import { freePort } from '../support/gateway-api.ts';
import type { KubeObject } from '../../src/k8s/types.ts';

const root = join(import.meta.dirname, '..', '..');
const golden = join(root, 'test/translate/golden');
const sets = [join(root, 'config/example.yaml'), ...(await readdir(golden)).sort().map((d) => join(golden, d, 'input.yaml'))];

type Obj = KubeObject & { spec?: any; endpoints?: any[]; ports?: any[] };

for (const file of sets) {
  test(`convert round trip: ${file.slice(root.length + 1)}`, async (t) => {
    const objs = parseAllDocuments(await readFile(file, 'utf8')).map((d) => d.toJS() as Obj).filter((o) => o !== null && typeof o === 'object');
    const echoes = new Map<string, EchoServer>();
    try {
      const rest: KubeObject[] = [];
      for (const o of objs) {
        // The set's own Gateway API objects are not what is being converted.
        if (o.kind === 'Ingress' || o.kind === 'IngressClass' || String(o.apiVersion).startsWith('gateway.networking.k8s.io/')) continue;
        if (o.kind !== 'EndpointSlice') {
          rest.push(o);
          continue;
        }
        const svc = `${o.metadata?.namespace}/${o.metadata?.labels?.['kubernetes.io/service-name']}`;
        if (!echoes.has(svc)) echoes.set(svc, await startEchoServer({ name: svc }));
        const port = echoes.get(svc)!.port;
        rest.push({ ...o, endpoints: (o.endpoints ?? []).map((e: any) => ({ ...e, addresses: ['127.0.0.1'] })), ports: (o.ports ?? []).map((p: any) => ({ ...p, port })) } as KubeObject);
      }
      // Services without a slice (most golden sets) get one, so answers name the backend.
      for (const o of objs) {
        const svc = `${o.metadata?.namespace}/${o.metadata?.name}`;
        if (o.kind !== 'Service' || echoes.has(svc) || o.spec?.type === 'ExternalName' || !Array.isArray(o.spec?.ports)) continue;
        const e = await startEchoServer({ name: svc });
        echoes.set(svc, e);
        rest.push({
          apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
          metadata: { name: `${o.metadata?.name}-echo`, namespace: o.metadata?.namespace, labels: { 'kubernetes.io/service-name': o.metadata?.name } },
          ports: o.spec.ports.map((p: any) => ({ ...(p.name ? { name: p.name } : {}), port: e.port, protocol: 'TCP' })),
          endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
        } as unknown as KubeObject);
      }
      const input = [...objs.filter((o) => o.kind === 'Ingress' || o.kind === 'IngressClass'), ...rest];
      const dir = await mkdtemp(join(tmpdir(), 'portico-convert-fx-'));
      let conv;
      try {
        await writeFile(join(dir, 'in.yaml'), toYaml(input));
        conv = await convertResources({ ...DEFAULTS, resources: [dir] });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      const out = parseAllDocuments(conv.yaml).map((d) => d.toJS() as KubeObject);
      const leftOut = new Set(conv.skipped.map((s) => s.replace(/[#:].*$/, '')));

      // Requests from every Ingress rule of a converted Ingress.
      const cases: [string, string][] = [['unknown.test', '/'], ['unknown.test', '/zzz']];
      for (const ing of objs.filter((o) => o.kind === 'Ingress')) {
        if (leftOut.has(`${ing.metadata?.namespace}/${ing.metadata?.name}`)) continue;
        for (const rule of Array.isArray(ing.spec?.rules) ? ing.spec.rules : []) {
          const host = typeof rule?.host === 'string' ? rule.host.replace(/^\*\./, 'a.') : 'unknown.test';
          cases.push([host, '/zzz-nothing']);
          for (const p of Array.isArray(rule?.http?.paths) ? rule.http.paths : []) {
            const path = typeof p.path === 'string' && p.path.startsWith('/') ? p.path : '/';
            cases.push([host, path], [host, path.replace(/\/?$/, '/below')], [host, `${path}x`]);
          }
        }
      }

      const ingressPort = await freePort();
      const gatewayPort = await freePort();
      // An HTTPS port, as a deployment has: ssl-redirect applies only where HTTPS is served.
      const before = await startGateway(input, { httpPort: ingressPort, httpsPort: 0 });
      const after = await startGateway([...out, ...rest], { httpPort: gatewayPort, gatewayPortOffset: gatewayPort - 80 });
      try {
        // Only an HTTPS listener may be refused (these gateways serve no HTTPS port).
        assert.deepEqual(after.app.controller.diagnostics().filter((d) => d.severity === 'error' && d.object.kind !== 'Ingress' && !/https-/.test(d.message)), [], 'the output is valid for Portico');
        const answer = async (port: number, host: string, path: string) => {
          const r = await request(`http://127.0.0.1:${port}${path}`, { host });
          if (r.status !== 200) return `${r.status} ${(r.headers.get('location') ?? '').replace(/:\d+\//, '/')}`;
          const j = r.json();
          return `${j.name} ${j.host} ${j.path}`;
        };
        let served = 0;
        for (const [host, path] of cases) {
          const want = await answer(ingressPort, host, path);
          if (!/^\d{3} /.test(want)) served++;
          assert.equal(await answer(gatewayPort, host, path), want, `${host}${path}`);
        }
        t.diagnostic(`${cases.length} requests compared, ${served} reached a backend; ${conv.skipped.length} left out, ${conv.dropped.length} dropped`);
        // Not vacuous where the set has reachable backends.
        if (echoes.size > 0 && objs.some((o) => o.kind === 'Ingress')) assert.ok(served > 0 || conv.skipped.length > 0, 'some request reached a backend');
      } finally {
        await before.close();
        await after.close();
      }
    } finally {
      for (const e of echoes.values()) await e.close();
    }
  });
}
