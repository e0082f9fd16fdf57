import type { Balancer } from '../../../src/dataplane/balancer/balancer.ts';
import type { Endpoint } from '../../../src/model/endpoint.ts';

/** Share of 10,000 keys whose endpoint changes between two endpoint lists. */
export function remapShare(make: () => Balancer, before: Endpoint[], after: Endpoint[]): number {
  const a = make();
  a.update(before);
  const b = make();
  b.update(after);
  let moved = 0;
  for (let i = 0; i < 10_000; i++) {
    const ctx = { clientIp: '', key: `session-${i}` };
    if (a.pick(ctx)?.id !== b.pick(ctx)?.id) moved++;
  }
  return moved / 10_000;
}
