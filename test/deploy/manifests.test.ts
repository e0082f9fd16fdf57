// deploy/ checked offline (README "Run in a cluster" "Done when"): every file parses, has what its kind requires,
// and the RBAC rules cover every API call Portico makes (PORTICO_API_CALLS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags, sourceMode } from '../../src/config/config.ts';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { PORTICO_API_CALLS } from '../../src/sources/kube/api-calls.ts';

 
type Doc = Record<string, any>;
const DEPLOY = path.resolve(import.meta.dirname, '../../deploy');

function load(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(path.join(DEPLOY, file), 'utf8'));
  for (const d of docs) assert.deepEqual(d.errors, [], `${file} parses`);
  return docs.map((d) => d.toJS() as Doc).filter((d) => d !== null);
}

const kustomization = load('base/kustomization.yaml')[0];
const objects: Doc[] = (kustomization.resources as string[]).flatMap((f) => load(path.join('base', f)));
const byKind = (kind: string) => objects.filter((o) => o.kind === kind);

test('every YAML file under deploy/ parses and base/kustomization.yaml lists every base file', () => {
  const files = readdirSync(path.join(DEPLOY, 'base')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
  assert.deepEqual([...kustomization.resources].sort(), files);
  assert.deepEqual(load('kustomization.yaml')[0].bases, ['base']);
  for (const f of readdirSync(path.join(DEPLOY, 'nodeport'))) load(path.join('nodeport', f));
});

test('each object has the fields its kind requires', () => {
  for (const o of objects) {
    assert.ok(o.apiVersion && o.kind && o.metadata?.name, `apiVersion/kind/metadata.name on ${JSON.stringify(o).slice(0, 80)}`);
    const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'IngressClass'].includes(o.kind);
    assert.equal(Boolean(o.metadata.namespace), !clusterScoped, `${o.kind} ${o.metadata.name} namespace`);
    if (!clusterScoped) assert.equal(o.metadata.namespace, 'portico');
  }
  const kinds = new Set(objects.map((o) => o.kind));
  for (const k of ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Service', 'IngressClass', 'PodDisruptionBudget']) assert.ok(kinds.has(k), k);
  for (const b of [...byKind('ClusterRoleBinding'), ...byKind('RoleBinding')]) {
    assert.ok(b.roleRef?.kind && b.roleRef?.name && b.subjects?.length);
    const role = objects.find((o) => o.kind === b.roleRef.kind && o.metadata.name === b.roleRef.name);
    assert.ok(role, `${b.metadata.name} binds an existing ${b.roleRef.kind}`);
    assert.deepEqual(b.subjects, [{ kind: 'ServiceAccount', name: 'portico', namespace: 'portico' }]);
  }
  assert.equal(byKind('IngressClass')[0].metadata.name, 'portico');
  assert.equal(byKind('IngressClass')[0].spec.controller, 'portico.io/ingress-controller');
  const svc = byKind('Service')[0];
  assert.equal(svc.spec.type, 'LoadBalancer');
  assert.ok(svc.spec.selector && svc.spec.ports.length === 2);
  const pdb = byKind('PodDisruptionBudget')[0];
  assert.ok(pdb.spec.selector && (pdb.spec.minAvailable !== undefined || pdb.spec.maxUnavailable !== undefined));
});

test('Deployment: 2 replicas, probes on the admin port, non-root, read-only root, resources, drain longer than preStop', () => {
  const d = byKind('Deployment')[0];
  assert.equal(d.spec.replicas, 2);
  assert.deepEqual(d.spec.selector.matchLabels, d.spec.template.metadata.labels);
  const pod = d.spec.template.spec;
  assert.equal(pod.serviceAccountName, 'portico');
  const c = pod.containers[0];
  // The args must be ones the real CLI accepts, in cluster mode, with ports matching the container.
  assert.equal(c.args[0], 'serve');
  const { config } = parseFlags(c.args.slice(1));
  assert.equal(sourceMode(config), 'kube');
  assert.equal(config.inCluster, true);
  assert.equal(config.publishService, 'portico/portico');
  assert.equal(config.adminAddress, '0.0.0.0', 'probes come from the kubelet, not loopback');
  assert.equal(config.sslRedirectPort, 443, 'redirects point at the Service port');
  const portOf = (name: string) => c.ports.find((p: Doc) => p.name === name)?.containerPort;
  assert.equal(portOf('http'), config.httpPort);
  assert.equal(portOf('https'), config.httpsPort);
  assert.equal(portOf('admin'), config.adminPort);
  const admin = c.ports.find((p: Doc) => p.name === 'admin');
  assert.equal(admin.containerPort, 9901);
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  assert.equal(c.readinessProbe.httpGet.port, 'admin');
  assert.equal(c.livenessProbe.httpGet.port, 'admin');
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.ok(pod.securityContext.runAsUser > 0);
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory);
  const preStop = c.lifecycle.preStop.sleep.seconds;
  assert.ok(preStop >= 5, 'preStop outlasts endpoint propagation');
  assert.ok(pod.terminationGracePeriodSeconds > preStop + 30, 'grace covers preStop plus the drain');
  const svc = byKind('Service')[0];
  for (const p of svc.spec.ports) assert.ok(c.ports.some((cp: Doc) => cp.name === p.targetPort), `Service port ${p.name} targets a container port`);
  assert.deepEqual(svc.spec.selector, d.spec.template.metadata.labels);
});

test('RBAC rules cover every verb and resource Portico calls', () => {
  const roles = [...byKind('ClusterRole'), ...byKind('Role')];
  for (const call of PORTICO_API_CALLS) {
    for (const verb of call.verbs) {
      const ok = roles.some((r) => (r.rules as Doc[]).some((rule) =>
        rule.apiGroups.includes(call.group) && rule.resources.includes(call.resource) && rule.verbs.includes(verb)));
      assert.ok(ok, `${verb} ${call.resource}${call.group ? '.' + call.group : ''} (used by ${call.by}) is granted`);
    }
  }
  // Leases are needed only in Portico's namespace: a Role, not cluster-wide.
  assert.ok(!byKind('ClusterRole').some((r) => r.rules.some((rule: Doc) => rule.resources.includes('leases'))));
});

test('NodePort variant patches the Service type and the publish flags', () => {
  const k = load('nodeport/kustomization.yaml')[0];
  assert.deepEqual(k.bases, ['../base']);
  for (const p of [...k.patchesStrategicMerge, ...k.patchesJson6902.map((j: Doc) => j.path)]) assert.ok(existsSync(path.join(DEPLOY, 'nodeport', p)), p);
  const svc = load('nodeport/service-nodeport.yaml')[0];
  assert.equal(svc.spec.type, 'NodePort');
  const args = load('nodeport/deployment-args.yaml')[0];
  assert.ok(Array.isArray(args) && args[0].value.includes('--publish-address') && !args[0].value.includes('--publish-service'));
});
