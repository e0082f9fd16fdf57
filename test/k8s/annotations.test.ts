import { test } from 'node:test';
import assert from 'node:assert/strict';
import { annotationsFor, readAnnotation, unsupportedAnnotations } from '../../src/k8s/annotations.ts';

const withAnn = (annotations: Record<string, unknown>) => ({ metadata: { name: 'x', annotations: annotations as Record<string, string> } });

test('boolean annotation parses true/false and reports anything else', () => {
  assert.deepEqual(readAnnotation(withAnn({ 'portico.io/ssl-redirect': 'false' }), 'portico.io/ssl-redirect'), { value: false });
  assert.deepEqual(readAnnotation(withAnn({ 'portico.io/ssl-redirect': 'True' }), 'portico.io/ssl-redirect'), { value: true });
  const bad = readAnnotation(withAnn({ 'portico.io/ssl-redirect': 'yes' }), 'portico.io/ssl-redirect');
  assert.ok(bad && 'error' in bad);
  assert.equal(readAnnotation(withAnn({}), 'portico.io/ssl-redirect'), undefined);
  assert.equal(readAnnotation({}, 'portico.io/ssl-redirect'), undefined);
  const notString = readAnnotation(withAnn({ 'portico.io/ssl-redirect': false }), 'portico.io/ssl-redirect');
  assert.ok(notString && 'error' in notString);
});

test('enumerated annotation', () => {
  assert.deepEqual(readAnnotation(withAnn({ 'portico.io/l4-balance': 'source-hash' }), 'portico.io/l4-balance'), { value: 'source-hash' });
  assert.deepEqual(readAnnotation(withAnn({ 'portico.io/l4-balance': 'wlc' }), 'portico.io/l4-balance'), { value: 'weighted-least-connections' });
  const bad = readAnnotation(withAnn({ 'portico.io/l4-balance': 'fastest' }), 'portico.io/l4-balance');
  assert.ok(bad && 'error' in bad);
});

test('unknown portico.io annotations and ones meant for another kind are unsupported', () => {
  const obj = withAnn({
    'portico.io/ssl-redirect': 'true', 'portico.io/l4-balance': 'round-robin', 'portico.io/rewrite-target': '/',
    'nginx.ingress.kubernetes.io/rewrite-target': '/',
  });
  assert.deepEqual(unsupportedAnnotations(obj, 'Ingress'), ['portico.io/l4-balance', 'portico.io/rewrite-target']);
  assert.deepEqual(unsupportedAnnotations(obj, 'Service'), ['portico.io/rewrite-target', 'portico.io/ssl-redirect']);
  assert.deepEqual(annotationsFor('Ingress').map((a) => a.name), ['portico.io/ssl-redirect']);
});
