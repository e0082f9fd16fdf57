// Backends for bench/run.sh: a WebSocket echo server (always), and an HTTP backend answering
// `*/hello` with "hello" and `*/64k.bin` with the rig's 64 KiB file, used only when nginx is not
// installed (nginx is the faster backend and the one the shared rig uses). 127.0.0.1 only.
//
// Usage: node bench/lib/backend.ts --ws-port N [--http-port N --file PATH]

import http from 'node:http';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';

const { values: a } = parseArgs({
  options: { 'ws-port': { type: 'string' }, 'http-port': { type: 'string' }, file: { type: 'string' } },
});
const HOST = '127.0.0.1';
const servers: http.Server[] = [];

if (a['ws-port']) {
  const server = http.createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.listen(Number(a['ws-port']), HOST);
  servers.push(server);
}

if (a['http-port']) {
  const big = readFileSync(a.file ?? '');
  const hello = Buffer.from('hello');
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const body = path.endsWith('/64k.bin') ? big : hello;
    res.writeHead(200, { 'content-type': body === hello ? 'text/plain' : 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(Number(a['http-port']), HOST);
  servers.push(server);
}

const stop = (): void => {
  for (const s of servers) s.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
