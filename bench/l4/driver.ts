// Load driver for bench/l4/run.sh (127.0.0.1 only, bounded by DURATION seconds).
//   driver.ts echo-tcp PORT          TCP echo backend (for the connection-rate case)
//   driver.ts echo-udp PORT          UDP echo backend
//   driver.ts connrate PORT SECS CONC new connections per second: connect, 1 byte there and back, close
//   driver.ts udprate PORT SECS CONC  datagrams per second: CONC client sockets in ping-pong

import net from 'node:net';
import dgram from 'node:dgram';

const [mode, portText, secsText, concText] = process.argv.slice(2);
const port = Number(portText);
const secs = Number(secsText ?? '3');
const conc = Number(concText ?? '32');

if (mode === 'echo-tcp') {
  net.createServer({ noDelay: true }, (s) => { s.on('error', () => {}); s.pipe(s); })
    .listen({ port, host: '127.0.0.1', backlog: 4096 }, () => console.log('ready'));
} else if (mode === 'echo-udp') {
  const s = dgram.createSocket('udp4');
  s.on('message', (m, r) => s.send(m, r.port, r.address));
  s.bind(port, '127.0.0.1', () => console.log('ready'));
} else if (mode === 'connrate') {
  let done = 0;
  let errors = 0;
  const end = Date.now() + secs * 1000;
  const one = (): void => {
    if (Date.now() >= end) return finish();
    const s = net.connect({ port, host: '127.0.0.1', noDelay: true });
    s.on('connect', () => s.write('x'));
    s.once('data', () => { done++; s.destroy(); one(); });
    s.on('error', () => { errors++; s.destroy(); one(); });
  };
  let live = conc;
  const finish = (): void => { if (--live === 0) console.log(JSON.stringify({ rate: done / secs, errors })); };
  for (let i = 0; i < conc; i++) one();
} else if (mode === 'udprate') {
  let done = 0;
  const end = Date.now() + secs * 1000;
  const payload = Buffer.alloc(64, 1);
  let live = conc;
  for (let i = 0; i < conc; i++) {
    const s = dgram.createSocket('udp4');
    let timer: NodeJS.Timeout | null = null;
    const send = (): void => {
      if (Date.now() >= end) { s.close(); if (--live === 0) console.log(JSON.stringify({ rate: done / secs })); return; }
      // A lost datagram is re-sent after 200 ms so that the loop never stalls.
      timer = setTimeout(send, 200);
      s.send(payload, port, '127.0.0.1');
    };
    s.on('message', () => { if (timer) clearTimeout(timer); done++; send(); });
    s.bind(0, '127.0.0.1', send);
  }
} else {
  console.error('usage: driver.ts echo-tcp|echo-udp|connrate|udprate PORT [SECS CONC]');
  process.exit(2);
}
