// The rate limiter's per-client table under a flood of 100,000 distinct client addresses, each
// resolved from X-Forwarded-For behind a trusted proxy by the same function the dataplane uses:
// the table stays at its bound and the heap does not grow with the number of addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { resolveClientAddress } from '../../../src/dataplane/http/client-address.ts';
import { TrustedProxies } from '../../../src/dataplane/http/forwarded-headers.ts';
import { RateLimitCheck } from '../../../src/dataplane/http/policies/rate-limit.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('100,000 distinct addresses: table at its bound, heap growth bounded', () => {
  const max = 2000;
  const limit = new RateLimitCheck({ rps: 1, rpm: null, burstMultiplier: 5, connections: null, exempt: [] }, { reqStatus: 503, connStatus: 503, maxClients: max });
  const trusted = new TrustedProxies(['127.0.0.0/8']);
  const flood = (from: number) => {
    for (let n = from; n < from + 100_000; n++) {
      const raw = ['Host', 'flood.example', 'X-Forwarded-For', `6.6.6.6, 10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`];
      const clientIp = resolveClientAddress('127.0.0.1', raw, trusted);
      assert.equal(limit.check({ method: 'GET', scheme: 'http', host: 'flood.example', uri: '/', raw, clientIp, onClose: () => {} }), null);
    }
  };
  flood(0);
  gc();
  const heap = process.memoryUsage().heapUsed;
  flood(100_000);
  gc();
  assert.equal(limit.size, max);
  // 100,000 more retained entries (key string + state object) would be well over 10 MB.
  const grew = process.memoryUsage().heapUsed - heap;
  assert.ok(grew < 4 * 1024 * 1024, `heap grew by ${Math.round(grew / 1024)} KiB`);
  // The same client again within the second: its bucket is remembered (most recently used).
  const raw = ['X-Forwarded-For', '10.3.13.63'];
  const again = limit.check({ method: 'GET', scheme: 'http', host: null, uri: '/', raw, clientIp: resolveClientAddress('127.0.0.1', raw, trusted), onClose: () => {} });
  assert.equal(again, null);
});
