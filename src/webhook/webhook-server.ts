// The validating admission webhook's HTTPS server (node:https; the admin server's fastify stays in
// admin/). Hostile or broken input gets a 4xx and never reaches anything but JSON.parse and the
// pure translate pipeline; the server never exits because of a request.

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureContext } from 'node:tls';
import { Counter, Histogram } from 'prom-client';
import { listenOn } from '../dataplane/listen.ts';
import type { StoreView } from '../store/store.ts';
import type { TranslateOptions } from '../translate/index.ts';
import type { Logger } from '../util/logger.ts';
import type { Metrics } from '../util/metrics.ts';
import { admissionResponse, MalformedReview, parseAdmissionReview, type AdmissionVerdict } from './admission-review.ts';
import { reviewIngress } from './review-ingress.ts';
import type { TlsMaterial, TlsSource } from './webhook-tls.ts';

/**
 * What a review that ran out of its time budget answers: `closed` denies, `open` allows (with a
 * warning), `refused` (default) judges the object alone — its own annotations and fields, without
 * the store — and denies only what Portico would refuse to serve whatever else exists.
 */
export type WebhookFailureMode = 'open' | 'closed' | 'refused';

export interface WebhookOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: TlsSource;
  readonly store: StoreView;
  readonly translate: Omit<TranslateOptions, 'version'>;
  readonly budgetMs: number;
  readonly failureMode: WebhookFailureMode;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * False until every source synced: before that the store is partial, so a review would miss
   * conflicts with objects not yet listed; the object is then judged on its own (as over budget).
   */
  readonly ready?: () => boolean;
  /** Test hook: time spent before the review starts (a slow body, a busy event loop). */
  readonly clock?: () => number;
}

/** Kubernetes objects are at most 1.5 MiB in etcd; a review carries the object twice. */
const MAX_BODY = 4 * 1024 * 1024;
export const WEBHOOK_PATH = '/validate';

/** The webhook's metrics, registered once per registry. */
export function webhookMetrics(metrics: Metrics): { reviews: Counter<'verdict'>; duration: Histogram; tlsReloads: Counter<'result'> } {
  const r = metrics.registry;
  return {
    reviews: (r.getSingleMetric('portico_webhook_reviews_total') as Counter<'verdict'> | undefined) ?? new Counter({
      name: 'portico_webhook_reviews_total', help: 'Admission reviews answered, by verdict (allowed, denied, fallback, malformed).', labelNames: ['verdict'], registers: [r],
    }),
    duration: (r.getSingleMetric('portico_webhook_review_duration_seconds') as Histogram | undefined) ?? new Histogram({
      name: 'portico_webhook_review_duration_seconds', help: 'Time from an admission request to its answer.', buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5], registers: [r],
    }),
    tlsReloads: (r.getSingleMetric('portico_webhook_tls_reloads_total') as Counter<'result'> | undefined) ?? new Counter({
      name: 'portico_webhook_tls_reloads_total', help: 'Webhook serving certificate reloads, by result (ok, invalid).', labelNames: ['result'], registers: [r],
    }),
  };
}

export class WebhookServer {
  private readonly o: WebhookOptions;
  private readonly server: Server;
  private material: TlsMaterial | null;
  private readonly reviews: Counter<'verdict'>;
  private readonly duration: Histogram;
  private readonly tlsReloads: Counter<'result'>;

  constructor(opts: WebhookOptions) {
    this.o = opts;
    ({ reviews: this.reviews, duration: this.duration, tlsReloads: this.tlsReloads } = webhookMetrics(opts.metrics));
    this.material = opts.tls.read();
    this.server = createServer({
      minVersion: 'TLSv1.2',
      ...(this.material ? { cert: this.material.cert, key: this.material.key } : {}),
      // The API server sends small requests and expects an answer within its timeoutSeconds.
      requestTimeout: Math.max(1000, opts.budgetMs * 4),
      headersTimeout: Math.max(1000, opts.budgetMs * 2),
    }, (req, res) => this.handle(req, res));
    this.server.on('tlsClientError', () => {}); // scanners and mismatched clients: not our problem
    this.server.on('clientError', (_err, socket) => socket.destroy());
    opts.tls.watch(() => this.reloadTls());
  }

  async listen(): Promise<number> {
    if (!this.material) this.o.logger.warn('admission webhook: no serving certificate yet; TLS handshakes fail until it appears');
    const port = await listenOn(this.server, { host: this.o.host, port: this.o.port });
    this.o.logger.info({ address: this.o.host, port }, 'admission webhook listening');
    return port;
  }

  close(): Promise<void> {
    this.o.tls.close();
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  /** Re-read the material; swap the context only when it changed and the pair is usable. */
  reloadTls(): void {
    const next = this.o.tls.read();
    if (!next || (this.material && next.cert === this.material.cert && next.key === this.material.key)) return;
    try {
      createSecureContext({ cert: next.cert, key: next.key }); // throws on a bad or mismatched pair
      this.server.setSecureContext({ minVersion: 'TLSv1.2', cert: next.cert, key: next.key });
      this.material = next;
      this.tlsReloads.inc({ result: 'ok' });
      this.o.logger.info('admission webhook: serving certificate reloaded');
    } catch (err) {
      this.tlsReloads.inc({ result: 'invalid' });
      this.o.logger.warn({ error: (err as Error).message }, 'admission webhook: new certificate unusable; keeping the previous one');
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const clock = this.o.clock ?? performance.now.bind(performance);
    const started = clock();
    const path = (req.url ?? '').split('?')[0];
    if (path !== WEBHOOK_PATH) return plain(res, 404, 'not found');
    if (req.method !== 'POST') return plain(res, 405, 'POST an AdmissionReview');
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') return plain(res, 415, 'content-type must be application/json');
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > MAX_BODY) {
        done = true;
        this.reviews.inc({ verdict: 'malformed' });
        plain(res, 413, 'AdmissionReview too large');
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => {
      done = true;
      res.destroy();
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      this.answer(Buffer.concat(chunks).toString('utf8'), started, clock, res);
    });
  }

  private answer(text: string, started: number, clock: () => number, res: ServerResponse): void {
    let review;
    try {
      review = parseAdmissionReview(text);
    } catch (err) {
      this.reviews.inc({ verdict: 'malformed' });
      return plain(res, 400, err instanceof MalformedReview ? err.message : 'malformed AdmissionReview');
    }
    const now = new Date().toISOString();
    let verdict: AdmissionVerdict;
    let label: string;
    try {
      if (clock() - started > this.o.budgetMs || (this.o.ready && !this.o.ready())) {
        verdict = this.fallback(review, now);
        label = 'fallback';
      } else {
        verdict = reviewIngress(review, this.o.store, { translate: this.o.translate, now });
        label = verdict.allowed ? 'allowed' : 'denied';
      }
    } catch (err) {
      // Translate does not throw on user input; a bug must still answer per the failure mode.
      this.o.logger.error({ err, uid: review.uid }, 'admission review failed');
      verdict = this.fallback(review, now);
      label = 'fallback';
    }
    this.reviews.inc({ verdict: label });
    this.duration.observe((clock() - started) / 1000);
    const body = admissionResponse(review.uid, verdict);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private fallback(review: ReturnType<typeof parseAdmissionReview>, now: string): AdmissionVerdict {
    const note = `Portico could not review this object within ${this.o.budgetMs} ms`;
    switch (this.o.failureMode) {
      case 'open':
        return { allowed: true, warnings: [`${note}; allowed unchecked (--webhook-failure-mode open)`] };
      case 'closed':
        return { allowed: false, message: `${note}; denied (--webhook-failure-mode closed)` };
      default: {
        try {
          const v = reviewIngress(review, this.o.store, { translate: this.o.translate, now, objectOnly: true });
          return { ...v, warnings: [`${note}; checked on its own, without the other objects`, ...(v.warnings ?? [])] };
        } catch {
          return { allowed: false, message: `${note}; denied` };
        }
      }
    }
  }
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
  res.end(`${text}\n`);
}
