// deploy/gateway-api/ checked offline: it builds on the base, its GatewayClass names the default
// --gateway-controller-name, its RBAC covers the Gateway API kinds and their status, and the
// offset it adds maps listener ports 80/443 onto the container's HTTP/HTTPS ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DEFAULTS } from '../../src/config/config.ts';
import { GATEWAY_API_CALLS } from '../../src/sources/kube/api-calls.ts';

 
type Doc = Record<string, any>;
const DIR = path.resolve(import.meta.dirname, '../../deploy');
const load = (f: string): Doc[] => parseAllDocuments(readFileSync(path.join(DIR, f), 'utf8')).map((d) => {
  assert.deepEqual(d.errors, [], `${f} parses`);
  return d.toJS() as Doc;
}).filter((d) => d !== null);

test('deploy/gateway-api: GatewayClass, RBAC for the kinds and their status, port offset', () => {
  const k = load('gateway-api/kustomization.yaml')[0];
  assert.deepEqual(k.bases, ['../base']);
  const objs = (k.resources as string[]).flatMap((f) => load(path.join('gateway-api', f)));
  const gc = objs.find((o) => o.kind === 'GatewayClass')!;
  assert.equal(gc.spec.controllerName, DEFAULTS.gatewayControllerName);
  const rules = objs.find((o) => o.kind === 'ClusterRole')!.rules as Doc[];
  const allows = (group: string, resource: string, verb: string) =>
    rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
  for (const res of ['gatewayclasses', 'gateways', 'httproutes', 'referencegrants']) {
    for (const verb of ['list', 'watch']) assert.ok(allows('gateway.networking.k8s.io', res, verb), `${verb} ${res}`);
  }
  for (const res of ['gatewayclasses/status', 'gateways/status', 'httproutes/status']) assert.ok(allows('gateway.networking.k8s.io', res, 'patch'), res);
  assert.ok(allows('', 'namespaces', 'list'));
  for (const call of GATEWAY_API_CALLS) {
    for (const verb of call.verbs) assert.ok(allows(call.group, call.resource, verb), `${verb} ${call.resource} (used by ${call.by}) is granted`);
  }
  const binding = objs.find((o) => o.kind === 'ClusterRoleBinding')!;
  assert.equal(binding.roleRef.name, 'portico-gateway-api');

  const patch = load('gateway-api/deployment-args.yaml')[0] as unknown as Doc[];
  const offset = Number(patch.find((p) => p.value !== '--gateway-port-offset')!.value);
  const base = load('base/deployment.yaml').find((o) => o.kind === 'Deployment')!;
  const args: string[] = base.spec.template.spec.containers[0].args;
  assert.equal(80 + offset, Number(args[args.indexOf('--http-port') + 1]));
  assert.equal(443 + offset, Number(args[args.indexOf('--https-port') + 1]));
});
