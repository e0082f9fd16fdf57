import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REGISTRY, readAnnotations, routing, l4Balance, namesOf, STATUSES } from '../../src/k8s/annotations/index.ts';
import { parseBool, parseCidrList, parseGoDuration, parseInt, parseNginxDuration, parseTemplate } from '../../src/k8s/annotations/grammar.ts';

const withAnn = (annotations: Record<string, unknown>) => ({ metadata: { name: 'x', annotations: annotations as Record<string, string> } });
const N = 'nginx.ingress.kubernetes.io/';
const P = 'portico.io/';

test('booleans follow Go strconv.ParseBool for nginx keys; portico.io keeps its old spellings', () => {
  for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.deepEqual(parseBool(t), { value: true });
  for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.deepEqual(parseBool(f), { value: false });
  for (const bad of ['yes', 'on', ' true', 'tRuE', '']) assert.ok('error' in parseBool(bad), bad);
  assert.deepEqual(parseBool(' tRuE ', 'portico'), { value: true });
  assert.ok('error' in parseBool('yes', 'portico'));
});

test('ints, durations, CIDRs and templates', () => {
  assert.deepEqual(parseInt('+42'), { value: 42 });
  assert.ok('error' in parseInt('4.2'));
  assert.ok('error' in parseInt('309', 300, 308));
  assert.deepEqual(parseNginxDuration('1m 30s'), { value: 90_000 });
  assert.deepEqual(parseNginxDuration('200ms'), { value: 200 });
  assert.deepEqual(parseGoDuration('1h30m'), { value: 5_400_000 });
  assert.ok('error' in parseGoDuration('10'));
  const c = parseCidrList('10.0.0.0/8, ::1, 192.168.1.1');
  assert.ok('value' in c && c.value.length === 3 && c.value[1].prefix === 128);
  assert.ok('error' in parseCidrList('10.0.0.0/33'));
  const t = parseTemplate('https://$host/new$request_uri', false);
  assert.ok('value' in t && t.value.length === 4);
  const refused = parseTemplate('/x/$remote_addr', true);
  assert.ok('refused' in refused && refused.refused.includes('$remote_addr'));
  assert.ok('value' in parseTemplate('/$1/${2}', true));
  assert.ok('refused' in parseTemplate('/$1', false));
});

test('one entry serves both prefixes; portico.io wins with a warning', () => {
  const v = readAnnotations(withAnn({ [N + 'ssl-redirect']: 'false', [P + 'ssl-redirect']: 'true' }), 'Ingress');
  assert.equal(v.get(routing.sslRedirect), true);
  const over = v.findings.find((f) => f.name === N + 'ssl-redirect');
  assert.equal(over?.outcome, 'overridden');
  assert.equal(readAnnotations(withAnn({ [N + 'ssl-redirect']: '0' }), 'Ingress').get(routing.sslRedirect), false);
  assert.equal(readAnnotations(withAnn({ [P + 'ssl-redirect']: 'False' }), 'Ingress').get(routing.sslRedirect), false);
});

test('malformed values are invalid (key and value named) and fall back to the default', () => {
  const v = readAnnotations(withAnn({ [N + 'ssl-redirect']: 'yes', [P + 'ssl-redirect-x']: '1' }), 'Ingress');
  assert.equal(v.valueOr(routing.sslRedirect, true), true);
  const bad = v.findings.find((f) => f.key === 'ssl-redirect');
  assert.equal(bad?.outcome, 'invalid');
  assert.match(bad.message, /"yes"/);
  assert.match(bad.message, /using true as ingress-nginx does/);
  assert.equal(v.findings.find((f) => f.key === 'ssl-redirect-x')?.status, 'unknown');
  const notString = readAnnotations(withAnn({ [P + 'ssl-redirect']: false }), 'Ingress');
  assert.equal(notString.findings[0].outcome, 'invalid');
});

test('kinds: l4-balance is a portico.io Service key; Ingress keys on a Service are ignored', () => {
  const svc = readAnnotations(withAnn({ [P + 'l4-balance']: 'source-hash', [P + 'ssl-redirect']: 'true', [N + 'l4-balance']: 'x' }), 'Service');
  assert.equal(svc.get(l4Balance), 'source-hash');
  assert.equal(svc.findings.find((f) => f.name === P + 'ssl-redirect')?.outcome, 'ignored');
  assert.equal(svc.findings.find((f) => f.name === N + 'l4-balance')?.status, 'unknown');
  const ing = readAnnotations(withAnn({ [P + 'l4-balance']: 'round-robin' }), 'Ingress');
  assert.equal(ing.findings[0].outcome, 'ignored');
  assert.ok('error' in (l4Balance.parse!('fastest', 'portico')));
});

test('security keys refuse; boolean WAF refuses only when true; passthrough is read, not refused here; FCGI refuses', () => {
  const refusedOf = (a: Record<string, string>) => readAnnotations(withAnn(a), 'Ingress').refused.map((f) => f.key);
  // auth-tls-* are read by auth-tls.ts (malformed ⇒ AccessPolicyInvalid), not refused here.
  assert.deepEqual(refusedOf({ [N + 'auth-tls-secret']: 'ns/ca', [P + 'auth-tls-verify-client']: 'on' }), []);
  assert.deepEqual(refusedOf({ [N + 'auth-snippet']: 'return 200;' }), ['auth-snippet']);
  // Enforced access keys are read by access-policy.ts (malformed ⇒ AccessPolicyInvalid), not refused here.
  assert.deepEqual(refusedOf({ [N + 'auth-url']: 'http://auth', [N + 'whitelist-source-range']: '10.0.0.0/8' }), []);
  assert.deepEqual(refusedOf({ [N + 'configuration-snippet']: 'more_set_headers "A: b";' }), ['configuration-snippet']);
  assert.deepEqual(refusedOf({ [N + 'enable-modsecurity']: 'false', [N + 'ssl-passthrough']: 'false' }), []);
  assert.deepEqual(refusedOf({ [N + 'enable-modsecurity']: 'true' }), ['enable-modsecurity']);
  // ssl-passthrough is honoured; without --enable-ssl-passthrough translate/passthrough.ts refuses it.
  assert.deepEqual(refusedOf({ [N + 'ssl-passthrough']: 'true' }), []);
  assert.deepEqual(refusedOf({ [N + 'backend-protocol']: 'FCGI' }), ['backend-protocol']);
  assert.deepEqual(refusedOf({ [N + 'backend-protocol']: 'HTTPS' }), []);
  assert.deepEqual(refusedOf({ [N + 'rewrite-target']: '/$remote_user' }), ['rewrite-target']);
});

test('snippet findings suggest the typed keys that cover common directives', () => {
  const v = readAnnotations(withAnn({ [N + 'configuration-snippet']: 'proxy_set_header Host foo.com;\nreturn 301 https://x;\nmore_set_headers "X: y";' }), 'Ingress');
  const s = v.refused[0].suggestions.join('\n');
  assert.match(s, /upstream-vhost/);
  assert.match(s, /permanent-redirect/);
  assert.match(s, /more_set_headers/);
});

test('every entry has a status, a help line and names under its prefixes', () => {
  const entries = REGISTRY.entries();
  assert.ok(entries.length > 150, `only ${entries.length} keys`);
  for (const e of entries) {
    assert.ok(STATUSES.includes(e.status), e.key);
    assert.ok(e.help.length > 0, e.key);
    assert.ok(namesOf(e).length >= 1);
    if (e.status === 'honoured') assert.ok(e.parse, `${e.key} honoured without a parser`);
  }
  // A few keys from ingress-nginx's annotations.md table, one per group.
  for (const k of ['app-root', 'affinity', 'auth-tls-match-cn', 'canary-weight-total', 'mirror-host', 'proxy-ssl-server-name', 'enable-owasp-core-rules', 'opentelemetry-trust-incoming-span', 'denylist-source-range']) {
    assert.ok(REGISTRY.get(k), k);
  }
});

test('annotation names and values never reach a message unescaped', () => {
  const v = readAnnotations(withAnn({ [N + 'bad\nkey']: 'x', [N + 'permanent-redirect-code']: '1\n2' }), 'Ingress');
  for (const f of v.findings) assert.ok(!f.message.includes('\n'), f.message);
  assert.ok(v.findings.some((f) => f.message.includes('"nginx.ingress.kubernetes.io/bad\\nkey"')));
});
