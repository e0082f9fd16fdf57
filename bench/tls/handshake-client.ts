// Load generator for bench/tls/handshake.ts: full TLS handshakes (no session reuse), `conns` in
// flight, SNI names cycling through `count` names `h<i>.bench.test`. Prints one JSON line.
// Usage: node handshake-client.ts PORT COUNT SECONDS CONNS

import tls from 'node:tls';

const [port, count, seconds, conns] = process.argv.slice(2).map(Number);
let done = 0;
let errors = 0;
let next = 0;
let stop = false;
const t0 = performance.now();

function one(): void {
  if (stop) return;
  const name = `h${next++ % count}.bench.test`;
  const s = tls.connect({ host: '127.0.0.1', port, servername: name, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
  s.once('secureConnect', () => {
    done++;
    s.destroy();
    one();
  });
  s.once('error', () => {
    errors++;
    s.destroy();
    setTimeout(one, 10);
  });
}

for (let i = 0; i < conns; i++) one();
setTimeout(() => {
  stop = true;
  const secs = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ handshakes: done, errors, seconds: secs, rate: done / secs }) + '\n');
  process.exit(0);
}, seconds * 1000);
