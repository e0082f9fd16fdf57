'use strict';
// The Node proxy libraries of the docs/benchmarks/http.md target ("≥ 1.3× the fastest of http-proxy-3,
// node-http-proxy and @fastify/http-proxy"), set up exactly as the shared rig's
// proxies/{http-proxy-3,node-http-proxy,fastify-proxy}.js (keep-alive agent / undici pool), plus
// what those scripts lack for the other cases: a TLS listener and WebSocket upgrades.
// run.sh copies this file next to the shared rig's package.json and its node_modules.
//
// Env: KIND (http-proxy-3 | node-http-proxy | fastify-proxy), PORT, UPSTREAM_PORT,
//      WS_UPSTREAM_PORT (upgrades go there), TLS_PORT + TLS_CERT + TLS_KEY (optional).
const http = require('node:http');
const https = require('node:https');
const fs = require('node:fs');

const HOST = '127.0.0.1';
const { KIND, PORT, UPSTREAM_PORT, WS_UPSTREAM_PORT, TLS_PORT, TLS_CERT, TLS_KEY } = process.env;
const target = `http://${HOST}:${UPSTREAM_PORT}`;
const wsTarget = `http://${HOST}:${WS_UPSTREAM_PORT || UPSTREAM_PORT}`;
const tls = TLS_PORT && TLS_CERT && TLS_KEY
  ? { cert: fs.readFileSync(TLS_CERT), key: fs.readFileSync(TLS_KEY), minVersion: 'TLSv1.2' } : null;
const closers = [];

function listen(server, port) {
  server.listen(Number(port), HOST, () => console.log(`${KIND} pid=${process.pid} node=${process.version} listening ${HOST}:${port}`));
  closers.push(() => server.close());
}

if (KIND === 'http-proxy-3' || KIND === 'node-http-proxy') {
  const lib = KIND === 'http-proxy-3' ? require('http-proxy-3') : require('http-proxy');
  const create = lib.createProxyServer || lib.createProxy;
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });
  const proxy = create({ target, agent });
  const wsProxy = create({ target: wsTarget, ws: true });
  const onErr = (err, req, res) => {
    if (res && res.writeHead && !res.headersSent) res.writeHead(502);
    if (res && res.end) res.end();
    else if (res && res.destroy) res.destroy();
  };
  proxy.on('error', onErr);
  wsProxy.on('error', onErr);
  const handler = (req, res) => proxy.web(req, res);
  const upgrade = (req, socket, head) => wsProxy.ws(req, socket, head);
  const plain = http.createServer(handler).on('upgrade', upgrade);
  listen(plain, PORT);
  if (tls) listen(https.createServer(tls, handler).on('upgrade', upgrade), TLS_PORT);
} else if (KIND === 'fastify-proxy') {
  const make = (port, httpsOpts) => {
    const app = require('fastify')({ logger: false, ...(httpsOpts ? { https: httpsOpts } : {}) });
    app.register(require('@fastify/http-proxy'), {
      upstream: target,
      undici: { connections: null, pipelining: 1, keepAliveTimeout: 30_000 },
    });
    app.listen({ host: HOST, port: Number(port) }).then(
      () => console.log(`${KIND} pid=${process.pid} node=${process.version} listening ${HOST}:${port}`),
      (err) => { console.error(err); process.exit(1); });
    closers.push(() => app.close());
  };
  make(PORT, null);
  if (tls) make(TLS_PORT, tls);
} else {
  console.error('KIND must be http-proxy-3, node-http-proxy or fastify-proxy');
  process.exit(2);
}

const stop = () => { for (const c of closers) c(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
