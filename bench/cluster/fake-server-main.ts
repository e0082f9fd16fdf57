// Child process for the initial-sync benchmark: a fake API server holding N Ingresses, Services and
// EndpointSlices, so that its memory is not counted in the measured process. Prints its URL.
// The slices carry three endpoint addresses each; initial-sync never sends traffic to them.
import { FakeApiServer } from '../../test/support/fake-apiserver.ts';
import { populate } from './fixture.ts';

const n = Number(process.argv[2] ?? 10000);
const server = new FakeApiServer({ historyLimit: 100 });
populate(server, n, (i) => ({ addresses: [1, 2, 3].map((k) => `10.${k}.${(i >> 8) & 255}.${i & 255}`), port: 8080 }));
await server.start();
process.stdout.write(`${server.url}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
