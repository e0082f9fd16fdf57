// deploy/monitoring/: every metric the Grafana dashboard and the alert rules query exists on a
// running gateway's /metrics, with the labels they group and filter by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'yaml';
import { startApp } from '../../src/app.ts';
import { DEFAULTS } from '../../src/config/config.ts';
import { createLogger } from '../../src/util/logger.ts';
import { Metrics } from '../../src/util/metrics.ts';
import { makeCert, tlsSecret } from '../support/certs.ts';
import { ingress, ingressClass, service, toYaml } from '../support/manifests.ts';

const DIR = path.resolve(import.meta.dirname, '../../deploy/monitoring');
// Labels Prometheus adds itself (target labels, histogram buckets).
const TARGET_LABELS = new Set(['job', 'pod', 'instance', 'namespace', 'le']);

function expressions(): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  const dash = JSON.parse(readFileSync(path.join(DIR, 'grafana-dashboard.json'), 'utf8'));
  for (const p of dash.panels) for (const t of p.targets ?? []) out.push({ where: `dashboard panel "${p.title}"`, expr: t.expr });
  const rules = parse(readFileSync(path.join(DIR, 'prometheusrule.yaml'), 'utf8'));
  for (const g of rules.spec.groups) for (const r of g.rules) out.push({ where: `alert ${r.alert}`, expr: String(r.expr) });
  return out;
}

test('the dashboard and the alerts query only metrics and labels a running gateway exports', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'portico-mon-'));
  const cert = makeCert({ sans: ['a.example.com', 'portico-webhook.portico.svc'] });
  await writeFile(path.join(dir, 'main.yaml'), toYaml([
    ingressClass(), service('default', 'web'), tlsSecret('default', 'tls', cert.certPem, cert.keyPem),
    ingress('default', 'a', [{ host: 'a.example.com', paths: [{ path: '/', service: 'web', port: 80 }] }], { tls: [{ hosts: ['a.example.com'], secretName: 'tls' }] }),
  ]));
  const metrics = new Metrics(); // with the default process metrics, as in production
  const app = await startApp({
    ...DEFAULTS, resources: [dir], bindAddress: '127.0.0.1', httpPort: 0, httpsPort: 0, adminPort: 0,
    webhookPort: 0, webhookAddress: '127.0.0.1', webhookTlsSecret: 'default/tls', otlpEndpoint: 'http://127.0.0.1:9/v1/traces',
  }, { logger: createLogger({ level: 'silent', destination: new PassThrough() }), metrics });
  try {
    await app.ready();
    const text = await (await fetch(`http://127.0.0.1:${app.ports.admin}/metrics`)).text();
    const families = new Map<string, string>(); // exposed sample name → family
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      families.set(m[1], m[1]);
      if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) families.set(m[1] + s, m[1]);
      if (m[2] === 'summary') for (const s of ['_sum', '_count']) families.set(m[1] + s, m[1]);
    }
    const labelsOf = new Map<string, Set<string>>();
    for (const m of metrics.registry.getMetricsAsArray() as unknown as { name: string; labelNames?: string[] }[]) labelsOf.set(m.name, new Set(m.labelNames ?? []));

    const exprs = expressions();
    assert.ok(exprs.length >= 25, `${exprs.length} expressions`);
    let checked = 0;
    for (const { where, expr } of exprs) {
      const names = [...new Set(expr.match(/\bportico_[a-z0-9_]+/g) ?? [])];
      const known = new Set<string>();
      for (const n of names) {
        assert.ok(families.has(n), `${where}: ${n} is not on /metrics`);
        for (const l of labelsOf.get(families.get(n)!) ?? []) known.add(l);
        checked++;
      }
      if (names.length === 0) continue;
      const used = new Set<string>();
      for (const m of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) for (const l of m[1].split(',')) if (l.trim()) used.add(l.trim());
      for (const m of expr.matchAll(/\{([^}]*)\}/g)) for (const k of m[1].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) used.add(k[1]);
      for (const l of used) if (!TARGET_LABELS.has(l)) assert.ok(known.has(l), `${where}: label ${l} is not a label of ${names.join(', ')}`);
    }
    assert.ok(checked >= 30);
    // The alerts the bundle promises.
    const alerts = exprs.filter((e) => e.where.startsWith('alert ')).map((e) => e.where.slice(6));
    for (const a of ['PorticoCertificateExpiringSoon', 'PorticoConfigReloadFailing', 'PorticoNoReadyEndpoints', 'PorticoHigh5xxRatio', 'PorticoUncaughtExceptions']) assert.ok(alerts.includes(a), a);
    // The series the alerts need are there before anything happened.
    assert.match(text, /portico_uncaught_exceptions_total\{kind="exception"\} 0/);
    assert.match(text, /portico_cluster_ready_endpoints\{cluster="default\/web:80"\} 0/);
    assert.match(text, /portico_certificate_expiry_timestamp_seconds\{[^}]*host="a\.example\.com"[^}]*\} \d+/);
  } finally {
    await app.stop(500);
    await rm(dir, { recursive: true, force: true });
  }
});

test('ServiceMonitor selects the metrics Service on its admin port', () => {
  const sm = parse(readFileSync(path.join(DIR, 'servicemonitor.yaml'), 'utf8'));
  const svc = parse(readFileSync(path.join(DIR, 'service-metrics.yaml'), 'utf8'));
  for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) assert.equal(svc.metadata.labels[k], v);
  assert.ok(svc.spec.ports.some((p: { name: string }) => p.name === sm.spec.endpoints[0].port));
  assert.equal(sm.spec.endpoints[0].path, '/metrics');
  const base = parse(readFileSync(path.resolve(DIR, '../base/service.yaml'), 'utf8'));
  assert.ok(!Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => base.metadata.labels[k] === v), 'the traffic Service is not scraped');
});
