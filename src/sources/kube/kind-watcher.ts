import { ListWatch, Watch } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { objectKey } from '../../k8s/keys.ts';
import type { KubeObject } from '../../k8s/types.ts';
import { listAll } from './list.ts';
import { normaliseObject } from './normalise.ts';
import type { WatchedResource } from './resources.ts';
import { collectionPath } from './resources.ts';

export interface KindWatcherHandlers {
  upsert(obj: KubeObject): void;
  remove(key: string): void;
  /** A list completed and its items were delivered (initial sync, or a relist after 410). */
  listed(): void;
  /** The watch (re)connected after a start without an error. */
  watching(): void;
  /** The informer stopped on an error; a restart is scheduled after `retryInMs`. */
  failed(err: unknown, retryInMs: number): void;
}

export interface BackoffOptions {
  /** First restart delay. Default 1000 ms. */
  baseMs: number;
  /** Cap. Default 30000 ms. */
  maxMs: number;
  /** A run that stayed up this long resets the backoff. Default 60000 ms. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 30000, resetAfterMs: 60000 };

/**
 * One informer (ListWatch) for one kind, restarted forever (SPEC §6.4): the
 * library emits `error` and stops for good on a failed list, a refused connection or a non-410
 * HTTP error, so every `error` schedules `start()` again after an exponential delay with equal
 * jitter (replicas do not retry in step). The informer keeps its cache and resourceVersion across
 * restarts: a restart resumes the watch, a 410 makes it relist, and the relist diff reports the
 * deletions missed meanwhile. Reconnects after a stream ends are the library's own.
 */
export class KindWatcher {
  readonly resource: WatchedResource;
  /** Replaced by relist(); events of a replaced informer are ignored. */
  private informer: ListWatch<KubernetesObject>;
  private readonly handlers: KindWatcherHandlers;
  private readonly backoff: BackoffOptions;
  private readonly makeInformer: () => ListWatch<KubernetesObject>;
  private stopped = false;
  private attempts = 0;
  private errors = 0;
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private listedTimer: NodeJS.Immediate | undefined;
  /** Keys a replaced informer held, reconciled with the next list that completes (relist). */
  private replaced: Set<string> | null = null;
  /** The caller of relist() waiting for that list. */
  private waiter: { resolve(): void; reject(err: Error): void } | null = null;

  constructor(kc: KubeConfig, resource: WatchedResource, namespace: string | null, handlers: KindWatcherHandlers,
    opts: { pageSize: number; backoff: BackoffOptions }) {
    this.resource = resource;
    this.handlers = handlers;
    this.backoff = opts.backoff;
    const ns = resource.namespaced ? namespace : null;
    this.makeInformer = () => {
      const informer: ListWatch<KubernetesObject> = new ListWatch(collectionPath(resource, ns), new Watch(kc), async () => {
        const list = await listAll(kc, resource, ns, opts.pageSize);
        // The library diffs the items against its cache synchronously once this promise settles;
        // setImmediate runs after that, so `listed` follows the last add/update/delete of the list.
        this.listedTimer = setImmediate(() => {
          this.listedTimer = undefined;
          if (!this.stopped && informer === this.informer) this.onListed();
        });
        return list as unknown as { metadata: { resourceVersion: string }; items: KubernetesObject[] };
      }, false, undefined, resource.fieldSelector);
      const up = (o: KubernetesObject) => {
        if (informer === this.informer) this.handlers.upsert(normaliseObject(resource, o as KubeObject));
      };
      informer.on('add', up);
      informer.on('update', up);
      informer.on('delete', (o) => {
        if (informer === this.informer) this.handlers.remove(objectKey(o as KubeObject));
      });
      informer.on('error', (err) => {
        if (informer === this.informer) this.onError(err);
      });
      return informer;
    };
    this.informer = this.makeInformer();
  }

  start(): Promise<void> {
    this.stopped = false;
    return this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.listedTimer) clearImmediate(this.listedTimer);
    this.timer = undefined;
    this.listedTimer = undefined;
    this.settle(null);
    await this.informer.stop();
  }

  /**
   * Read the whole collection from the API again (SIGHUP), whatever the watch delivered: a new
   * informer lists it and watches on from that list's resourceVersion, and what the replaced one
   * held that the list no longer has is removed. Resolves once the list is delivered; rejects when
   * it failed (the watcher then retries with its backoff, as after any failure).
   */
  relist(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const old = this.informer;
    const held = (this.replaced ??= new Set());
    for (const o of old.list()) held.add(objectKey(o as KubeObject));
    this.informer = this.makeInformer();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.listedTimer) clearImmediate(this.listedTimer);
    this.listedTimer = undefined;
    void old.stop();
    this.settle(null);
    const done = new Promise<void>((resolve, reject) => { this.waiter = { resolve, reject }; });
    void this.run();
    return done;
  }

  /** Answer the relist() caller: resolved (`null`) or failed. */
  private settle(err: unknown): void {
    const w = this.waiter;
    this.waiter = null;
    if (w === null) return;
    if (err === null) w.resolve();
    else w.reject(err instanceof Error ? err : new Error(errorMessage(err)));
  }

  private onListed(): void {
    const gone = this.replaced;
    if (gone !== null) {
      this.replaced = null;
      for (const o of this.informer.list()) gone.delete(objectKey(o as KubeObject));
      for (const key of gone) this.handlers.remove(key);
    }
    this.attempts = 0;
    this.handlers.listed();
    this.settle(null);
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    const errorsBefore = this.errors;
    this.startedAt = Date.now();
    // start() resolves once the watch request has its response headers, or after it failed
    // (the failure has then already been reported through `error`, SPEC §6.4).
    await this.informer.start();
    if (!this.stopped && this.errors === errorsBefore) this.handlers.watching();
  }

  private onError(err: unknown): void {
    // stop() aborts the request, which some versions report as an error (SPEC §6.4).
    if (this.stopped) return;
    this.settle(err);
    this.errors++;
    if (Date.now() - this.startedAt >= this.backoff.resetAfterMs) this.attempts = 0;
    const cap = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** this.attempts);
    const delay = Math.round(cap / 2 + Math.random() * (cap / 2));
    this.attempts = Math.min(this.attempts + 1, 30);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), delay);
    this.handlers.failed(err, delay);
  }
}

/** The HTTP status of an error from the client library or from listAll, if any. */
export function errorCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown } | null;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  if (typeof e?.code === 'number') return e.code;
  return undefined;
}

/** A short readable description (ApiException messages embed every response header). */
export function errorMessage(err: unknown): string {
  const e = err as { code?: unknown; body?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | null;
  const code = errorCode(err);
  const body = e?.body as { message?: unknown } | string | undefined;
  const bodyMsg = typeof body === 'object' && body && typeof body.message === 'string' ? body.message : undefined;
  let msg = bodyMsg ?? (typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err));
  if (e?.cause && typeof e.cause.code === 'string') msg += ` (${e.cause.code})`;
  return code !== undefined && !msg.startsWith(String(code)) ? `${code}: ${msg}` : msg;
}
