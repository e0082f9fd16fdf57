// The key proxy, routing and abuse tests again with `--http1-engine node` (PORTICO_HTTP1_ENGINE
// is read by the test support), so `npm test` keeps both engines answering alike while node stays
// selectable. The suite runs on lean by default; `PORTICO_HTTP1_ENGINE=node npm run test:unit`
// runs all of it on node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const FILES = [
  'test/dataplane/http/proxy.test.ts',
  'test/abuse/request-line.test.ts',
  'test/e2e/routing.test.ts',
  'test/e2e/balancing.test.ts',
];

/** The environment minus the parent runner's: a child `node --test` otherwise reports to it, not to us. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORTICO_HTTP1_ENGINE: 'node' };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_V8_COVERAGE;
  return env;
}

test('proxy, routing, balancing and request-line abuse tests pass on the node engine', () => {
  const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=dot', ...FILES], {
    env: childEnv(),
    encoding: 'utf8',
    timeout: 100_000,
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /\./, 'tests ran');
});
