// Secrets of any type that an Ingress's access annotations reference (auth-secret: basic-auth
// htpasswd files are usually `Opaque`), read in cluster mode without reading every Secret:
// one watch per referenced name, `fieldSelector=metadata.name=<name>` in its namespace, started
// when the first Ingress names it and stopped when the last one stops (least privilege: with a
// metadata.name field selector the API server authorises the list/watch by resourceNames, so RBAC
// can be narrowed to the names in use; deploy/rbac.yaml). TLS Secrets keep coming from the
// type=kubernetes.io/tls watch.

import type { KubeConfig } from '@kubernetes/client-node';
import { objectKey, splitKey } from '../../k8s/keys.ts';
import type { KubeObject } from '../../k8s/types.ts';
import { accessSecretRefs } from '../../k8s/annotations/access-policy.ts';
import type { Logger } from '../../util/logger.ts';
import { KindWatcher, errorMessage, type BackoffOptions } from './kind-watcher.ts';
import { WATCHED_RESOURCES } from './resources.ts';

interface Watched {
  readonly watcher: KindWatcher;
  readonly users: Set<string>;
  listed: boolean;
  /** The Secret is also delivered by the TLS watch: never remove it from here. */
  tls: boolean;
}

export interface ReferencedSecretsSink {
  upsert(obj: KubeObject): void;
  remove(key: string): void;
  /** Every watch started so far has listed once. */
  listed(): void;
}

export class ReferencedSecrets {
  private readonly watched = new Map<string, Watched>();
  private readonly byIngress = new Map<string, string[]>();
  private stopped = false;

  private readonly kc: KubeConfig;
  private readonly logger: Logger;
  private readonly sink: ReferencedSecretsSink;
  private readonly opts: { pageSize: number; backoff: BackoffOptions; namespace: string | null };

  constructor(kc: KubeConfig, logger: Logger, sink: ReferencedSecretsSink, opts: { pageSize: number; backoff: BackoffOptions; namespace: string | null }) {
    this.kc = kc;
    this.logger = logger;
    this.sink = sink;
    this.opts = opts;
  }

  /** True while a started watch has not listed yet (the cold start waits for it). */
  get pending(): boolean {
    for (const w of this.watched.values()) if (!w.listed) return true;
    return false;
  }

  /** An Ingress was upserted (obj) or removed (undefined): follow its references. */
  ingress(key: string, obj: KubeObject | undefined): void {
    if (this.stopped) return;
    const next = obj === undefined ? [] : accessSecretRefs(obj).filter((r) => this.opts.namespace === null || splitKey(r).namespace === this.opts.namespace);
    const prev = this.byIngress.get(key) ?? [];
    if (next.length === 0) this.byIngress.delete(key);
    else this.byIngress.set(key, next);
    for (const r of next) if (!prev.includes(r)) this.use(r, key);
    for (const r of prev) if (!next.includes(r)) this.release(r, key);
  }

  /** Read every watched Secret from the API again (SIGHUP; kind-watcher.ts relist). */
  async relist(): Promise<void> {
    await Promise.all([...this.watched.values()].map((w) => w.watcher.relist()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.watched.values()].map((w) => w.watcher.stop()));
    this.watched.clear();
  }

  private use(ref: string, ingress: string): void {
    const have = this.watched.get(ref);
    if (have !== undefined) {
      have.users.add(ingress);
      return;
    }
    const { namespace, name } = splitKey(ref);
    const resource = { ...WATCHED_RESOURCES.Secret, fieldSelector: `metadata.name=${name}` };
    const w: Watched = {
      users: new Set([ingress]),
      listed: false,
      tls: false,
      watcher: new KindWatcher(this.kc, resource, namespace, {
        upsert: (obj) => {
          w.tls = (obj as { type?: unknown }).type === 'kubernetes.io/tls';
          if (objectKey(obj) === ref) this.sink.upsert(obj);
        },
        remove: (key) => {
          if (key === ref) this.sink.remove(key);
        },
        listed: () => {
          w.listed = true;
          if (!this.pending) this.sink.listed();
        },
        watching: () => {},
        failed: (err, retryInMs) => {
          // A denied or failing watch leaves the Secret absent: the Ingress stays refused, never open.
          w.listed = true;
          this.logger.warn({ source: 'kube', secret: ref, err: errorMessage(err), retryInMs }, 'watch of a referenced Secret failed; retrying');
          if (!this.pending) this.sink.listed();
        },
      }, { pageSize: this.opts.pageSize, backoff: this.opts.backoff }),
    };
    this.watched.set(ref, w);
    void w.watcher.start();
  }

  private release(ref: string, ingress: string): void {
    const w = this.watched.get(ref);
    if (w === undefined) return;
    w.users.delete(ingress);
    if (w.users.size > 0) return;
    this.watched.delete(ref);
    void w.watcher.stop();
    if (!w.tls) this.sink.remove(ref);
  }
}
