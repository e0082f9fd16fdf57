// A TLS client for the admission webhook: POSTs a body and returns status, text and the
// certificate the server presented (so hot-reload tests see which one is served).
import { request } from 'node:https';
import type { PeerCertificate, TLSSocket } from 'node:tls';

export const WEBHOOK_NAME = 'portico-webhook.portico.svc';

export interface PostResult { status: number; text: string; json: () => any; peer: PeerCertificate }

export function post(port: number, ca: string | string[], body: string, opts: { path?: string; method?: string; contentType?: string } = {}): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, servername: WEBHOOK_NAME, ca, method: opts.method ?? 'POST', path: opts.path ?? '/validate',
      headers: { 'content-type': opts.contentType ?? 'application/json' }, agent: false,
    }, (res) => {
      const peer = (res.socket as TLSSocket).getPeerCertificate();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text), peer });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

let uid = 0;

export function review(object: unknown, operation = 'CREATE', extra: Record<string, unknown> = {}): string {
  const o = object as { metadata?: { name?: string; namespace?: string } };
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `uid-${++uid}`,
      kind: { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' },
      resource: { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' },
      operation,
      name: o.metadata?.name,
      namespace: o.metadata?.namespace,
      object,
      ...extra,
    },
  });
}
