// Where the webhook's serving certificate comes from, and when it changes. Two forms, as
// cert-manager delivers them: a TLS Secret (read from the same store the gateway serves from, so
// a renewed Secret is picked up with the next snapshot) or PEM files (a mounted Secret volume:
// the kubelet swaps the `..data` symlink atomically, which a directory watch sees).

import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { Secret } from '../k8s/types.ts';
import type { StoreView } from '../store/store.ts';

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

export interface TlsSource {
  /** The material now, or null when none is available yet (handshakes fail until it is). */
  read(): TlsMaterial | null;
  /** Call `cb` when the material may have changed (it is compared before anything is reloaded). */
  watch(cb: () => void): void;
  close(): void;
}

/** PEM files (`tls.crt`/`tls.key` of a mounted Secret, or any pair of paths). */
export class FileTlsSource implements TlsSource {
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;

  private readonly certFile: string;
  private readonly keyFile: string;

  constructor(certFile: string, keyFile: string) {
    this.certFile = certFile;
    this.keyFile = keyFile;
  }

  read(): TlsMaterial | null {
    try {
      return { cert: readFileSync(this.certFile, 'utf8'), key: readFileSync(this.keyFile, 'utf8') };
    } catch {
      return null;
    }
  }

  watch(cb: () => void): void {
    for (const dir of new Set([dirname(this.certFile), dirname(this.keyFile)])) {
      try {
        const w = watch(dir, () => {
          // A rotation writes several entries; reload once they settled.
          if (this.timer) clearTimeout(this.timer);
          this.timer = setTimeout(cb, 100);
        });
        w.on('error', () => {});
        this.watchers.push(w);
      } catch {
        // A directory that cannot be watched still serves what was read at start.
      }
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}

/** A `kubernetes.io/tls` Secret in the store (`ns/name`). `changed()` is called after each apply. */
export class SecretTlsSource implements TlsSource {
  private cb: (() => void) | null = null;

  private readonly store: StoreView;
  private readonly key: string;

  constructor(store: StoreView, key: string) {
    this.store = store;
    this.key = key;
  }

  read(): TlsMaterial | null {
    const s = this.store.get('Secret', this.key);
    const cert = field(s, 'tls.crt');
    const key = field(s, 'tls.key');
    return cert && key ? { cert, key } : null;
  }

  watch(cb: () => void): void {
    this.cb = cb;
  }

  changed(): void {
    this.cb?.();
  }

  close(): void {
    this.cb = null;
  }
}

function field(s: Secret | undefined, name: string): string | null {
  const b64 = s?.data?.[name];
  if (typeof b64 === 'string' && b64 !== '') return Buffer.from(b64, 'base64').toString('utf8');
  const plain = s?.stringData?.[name];
  return typeof plain === 'string' && plain !== '' ? plain : null;
}
