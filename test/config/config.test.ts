import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DEFAULTS, parseFlags, sourceMode } from '../../src/config/config.ts';
import { parseDuration } from '../../src/config/duration.ts';

test('defaults follow the issues: class portico, controller portico.io/ingress-controller, ports 8080/8443/9901', () => {
  const { config } = parseFlags(['--resources', 'x']);
  assert.equal(config.ingressClass, 'portico');
  assert.equal(config.controllerName, 'portico.io/ingress-controller');
  assert.equal(config.httpPort, 8080);
  assert.equal(config.httpsPort, 8443);
  assert.equal(config.adminPort, 9901);
  assert.equal(config.adminAddress, '127.0.0.1');
  assert.equal(config.drainTimeoutMs, 30_000);
  assert.equal(config.sslRedirect, true);
  assert.equal(config.allowExternalName, false);
  assert.deepEqual(config, { ...DEFAULTS, resources: ['x'] });
});

test('--resources repeats; --flag=false works for booleans; durations parse', () => {
  const { config } = parseFlags(['--resources', 'a', '--resources=b', '--ssl-redirect=false', '--watch-without-class', '--drain-timeout', '1500ms', '--https-port', 'off', '--trust-proxy', '10.0.0.0/8']);
  assert.deepEqual(config.resources, ['a', 'b']);
  assert.equal(config.sslRedirect, false);
  assert.equal(config.watchWithoutClass, true);
  assert.equal(config.drainTimeoutMs, 1500);
  assert.equal(config.httpsPort, null);
  assert.deepEqual(config.trustProxy, ['10.0.0.0/8']);
});

test('bad flags are ConfigErrors with the flag named', () => {
  assert.throws(() => parseFlags(['--http-port', '70000']), (e: Error) => e instanceof ConfigError && /--http-port/.test(e.message));
  assert.throws(() => parseFlags(['--trust-proxy', 'nope']), /--trust-proxy/);
  assert.throws(() => parseFlags(['--default-tls-secret', 'nonamespace']), /namespace\/name/);
  assert.throws(() => parseFlags(['--frobnicate']), ConfigError);
});

test('exactly one source: files or the API, never both by accident', () => {
  assert.equal(sourceMode(parseFlags(['--resources', 'x']).config), 'file');
  assert.equal(sourceMode(parseFlags(['--kubeconfig', 'k']).config), 'kube');
  assert.throws(() => sourceMode(parseFlags(['--resources', 'x', '--in-cluster']).config), /cannot be combined/);
  assert.throws(() => sourceMode(parseFlags([]).config), /no source/);
});

test('parseDuration', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('2'), 2000);
  assert.throws(() => parseDuration('10 parsecs'));
});
