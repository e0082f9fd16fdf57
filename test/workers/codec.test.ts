// The Snapshot and EndpointSet cross the primary–worker channel as a V8 structured clone
// (child_process `serialization: 'advanced'`, protocol.ts). That only works if the Snapshot is
// plain data: no class instances, functions or Buffers that would arrive as something else.
// Checked on every golden translation case and the shipped examples, and by compiling both copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { DEFAULTS } from '../../src/config/config.ts';
import { HttpDataplane } from '../../src/dataplane/http/dataplane.ts';
import { loadOffline } from '../../src/offline.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { Metrics } from '../../src/util/metrics.ts';
import type { Snapshot } from '../../src/model/snapshot.ts';
import type { EndpointSet } from '../../src/model/endpoint.ts';

const root = resolve(import.meta.dirname, '../..');
const golden = join(root, 'test/translate/golden');
const inputs = [join(root, 'config'), ...readdirSync(golden).map((d) => join(golden, d))];

function compile(s: Snapshot, e: EndpointSet): HttpDataplane {
  const dp = new HttpDataplane({ logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), trustProxy: [], connectTimeoutMs: 1000, upstreamTimeoutMs: 1000, httpsPort: null, hsts: null });
  dp.apply(s, e);
  return dp;
}

for (const dir of inputs) {
  test(`a round-tripped snapshot is the same data and compiles to the same routes: ${dir.slice(root.length + 1)}`, async () => {
    const off = await loadOffline({ ...DEFAULTS, resources: [dir] });
    const back = deserialize(serialize({ snapshot: off.snapshot, endpoints: off.endpoints })) as { snapshot: Snapshot; endpoints: EndpointSet };
    assert.deepStrictEqual(back.snapshot, off.snapshot);
    assert.ok(back.endpoints instanceof Map);
    assert.deepStrictEqual(back.endpoints, off.endpoints);
    const [a, b] = [compile(off.snapshot, off.endpoints), compile(back.snapshot, back.endpoints)];
    const hosts = [...off.snapshot.virtualHosts.map((v) => v.hostname), 'unknown.test'];
    for (const host of hosts) for (const path of ['/', '/foo', '/aaa/bbb', '/api/v1']) {
      assert.deepStrictEqual(b.explain(host, path), a.explain(host, path), `${host}${path}`);
    }
    await Promise.all([a.close(0), b.close(0)]);
  });
}
