// Cluster-mode benchmark (README "Run in a cluster"): initial sync of 10,000 Ingresses, Services and
// EndpointSlices from the fake API server (a separate process) through KubeSource into a Store,
// and the resident memory of this process afterwards. Run: node --expose-gc bench/cluster/initial-sync.ts [N]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { KubeSource } from '../../src/sources/kube/kube-source.ts';
import { kubeConfigForServer } from '../../src/sources/kube/config.ts';
import { Store } from '../../src/store/store.ts';
import type { Kind, KubeObject } from '../../src/k8s/types.ts';
import { Metrics } from '../../src/util/metrics.ts';
import { silentLogger } from '../../src/util/logger.ts';

const n = Number(process.argv[2] ?? 10000);
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (b: number) => Math.round(b / 1024 / 1024);

const child = spawn(process.execPath, [path.join(import.meta.dirname, 'fake-server-main.ts'), String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
const [url] = (await once(createInterface(child.stdout), 'line')) as [string];

gc?.();
const rssBefore = process.memoryUsage().rss;
const store = new Store();
let events = 0;
let resolveSynced!: () => void;
const synced = new Promise<void>((r) => (resolveSynced = r));
const source = new KubeSource({ kubeConfig: kubeConfigForServer(url), namespace: null, logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }) });
const t0 = performance.now();
await source.start({
  upsert: (kind: Kind, obj: KubeObject) => { events++; store.upsert(kind, obj); },
  remove: (kind: Kind, key: string) => { store.remove(kind, key); },
  synced: () => resolveSynced(),
  sourceDiagnostics: () => {},
});
await synced;
const syncMs = performance.now() - t0;
gc?.();
const mem = process.memoryUsage();
const result = {
  objects: { Ingress: store.size('Ingress'), Service: store.size('Service'), EndpointSlice: store.size('EndpointSlice') },
  events,
  initialSyncMs: Math.round(syncMs),
  rssMB: mb(mem.rss),
  rssDeltaMB: mb(mem.rss - rssBefore),
  heapUsedMB: mb(mem.heapUsed),
  gc: Boolean(gc),
  node: process.version,
};
console.log(JSON.stringify(result, null, 2));
await source.stop();
child.kill('SIGTERM');
await once(child, 'exit');
