// Typed parsers of the access annotations (src/k8s/annotations/access.ts, cidr.ts, template.ts)
// and the htpasswd reader (src/translate/htpasswd.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCidrList } from '../../src/k8s/annotations/cidr.ts';
import { parseTemplate } from '../../src/k8s/annotations/template.ts';
import { parseCacheDurations, readAccessAnnotations } from '../../src/k8s/annotations/access-policy.ts';
import { parseHtpasswd } from '../../src/translate/htpasswd.ts';

const ing = (annotations: Record<string, string>) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'x', namespace: 'ns', annotations } });

test('CIDR lists: IPv4/IPv6, bare addresses, host bits dropped, one bad entry rejects the list', () => {
  assert.deepEqual(parseCidrList('10.0.0.1/8, 192.168.1.1,2001:db8::1/32 ,::1'), { value: ['10.0.0.0/8', '192.168.1.1/32', '2001:db8::/32', '::1/128'].sort() });
  assert.deepEqual(parseCidrList('::ffff:10.1.2.3'), { value: ['10.1.2.3/32'] });
  for (const bad of ['10.0.0.0/33', '300.1.1.1', '10.0.0.0/8, nope', '10.1', 'fe80::1%eth0', '10.0.0.0/-1', '']) {
    assert.ok('error' in parseCidrList(bad), bad);
  }
});

test('templates: the closed variable set, anything else refused', () => {
  assert.deepEqual(parseTemplate('https://a/x?u=$escaped_request_uri&h=${host}'), { value: [
    { kind: 'text', text: 'https://a/x?u=' }, { kind: 'escaped_request_uri' }, { kind: 'text', text: '&h=' }, { kind: 'host' }] });
  assert.deepEqual(parseTemplate('$http_x_user$arg_tok'), { value: [{ kind: 'http', name: 'x-user' }, { kind: 'arg', name: 'tok' }] });
  for (const bad of ['$remote_addr', '$uri', '${request_body}', '$document_root/x', '${host']) assert.ok('error' in parseTemplate(bad), bad);
  assert.deepEqual(parseTemplate('cost: $ 5'), { value: [{ kind: 'text', text: 'cost: $ 5' }] });
});

test('access annotations: both prefixes, aliases, refused keys and malformed values', () => {
  const ok = readAccessAnnotations(ing({ 'nginx.ingress.kubernetes.io/whitelist-source-range': '10.0.0.0/8', 'portico.io/denylist-source-range': '10.1.0.0/16' }), 'ns');
  assert.ok('value' in ok);
  assert.deepEqual(ok.value.allow, ['10.0.0.0/8']);
  assert.deepEqual(ok.value.deny, ['10.1.0.0/16']);
  const refused = (a: Record<string, string>) => {
    const r = readAccessAnnotations(ing(a), 'ns');
    assert.ok('errors' in r, JSON.stringify(a));
    return r.errors.join('; ');
  };
  assert.match(refused({ 'nginx.ingress.kubernetes.io/allowlist-source-range': '10.0.0.0/8,bogus' }), /allowlist-source-range.*bogus/);
  assert.match(refused({ 'nginx.ingress.kubernetes.io/auth-type': 'digest', 'nginx.ingress.kubernetes.io/auth-secret': 's' }), /digest/);
  assert.match(refused({ 'nginx.ingress.kubernetes.io/auth-type': 'basic' }), /auth-secret: required/);
  assert.match(refused({ 'nginx.ingress.kubernetes.io/auth-url': 'http://auth/$remote_addr' }), /\$remote_addr is not supported/);
  assert.match(refused({ 'nginx.ingress.kubernetes.io/auth-url': 'http://$host/check' }), /not in the host/);
  assert.match(refused({ 'nginx.ingress.kubernetes.io/auth-url': 'http://a/', 'nginx.ingress.kubernetes.io/auth-method': 'BREW' }), /invalid HTTP method/);
  assert.match(refused({ 'nginx.ingress.kubernetes.io/auth-url': 'http://a/', 'nginx.ingress.kubernetes.io/auth-response-headers': 'X-User, bad header' }), /invalid header name/);
  assert.match(refused({ 'nginx.ingress.kubernetes.io/satisfy': 'any' }), /satisfy/);
  const basic = readAccessAnnotations(ing({ 'nginx.ingress.kubernetes.io/auth-type': 'basic', 'nginx.ingress.kubernetes.io/auth-secret': 'other/creds' }), 'ns');
  assert.ok('value' in basic);
  assert.deepEqual(basic.value.basic, { secret: 'other/creds', secretType: 'auth-file', realm: 'Authentication Required' });
});

test('auth-cache-duration: ingress-nginx default and syntax', () => {
  assert.deepEqual(parseCacheDurations(''), { value: [{ statuses: [200, 202, 401], seconds: 300 }] });
  assert.deepEqual(parseCacheDurations('200 1h 30m, 10s'), { value: [{ statuses: [200], seconds: 5400 }, { statuses: [200, 301, 302], seconds: 10 }] });
  assert.ok('error' in parseCacheDurations('200'));
  assert.ok('error' in parseCacheDurations('5m 200'));
});

test('htpasswd: every verifiable kind accepted, anything else rejected with the line number', () => {
  const text = [
    '# comment', '',
    'b:$2y$10$abcdefghijklmnopqrstuuH8O6MdZ6yuJ4r1m3u9H3vOq6kB0r5bG',
    'a:$apr1$abcdefgh$0123456789abcdefghijkl',
    's:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=',
    'c:abJnggxhB/yWI',
  ].join('\n');
  const r = parseHtpasswd(text);
  assert.ok('value' in r);
  assert.deepEqual(r.value.map((e) => e.user), ['a', 'b', 'c', 's']);
  assert.match((parseHtpasswd('x:$6$salt$hash') as { error: string }).error, /line 1.*unsupported/);
  assert.match((parseHtpasswd('ok:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\nnocolon') as { error: string }).error, /line 2/);
  assert.ok('error' in parseHtpasswd('# only comments'));
});

test('access annotations: an Ingress without access keys gets the parse of no annotations, and a prefixed key is still read', () => {
  const none = readAccessAnnotations(ing({}), 'ns');
  assert.deepEqual(none, { value: { cors: null, rateLimit: null, allow: null, deny: null, basic: null, external: null } });
  assert.deepEqual(readAccessAnnotations(ing({ 'example.com/owner': 'team-a', 'kubectl.kubernetes.io/last-applied-configuration': '{}' }), 'ns'), none);
  assert.deepEqual(readAccessAnnotations({ metadata: { name: 'x' } }, 'ns'), none);
  // One key of either prefix, whatever else is there, goes through the parser.
  const allow = readAccessAnnotations(ing({ 'example.com/owner': 'a', 'nginx.ingress.kubernetes.io/allowlist-source-range': '10.0.0.0/8' }), 'ns');
  assert.ok('value' in allow && allow.value.allow?.[0] === '10.0.0.0/8');
  const bad = readAccessAnnotations(ing({ 'portico.io/auth-type': 'digest' }), 'ns');
  assert.ok('errors' in bad);
});
