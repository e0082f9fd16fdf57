// Child process for the cluster benchmark: a fake API server holding N Ingresses, Services and
// EndpointSlices, so that its memory is not counted in the measured process. Prints its URL.
import { FakeApiServer } from '../../test/support/fake-apiserver.ts';

const n = Number(process.argv[2] ?? 10000);
const server = new FakeApiServer({ historyLimit: 100 });
for (let i = 0; i < n; i++) {
  const ns = `ns-${i % 100}`;
  const name = `app-${i}`;
  server.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, labels: { app: name } },
    spec: { type: 'ClusterIP', clusterIP: `10.96.${(i >> 8) & 255}.${i & 255}`, selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } });
  server.apply({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: `${name}-abcde`, namespace: ns, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [1, 2, 3].map((k) => ({ addresses: [`10.${k}.${(i >> 8) & 255}.${i & 255}`], conditions: { ready: true, serving: true, terminating: false }, nodeName: `node-${k}` })) });
  server.apply({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: ns, annotations: { 'portico.io/ssl-redirect': 'false' } },
    spec: { ingressClassName: 'portico', rules: [{ host: `${name}.example.com`, http: { paths: [
      { path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } },
      { path: '/api', pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } },
    ] } }] } });
}
server.apply({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'portico' }, spec: { controller: 'portico.io/ingress-controller' } });
await server.start();
process.stdout.write(`${server.url}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
