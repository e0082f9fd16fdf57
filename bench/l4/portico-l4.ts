// Bench entry: Portico's L4 dataplane with one TCP and one UDP mapping built by hand (no
// Kubernetes objects), so the benchmark measures the proxy path only (docs/benchmarks/l4.md).
//   LISTEN_TCP UPSTREAM_TCP LISTEN_TCP2 UPSTREAM_TCP2 LISTEN_UDP UPSTREAM_UDP (ports on 127.0.0.1)

import { L4Dataplane } from '../../src/dataplane/l4/l4-dataplane.ts';
import type { Cluster } from '../../src/model/cluster.ts';
import { makeEndpoint } from '../../src/model/endpoint.ts';
import type { L4Route } from '../../src/model/l4.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { Metrics } from '../../src/util/metrics.ts';

const env = (k: string): number => Number(process.env[k] ?? '0');
const mk = (id: string, protocol: 'TCP' | 'UDP', port: number): Cluster => ({
  id, namespace: 'bench', service: protocol.toLowerCase(), port, portName: '', protocol, kind: 'endpoints',
  externalName: null, balancer: 'round-robin', sessionAffinity: { type: 'None', timeoutSeconds: 10800 },
});
const tcp = mk('bench/tcp:1', 'TCP', 1);
const tcp2 = mk('bench/tcp:2', 'TCP', 2);
const udp = mk('bench/udp:1/udp', 'UDP', 1);
const origin = { kind: 'ConfigMap', namespace: 'bench', name: 'bench' };
const routes: L4Route[] = [
  { id: `tcp/${env('LISTEN_TCP')}`, protocol: 'TCP', listenPort: env('LISTEN_TCP'), clusterId: tcp.id, proxyProtocol: 'none', source: 'bench', origin },
  { id: `tcp/${env('LISTEN_TCP2')}`, protocol: 'TCP', listenPort: env('LISTEN_TCP2'), clusterId: tcp2.id, proxyProtocol: 'none', source: 'bench', origin },
  { id: `udp/${env('LISTEN_UDP')}`, protocol: 'UDP', listenPort: env('LISTEN_UDP'), clusterId: udp.id, proxyProtocol: 'none', source: 'bench', origin },
];
const dp = new L4Dataplane({
  logger: silentLogger(), metrics: new Metrics(), bindAddress: '127.0.0.1', tcpIdleTimeoutMs: 3_600_000,
  udpSessionTimeoutMs: 30_000, udpMaxSessions: 65536, drainTimeoutMs: 1000, acceptProxyProtocol: false,
});
const fails = await dp.applyRoutes(routes, [tcp, tcp2, udp], new Map([
  [tcp.id, [makeEndpoint('127.0.0.1', env('UPSTREAM_TCP'))]],
  [tcp2.id, [makeEndpoint('127.0.0.1', env('UPSTREAM_TCP2'))]],
  [udp.id, [makeEndpoint('127.0.0.1', env('UPSTREAM_UDP'))]],
]));
if (fails.length) { console.error(JSON.stringify(fails)); process.exit(1); }
console.log('ready');
const stop = (): void => { void dp.close(0).then(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
