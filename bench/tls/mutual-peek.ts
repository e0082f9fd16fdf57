// What client-certificate hosts cost everyone else (README "Client certificates"): with at least
// one such host, the HTTPS front reads every ClientHello to route by SNI (tls-front.ts). Full
// handshakes to an ordinary host through the real HttpsListener, alternating rounds without any
// client-certificate host (no peek) and with one (peek on every connection), same process and run.
//
//   node bench/tls/mutual-peek.ts [--seconds 5] [--rounds 3] [--conns 16]
//
// Session resumption is off, so every handshake is a full one (as bench/tls/handshake.ts).

import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Metrics } from '../../src/util/metrics.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { emptySnapshot, type Snapshot } from '../../src/model/snapshot.ts';
import type { ClientCertPolicy } from '../../src/model/access.ts';
import { HttpsListener } from '../../src/dataplane/tls/https-listener.ts';
import { SniTableBuilder } from '../../src/dataplane/tls/sni-table.ts';
import { MutualTableBuilder } from '../../src/dataplane/tls/mutual-table.ts';
import { generateDefaultCertificate } from '../../src/dataplane/tls/default-certificate.ts';
import { massCertificates } from './mass-certs.ts';

const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, conns: { type: 'string', default: '16' },
} });
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONNS = Number(values.conns);
const here = dirname(fileURLToPath(import.meta.url));
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
if (hasTaskset) spawnSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });

const [cert] = massCertificates(['h0.bench.test']);
const policy: ClientCertPolicy = {
  secret: 'bench/ca', ingress: 'bench/mtls', caPem: cert.certPem, crlPem: null, verify: 'on', depth: 1,
  errorPage: null, passCertificate: false, matchCn: null, key: 'bench',
};
const snapshot = (mutual: boolean): Snapshot => ({
  ...emptySnapshot(1),
  virtualHosts: [
    { hostname: 'h0.bench.test', kind: 'exact', routes: [], fallback: null, certificateId: cert.id },
    ...(mutual ? [{ hostname: 'mtls.bench.test', kind: 'exact' as const, routes: [], fallback: null, certificateId: null, clientCertificate: policy }] : []),
  ],
  certificates: [cert],
});

const generated = generateDefaultCertificate();
const builder = new SniTableBuilder({ generatedDefault: generated, sessionResumption: false });
const mutualBuilder = new MutualTableBuilder(generated, builder.policyOptions, builder.secureOptions);
const listener = new HttpsListener({ handleRequest: (_q, s) => s.end(), handleUpgrade: (_q, s) => s.destroy() }, {
  host: '127.0.0.1', port: 0, logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), sni: builder.build(snapshot(false)),
  secureOptions: builder.secureOptions, mutualSecureOptions: mutualBuilder.ticketlessOptions,
});
const port = await listener.listen();
const plainTable = mutualBuilder.build(snapshot(false));
const mutualTable = mutualBuilder.build(snapshot(true));

function runClient(): Promise<{ handshakes: number; errors: number; rate: number }> {
  const args = [join(here, 'handshake-client.ts'), String(port), '1', String(SECONDS), String(CONNS)];
  const cmd = hasTaskset ? 'taskset' : process.execPath;
  const argv = hasTaskset ? ['-c', '0', process.execPath, ...args] : args;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const kill = setTimeout(() => child.kill('SIGKILL'), (SECONDS + 30) * 1000);
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', () => {
      clearTimeout(kill);
      try {
        resolve(JSON.parse(out) as { handshakes: number; errors: number; rate: number });
      } catch {
        reject(new Error(`client output: ${out}`));
      }
    });
  });
}

const rates: Record<'direct' | 'peek', number[]> = { direct: [], peek: [] };
let errors = 0;
for (let r = 0; r < ROUNDS; r++) {
  const order: ('direct' | 'peek')[] = r % 2 === 0 ? ['direct', 'peek'] : ['peek', 'direct'];
  for (const which of order) {
    listener.setMutualTable(which === 'peek' ? mutualTable : plainTable);
    const res = await runClient();
    rates[which].push(res.rate);
    errors += res.errors;
    process.stderr.write(`round ${r + 1} ${which}: ${res.rate.toFixed(0)} handshakes/s\n`);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const d = median(rates.direct);
const p = median(rates.peek);
process.stdout.write(JSON.stringify({
  node: process.version, pinned: hasTaskset, seconds: SECONDS, rounds: ROUNDS, conns: CONNS,
  handshakesPerSec: { direct: Math.round(d), peek: Math.round(p), ratio: Number((p / d).toFixed(3)), runsDirect: rates.direct.map(Math.round), runsPeek: rates.peek.map(Math.round) },
  errors,
}) + '\n');
// The result is out; the listener's drain is not what is measured here.
void listener.close(0).finally(() => process.exit(0));
