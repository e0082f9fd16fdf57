import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifestText } from '../../../src/sources/file/manifests.ts';

test('multi-document YAML yields each object; empty documents are skipped', () => {
  const text = `
apiVersion: v1
kind: Service
metadata: { name: a, namespace: ns1 }
---
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: portico, namespace: ignored }
spec: { controller: portico.io/ingress-controller }
`;
  const r = parseManifestText(text, 'f.yaml');
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.unreadable, false);
  assert.deepEqual(r.objects.map((o) => [o.kind, o.obj.metadata?.namespace, o.obj.metadata?.name]), [
    ['Service', 'ns1', 'a'],
    ['IngressClass', undefined, 'portico'], // cluster-scoped: namespace dropped
  ]);
});

test('a namespaced object without namespace goes to default, as kubectl does', () => {
  const r = parseManifestText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {}\n', 'f.yaml');
  assert.equal(r.objects[0].obj.metadata?.namespace, 'default');
});

test('JSON List and kind List items are expanded', () => {
  const json = JSON.stringify({
    apiVersion: 'v1', kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 's1', namespace: 'x' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's2', namespace: 'x' }, type: 'kubernetes.io/tls' },
    ],
  });
  const r = parseManifestText(json, 'list.json');
  assert.deepEqual(r.objects.map((o) => o.obj.metadata?.name), ['s1', 's2']);
});

test('a bad document is rejected alone with a reason; its neighbours load', () => {
  const text = `
apiVersion: v1
kind: Service
metadata: { name: good }
---
apiVersion: extensions/v1beta1
kind: Ingress
metadata: { name: old }
---
apiVersion: v1
kind: Service
metadata: { namespace: x }
---
apiVersion: v1
kind: Service
metadata: { name: "Bad_Name" }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: d }
---
- just
- a list
`;
  const r = parseManifestText(text, 'mixed.yaml');
  assert.deepEqual(r.objects.map((o) => o.obj.metadata?.name), ['good']);
  assert.deepEqual(r.diagnostics.map((d) => d.reason), ['UnsupportedAPIVersion', 'InvalidMetadata', 'InvalidMetadata', 'UnsupportedKind', 'InvalidManifest']);
  assert.match(r.diagnostics[0].message, /removed in Kubernetes 1\.22/);
  assert.equal(r.unreadable, false);
});

test('a YAML syntax error marks the file unreadable and says where', () => {
  const r = parseManifestText('apiVersion: v1\nkind: Service\nmetadata: {name: [unclosed\n', 'broken.yaml');
  assert.equal(r.unreadable, true);
  assert.equal(r.diagnostics[0].reason, 'InvalidManifest');
  assert.equal(r.diagnostics[0].object.name, 'broken.yaml');
});
