import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS, helpText, parseFlags } from '../../src/config/config.ts';
import { flag, helpOf, markdownOf, parseWith } from '../../src/config/flag-table.ts';
import * as t from '../../src/config/flag-types.ts';
import { FLAG_TABLE } from '../../src/config/flags.ts';

test('every flag has a unique kebab-case name and a help line; --help lists each with its default', () => {
  const names = Object.values(FLAG_TABLE).map((f) => f.flag);
  assert.equal(new Set(names).size, names.length);
  for (const n of names) assert.match(n, /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  const help = helpText();
  for (const [key, f] of Object.entries(FLAG_TABLE)) {
    assert.ok(f.help.length > 0, key);
    assert.ok(help.includes(`--${f.flag}`), `--help lists --${f.flag}`);
  }
  assert.match(help, /--http-port PORT +HTTP listener port \(default 8080\)/);
  assert.match(help, /--tcp-idle-timeout DURATION .*\(default 1h\)/);
  assert.match(help, /--ssl-redirect .*default on; --ssl-redirect=false/);
  assert.match(help, /-h, --help/);
});

test('the defaults are the table defaults, and each value type reads its text', () => {
  for (const [key, f] of Object.entries(FLAG_TABLE)) assert.deepEqual(DEFAULTS[key as keyof typeof DEFAULTS], f.default, key);
  const { config } = parseFlags(['--ssl-redirect-port', '443', '--udp-max-sessions', '10', '--publish-address', '1.2.3.4', '--publish-address', 'lb.example', '--no-watch', '--tcp-idle-timeout', '5m'], {});
  assert.equal(config.sslRedirectPort, 443);
  assert.equal(config.udpMaxSessions, 10);
  assert.deepEqual(config.publishAddress, ['1.2.3.4', 'lb.example']);
  assert.equal(config.watch, false);
  assert.equal(config.tcpIdleTimeoutMs, 300_000);
  assert.throws(() => parseFlags(['--udp-max-sessions=-1'], {}), /--udp-max-sessions "-1" is not a non-negative integer/);
  assert.throws(() => parseFlags(['--drain-timeout', 'soon'], {}), /--drain-timeout: invalid duration/);
  assert.throws(() => parseFlags(['--https-port', 'of'], {}), /--https-port "of" is not a port/);
});

test('an entry with an env var: flag beats env, env beats default, repeatable env values split on commas', () => {
  const table = {
    level: flag(t.text, { flag: 'level', default: 'info', env: 'X_LEVEL', help: 'level' }),
    peers: flag(t.cidrList, { flag: 'peer', default: [], env: 'X_PEERS', help: 'peers' }),
    port: flag(t.port, { flag: 'port', default: 1, help: 'port' }),
  };
  assert.deepEqual(parseWith(table, [], {}).config, { level: 'info', peers: [], port: 1 });
  assert.deepEqual(parseWith(table, [], { X_LEVEL: 'debug', X_PEERS: '10.0.0.0/8, ::1' }).config, { level: 'debug', peers: ['10.0.0.0/8', '::1'], port: 1 });
  assert.equal(parseWith(table, ['--level', 'warn'], { X_LEVEL: 'debug' }).config.level, 'warn');
  assert.throws(() => parseWith(table, [], { X_PEERS: 'nope' }), /--peer "nope" is not a CIDR/);
  assert.match(helpOf(table), /--level TEXT +level \(default info; env X_LEVEL\)/);
  assert.match(markdownOf(table), /\| `--peer CIDR` \| — \| peers \(env `X_PEERS`\) \|/);
});

test('t.formatDuration picks the largest exact unit', () => {
  assert.equal(t.formatDuration(3_600_000), '1h');
  assert.equal(t.formatDuration(60_000), '60s');
  assert.equal(t.formatDuration(1500), '1500ms');
  assert.equal(t.formatDuration(0), '0s');
});
