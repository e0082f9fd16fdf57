// What request ids, tracing and the access log's extra fields cost per request, measured on the
// functions the dataplane calls (RequestDecorator.onRequest/onEnd, AccessLog.write), without
// network: the exporter's queue is emptied between rounds and never sent.
//
// Usage: node bench/micro/observability.ts [--quick]
// Figures: docs/benchmarks/observability.md.

import { PassThrough } from 'node:stream';
import { parseArgs } from 'node:util';
import { AccessLog } from '../../src/dataplane/http/access-log.ts';
import { RequestContext } from '../../src/dataplane/http/request-context.ts';
import { RequestDecorator } from '../../src/dataplane/http/request-decorator.ts';
import { Tracer } from '../../src/dataplane/http/tracing.ts';
import { createLogger } from '../../src/util/logger.ts';
import { Metrics } from '../../src/util/metrics.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean' } } });
const N = values.quick ? 200_000 : 1_000_000;
const logger = createLogger({ level: 'warn', destination: new PassThrough() });
const metrics = new Metrics({ defaultMetrics: false });
const tracer = (ratio: number) => new Tracer({ endpoint: 'http://127.0.0.1:9/v1/traces', samplingRatio: ratio, metrics, logger, flushIntervalMs: 3_600_000, maxQueue: N + 1, batchSize: N + 1 });
const req = { rawHeaders: ['Host', 'a.test', 'User-Agent', 'bench', 'Accept', '*/*'], url: '/', httpVersion: '1.1', socket: null } as never;
const headerList = () => ['host', 'a.test', 'user-agent', 'bench', 'accept', '*/*', 'x-forwarded-for', '10.0.0.1', 'x-forwarded-proto', 'http'];

function measure(name: string, decorator: RequestDecorator | null, log: AccessLog, t: Tracer | null): void {
  const run = (n: number): number => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const ctx = new RequestContext(0, 'GET', 'a.test', '/', '10.0.0.1');
      const h = headerList();
      if (decorator !== null) decorator.onRequest(ctx, req, h);
      ctx.status = 200;
      log.write(ctx, 0.001);
      if (decorator !== null) decorator.onEnd(ctx);
    }
    const ns = Number(process.hrtime.bigint() - started) / n;
    if (t !== null) (t as unknown as { queue: unknown[] }).queue.length = 0;
    return ns;
  };
  run(N / 10); // warm up
  const rounds = [run(N), run(N), run(N)].sort((a, b) => a - b);
  process.stdout.write(`${name.padEnd(44)} ${rounds[1].toFixed(0).padStart(5)} ns/request (median of 3 × ${N})\n`);
}

const plain = new AccessLog(logger);
measure('all off (decorator null)', RequestDecorator.create({ requestIds: false, keepRequest: false, tracer: null }), plain, null);
measure('request ids (default)', RequestDecorator.create({ requestIds: true, keepRequest: false, tracer: null }), plain, null);
const t0 = tracer(0);
measure('request ids + tracing, not sampled', RequestDecorator.create({ requestIds: true, keepRequest: false, tracer: t0 }), plain, t0);
const t1 = tracer(1);
measure('request ids + tracing, every request sampled', RequestDecorator.create({ requestIds: true, keepRequest: false, tracer: t1 }), plain, t1);
await Promise.all([t0.close(), t1.close()]).catch(() => undefined);
process.exit(0);
