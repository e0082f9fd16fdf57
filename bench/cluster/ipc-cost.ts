// What one endpoint change costs on the primary-worker channel (docs/benchmarks/cluster.md "With
// worker processes"): the V8 structured clone (`serialization: 'advanced'`, what child_process IPC
// runs on each message) of the fast-path delta (one cluster's endpoints) against the whole
// EndpointSet of N clusters, which a snapshot apply carries. Serialize + deserialize, per worker.
//
// Run: node bench/cluster/ipc-cost.ts [N=10000]
import v8 from 'node:v8';
import { makeEndpoint, type Endpoint } from '../../src/model/endpoint.ts';

const n = Number(process.argv[2] ?? 10000);
// The shape of bench/cluster/fixture.ts: one endpoint per cluster, 100 namespaces.
const set = new Map<string, readonly Endpoint[]>();
for (let i = 0; i < n; i++) set.set(`ns-${i % 100}/svc-${i}:80`, [makeEndpoint('127.0.0.1', 20000 + (i % 40000))]);
const first = set.keys().next().value as string;
const delta = { t: 'endpoints', clusterId: first, endpoints: set.get(first) };
const whole = { t: 'apply', endpoints: set };

function cost(m: unknown, rounds: number): { ms: number; bytes: number } {
  let bytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    const b = v8.serialize(m);
    bytes = b.length;
    v8.deserialize(b);
  }
  return { ms: Math.round(((performance.now() - t0) / rounds) * 10_000) / 10_000, bytes };
}
cost(delta, 1000);
cost(whole, 3);
console.log(JSON.stringify({ clusters: n, delta: cost(delta, 10_000), wholeEndpointSet: cost(whole, 20) }));
