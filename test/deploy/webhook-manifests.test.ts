// deploy/webhook/: the admission webhook overlay wires a Service, a ValidatingWebhookConfiguration
// and the Deployment flags together consistently (checked offline; kustomize.test.ts renders it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseFlags } from '../../src/config/config.ts';
import { WEBHOOK_PATH } from '../../src/webhook/webhook-server.ts';

 
type Doc = Record<string, any>;
const DIR = path.resolve(import.meta.dirname, '../../deploy/webhook');
const load = (f: string): Doc[] => parseAllDocuments(readFileSync(path.join(DIR, f), 'utf8')).map((d) => d.toJS() as Doc);

test('webhook overlay: configuration, Service, certificate and flags agree', () => {
  const k = load('kustomization.yaml')[0];
  assert.deepEqual(k.bases, ['../base']);
  const vwc = load('validatingwebhookconfiguration.yaml')[0];
  assert.equal(vwc.kind, 'ValidatingWebhookConfiguration');
  const wh = vwc.webhooks[0];
  assert.equal(wh.sideEffects, 'None');
  assert.ok(['Fail', 'Ignore'].includes(wh.failurePolicy));
  assert.deepEqual(wh.admissionReviewVersions, ['v1']);
  assert.ok(wh.matchConditions.some((m: Doc) => /ingressClassName == 'portico'/.test(m.expression)));
  assert.deepEqual(wh.rules[0].resources, ['ingresses']);
  assert.equal(wh.clientConfig.service.path, WEBHOOK_PATH);

  const svc = load('service-webhook.yaml')[0];
  assert.equal(wh.clientConfig.service.name, svc.metadata.name);
  assert.equal(wh.clientConfig.service.namespace, svc.metadata.namespace);
  assert.equal(wh.clientConfig.service.port, svc.spec.ports[0].port);

  const [, cert] = load('certificate.yaml');
  assert.equal(vwc.metadata.annotations['cert-manager.io/inject-ca-from'], `${cert.metadata.namespace}/${cert.metadata.name}`);
  assert.ok(cert.spec.dnsNames.includes(`${svc.metadata.name}.${svc.metadata.namespace}.svc`));

  const patch = load('deployment-webhook.yaml')[0] as Doc[];
  const baseArgs = load('../base/deployment.yaml')[0].spec.template.spec.containers[0].args as string[];
  const added = patch.filter((p) => p.path.endsWith('/args/-')).map((p) => p.value as string);
  const { config } = parseFlags([...baseArgs.slice(1), ...added]);
  const port = patch.find((p) => p.path.endsWith('/ports/-'))!.value;
  assert.equal(port.name, svc.spec.ports[0].targetPort);
  assert.equal(config.webhookPort, port.containerPort);
  assert.equal(config.webhookTlsSecret, `${cert.metadata.namespace}/${cert.spec.secretName}`);
  assert.ok(wh.timeoutSeconds * 1000 > config.webhookTimeoutMs, 'Portico answers before the API server gives up');
});
