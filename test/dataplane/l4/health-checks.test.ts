// L4 clusters with active health checks: TCP connects, and a failing endpoint is not even dialled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tcpBackend, cluster, route, dataplane, connect, readBytes, sleep, metricValue } from './support.ts';

const CID = 'default/db:5432';

test('an endpoint failing its TCP checks gets no new connections (no dial, no connect error)', async () => {
  const a = await tcpBackend('a', { greet: true });
  const b = await tcpBackend('b', { greet: true });
  const { dp, metrics } = dataplane();
  const c = { ...cluster(CID), healthCheck: { path: '/ignored-for-l4', scheme: 'http' as const, intervalMs: 40, timeoutMs: 30, healthyThreshold: 1, unhealthyThreshold: 1, expectedStatuses: [[200, 399] as const] } };
  await dp.applyRoutes([route('TCP', 0, CID, 'none', 'tcp/db')], [c], new Map([[CID, [a.endpoint, b.endpoint]]]));
  const greet = async (): Promise<string> => {
    const s = await connect(dp.boundPort('tcp/db'));
    const name = (await readBytes(s, 2)).toString().trim();
    s.destroy();
    return name;
  };
  try {
    await a.close();
    await sleep(300); // several check rounds: a is marked down
    const before = await metricValue(metrics, 'portico_l4_connect_errors_total');
    const names = new Set<string>();
    for (let i = 0; i < 6; i++) names.add(await greet());
    assert.deepEqual([...names], ['b']);
    assert.equal(await metricValue(metrics, 'portico_l4_connect_errors_total'), before, 'the failing endpoint was not dialled');
  } finally {
    await dp.close(0);
    await b.close();
  }
});
