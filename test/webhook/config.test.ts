// The webhook flags: parsed from the one flag table, and the combinations that cannot work refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseFlags } from '../../src/config/config.ts';

const parse = (...a: string[]) => parseFlags(['--resources', 'x', ...a], {}).config;

test('webhook flags parse and combine', () => {
  const c = parse('--webhook-port', '8444', '--webhook-tls-secret', 'portico/wh', '--webhook-timeout', '500ms', '--webhook-failure-mode', 'closed');
  assert.equal(c.webhookPort, 8444);
  assert.equal(c.webhookTlsSecret, 'portico/wh');
  assert.equal(c.webhookTimeoutMs, 500);
  assert.equal(c.webhookFailureMode, 'closed');
  const d = parse();
  assert.equal(d.webhookPort, null);
  assert.equal(d.webhookFailureMode, 'refused');
  assert.throws(() => parse('--webhook-failure-mode', 'maybe'), ConfigError);
  assert.throws(() => parse('--webhook-port', '8444'), /needs --webhook-tls-secret/);
  assert.throws(() => parse('--webhook-cert-file', 'a'), /go together/);
  assert.throws(() => parse('--webhook-cert-file', 'a', '--webhook-key-file', 'b', '--webhook-tls-secret', 'a/b'), /choose one/);
});
