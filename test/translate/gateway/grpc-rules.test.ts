// GRPCRoute rules → path matches (grpc-rules.ts) and their precedence (precedence.ts), against
// gateway-api apis/v1/grpcroute_types.go GRPCMethodMatch and GRPCRouteRule.Matches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGrpcRule } from '../../../src/translate/gateway/grpc-rules.ts';
import { compareRules, type Ranked } from '../../../src/translate/gateway/precedence.ts';
import { CompiledMatch } from '../../../src/dataplane/http/gateway-match.ts';

function path(method: Record<string, unknown> | undefined) {
  const r = parseGrpcRule({ matches: [method === undefined ? {} : { method }] });
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.value;
}

const matches = (method: Record<string, unknown> | undefined, p: string) => new CompiledMatch(path(method).matches[0]).testPath(p);

test('method matches: exact service+method, service only, method only, regex; no method = every call', () => {
  assert.deepEqual(path({ service: 'a.B', method: 'M' }).matches[0].path, { type: 'Exact', value: '/a.B/M' });
  assert.ok(matches({ service: 'a.B' }, '/a.B/M'));
  assert.ok(!matches({ service: 'a.B' }, '/aXB/M'), "the service's '.' is literal");
  assert.ok(!matches({ service: 'a.B' }, '/a.B/M/x'));
  assert.ok(matches({ method: 'M' }, '/any.Svc/M'));
  assert.ok(!matches({ method: 'M' }, '/any.Svc/Mx'));
  assert.ok(matches({ type: 'RegularExpression', service: 'a\\.(B|C)', method: 'Get.*' }, '/a.C/GetAll'));
  assert.ok(!matches({ type: 'RegularExpression', service: 'a\\.(B|C)', method: 'Get.*' }, '/a.D/GetAll'));
  assert.ok(matches({ type: 'RegularExpression', method: 'Get.*' }, '/x.Y/Get'));
  assert.ok(matches(undefined, '/x.Y/Anything'));
  assert.equal(parseGrpcRule({}).ok, true);
});

test('invalid method matches and unsupported filters: the rule is not served (UnsupportedValue)', () => {
  for (const m of [{}, { type: 'Exact' }, { service: 'a/b' }, { method: 'no-dash' }, { type: 'Prefix', service: 'a' }, { type: 'RegularExpression', service: '(' }]) {
    const r = parseGrpcRule({ matches: [{ method: m }] });
    assert.equal(r.ok, false, JSON.stringify(m));
    assert.equal(!r.ok && r.reason, 'UnsupportedValue');
  }
  for (const type of ['RequestMirror', 'ExtensionRef', 'URLRewrite']) {
    const r = parseGrpcRule({ filters: [{ type }] });
    assert.equal(r.ok, false, type);
  }
  assert.equal(parseGrpcRule({ filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x', value: '1' }] } }] }).ok, true);
});

test('precedence: more service characters, then method characters, then headers, then the oldest route', () => {
  const rank = (method: Record<string, unknown> | undefined, extra: Partial<Ranked> = {}, headers = 0): Ranked => {
    const r = parseGrpcRule({ matches: [{ ...(method ? { method } : {}), headers: Array.from({ length: headers }, (_, i) => ({ name: `h${i}`, value: 'v' })) }] });
    assert.ok(r.ok);
    return { match: r.value.matches[0], grpc: r.value.ranks[0], created: '', routeKey: 'ns/r', rule: 0, index: 0, ...extra };
  };
  const sorted = (rs: Ranked[]) => [...rs].sort(compareRules).map((r) => r.routeKey);
  assert.deepEqual(sorted([
    rank({ method: 'Method' }, { routeKey: 'method-only' }),
    rank({ service: 'svc.S' }, { routeKey: 'service-only' }),
    rank({ service: 'svc.S', method: 'M' }, { routeKey: 'both' }),
    rank({ service: 'svc.S', method: 'M' }, { routeKey: 'both+header' }, 1),
    rank(undefined, { routeKey: 'all' }),
  ]), ['both+header', 'both', 'service-only', 'method-only', 'all']);
  assert.deepEqual(sorted([
    rank({ service: 's', method: 'M' }, { routeKey: 'b', created: '2024-02-01T00:00:00Z' }),
    rank({ service: 's', method: 'M' }, { routeKey: 'a', created: '2024-03-01T00:00:00Z' }),
  ]), ['b', 'a']);
});
