import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IngressClassSelector, isIngressServed, type ClassOptions } from '../../src/k8s/ingress-class.ts';
import type { Ingress, IngressClass } from '../../src/k8s/types.ts';

const OPTS: ClassOptions = { controllerName: 'portico.io/ingress-controller', ingressClass: 'portico', watchWithoutClass: false };

const cls = (name: string, controller: string, isDefault = false): IngressClass => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
  metadata: { name, ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
  spec: { controller },
});
const ing = (opts: { className?: string; legacy?: string } = {}): Ingress => ({
  kind: 'Ingress',
  metadata: { name: 'i', namespace: 'ns', ...(opts.legacy !== undefined ? { annotations: { 'kubernetes.io/ingress.class': opts.legacy } } : {}) },
  spec: { ...(opts.className !== undefined ? { ingressClassName: opts.className } : {}), defaultBackend: { service: { name: 's', port: { number: 80 } } } },
});

test('ingressClassName naming a class with our controller is served', () => {
  assert.equal(isIngressServed(ing({ className: 'conformance' }), [cls('conformance', OPTS.controllerName)], OPTS), true);
});

test('ingressClassName naming a class of another controller is not served', () => {
  assert.equal(isIngressServed(ing({ className: 'nginx' }), [cls('nginx', 'k8s.io/ingress-nginx')], OPTS), false);
});

test('class accepted by name when it is our ingressClass, whatever its controller', () => {
  assert.equal(isIngressServed(ing({ className: 'portico' }), [cls('portico', 'example.com/other')], OPTS), true);
});

test('conformance §2.4: a class name that does not exist is not served, even our own name', () => {
  assert.equal(isIngressServed(ing({ className: 'some-invalid-class-name' }), [cls('conformance', OPTS.controllerName)], OPTS), false);
  assert.equal(isIngressServed(ing({ className: 'portico' }), [], OPTS), false);
});

test('legacy annotation must equal options.ingressClass; the field wins over it', () => {
  assert.equal(isIngressServed(ing({ legacy: 'portico' }), [], OPTS), true);
  assert.equal(isIngressServed(ing({ legacy: 'nginx' }), [], OPTS), false);
  assert.equal(isIngressServed(ing({ legacy: 'nginx' }), [], { ...OPTS, watchWithoutClass: true }), false);
  assert.equal(isIngressServed(ing({ className: 'other', legacy: 'portico' }), [cls('other', 'x/y')], OPTS), false);
});

test('class-less Ingresses: only with watchWithoutClass or a default IngressClass of ours', () => {
  assert.equal(isIngressServed(ing(), [], OPTS), false);
  assert.equal(isIngressServed(ing(), [], { ...OPTS, watchWithoutClass: true }), true);
  assert.equal(isIngressServed(ing(), [cls('mine', OPTS.controllerName, true)], OPTS), true);
  // A default class of another controller does not make class-less Ingresses ours.
  assert.equal(isIngressServed(ing(), [cls('nginx', 'k8s.io/ingress-nginx', true)], OPTS), false);
  assert.equal(isIngressServed(ing(), [cls('mine', OPTS.controllerName, false)], OPTS), false);
});

test('malformed objects never throw', () => {
  const s = new IngressClassSelector([{}, null as unknown as IngressClass], OPTS);
  assert.equal(s.decide({}).served, false);
  assert.equal(s.decide({ spec: 'x' } as unknown as Ingress).served, false);
  assert.equal(s.decide(null as unknown as Ingress).served, false);
});
