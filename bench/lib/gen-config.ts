// Writes the same routing table three ways for bench/run.sh (docs/benchmarks/http.md "configured equivalently"):
//   <out>/portico/*.yaml     manifests for `portico serve --resources <out>/portico`
//   <out>/nginx-servers.conf one server block per host, one location per path, one upstream
//   <out>/haproxy-routes.map host+path prefix → backend name, looked up with map_beg on `base`
// Every route reaches the same backend (127.0.0.1:<backend-port>), as the same pod address
// behind many Services would; the WebSocket host reaches the echo backend.
//
// Usage: node bench/lib/gen-config.ts --out DIR --backend-port N --ws-port N
//          [--ingresses 100 --hosts 10 --paths 10 --services 10] [--tls-cert PEM --tls-key PEM]
//          [--http-port N --tls-port N]   (listen ports for the nginx server blocks)

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DOMAIN, hostName, makeFixture, pathName } from './fixture.ts';

const { values: a } = parseArgs({
  options: {
    out: { type: 'string' },
    'backend-port': { type: 'string' },
    'ws-port': { type: 'string' },
    ingresses: { type: 'string', default: '100' },
    hosts: { type: 'string', default: '10' },
    paths: { type: 'string', default: '10' },
    services: { type: 'string', default: '10' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'http-port': { type: 'string' },
    'tls-port': { type: 'string' },
  },
});
if (!a.out || !a['backend-port'] || !a['ws-port']) {
  process.stderr.write('usage: gen-config.ts --out DIR --backend-port N --ws-port N [...]\n');
  process.exit(2);
}
const out = a.out;
const shape = {
  ingresses: Number(a.ingresses),
  hostsPerIngress: Number(a.hosts),
  pathsPerHost: Number(a.paths),
  servicesPerIngress: Number(a.services),
  backendPort: Number(a['backend-port']),
  wsPort: Number(a['ws-port']),
  tls: a['tls-cert'] && a['tls-key']
    ? { certPem: readFileSync(a['tls-cert'], 'utf8'), keyPem: readFileSync(a['tls-key'], 'utf8') }
    : null,
};
const fx = makeFixture(shape);

// JSON is YAML: one document per object keeps the files fast to write and to parse.
const docs = (objs: readonly object[]): string => objs.map((o) => JSON.stringify(o)).join('\n---\n') + '\n';
mkdirSync(join(out, 'portico'), { recursive: true });
writeFileSync(join(out, 'portico', '00-class.yaml'), docs(fx.ingressClasses));
if (fx.secrets.length > 0) writeFileSync(join(out, 'portico', '01-secrets.yaml'), docs(fx.secrets));
writeFileSync(join(out, 'portico', '10-services.yaml'), docs(fx.services));
writeFileSync(join(out, 'portico', '20-endpointslices.yaml'), docs(fx.slices));
writeFileSync(join(out, 'portico', '30-ingresses.yaml'), docs(fx.ingresses));

// nginx: server_name per host, `location /api/sN/` per path (the requests always carry a
// sub-path, so the prefix location is equivalent to the Ingress Prefix rule for this load).
const listen = (a['http-port'] ? `    listen 127.0.0.1:${a['http-port']};\n` : '')
  + (a['tls-port'] ? `    listen 127.0.0.1:${a['tls-port']} ssl;\n` : '');
const proxy = '      proxy_pass http://backend;\n';
const nginx: string[] = [];
const hostsTotal = shape.ingresses * shape.hostsPerIngress;
for (let n = 0; n < hostsTotal; n++) {
  nginx.push(`  server {\n${listen}    server_name ${hostName(n)};\n`);
  for (let j = 0; j < shape.pathsPerHost; j++) nginx.push(`    location ${pathName(j)}/ {\n${proxy}    }\n`);
  nginx.push('  }\n');
}
nginx.push(`  server {\n${listen}    server_name ws.${BENCH_DOMAIN};\n    location / {\n      proxy_pass http://ws_backend;\n`
  + '      proxy_http_version 1.1;\n      proxy_set_header Upgrade $http_upgrade;\n      proxy_set_header Connection "upgrade";\n'
  + '      proxy_read_timeout 120s;\n    }\n  }\n');
writeFileSync(join(out, 'nginx-servers.conf'), nginx.join(''));

// HAProxy: longest-prefix map on `base` (Host + path), the way HAProxy users route many hosts.
const map: string[] = [];
for (let n = 0; n < hostsTotal; n++) {
  for (let j = 0; j < shape.pathsPerHost; j++) map.push(`${hostName(n)}${pathName(j)}/ be_app\n`);
}
map.push(`ws.${BENCH_DOMAIN}/ be_ws\n`);
writeFileSync(join(out, 'haproxy-routes.map'), map.join(''));

process.stdout.write(`rules=${fx.rules} hosts=${fx.hosts} ingresses=${fx.ingresses.length} services=${fx.services.length}\n`);
