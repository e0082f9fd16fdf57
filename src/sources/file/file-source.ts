import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from '../../util/logger.ts';
import type { Source, SourceSink } from '../source.ts';
import { ManifestSet, type ManifestEntry } from './manifest-set.ts';

export interface FileSourceOptions {
  readonly paths: readonly string[];
  readonly logger: Logger;
  /** Watch the files and reload on change (README "CLI": served within 1 s). Default true. */
  readonly watch?: boolean;
  /** Quiet period after the last file event before reloading. */
  readonly debounceMs?: number;
}

/**
 * Manifest files → the same object events the Kubernetes source produces. Every reload reads all
 * files again and sends only the difference, so a rewrite with the same content changes nothing.
 */
export class FileSource implements Source {
  readonly name = 'file';
  private readonly opts: FileSourceOptions;
  private readonly set: ManifestSet;
  private current = new Map<string, ManifestEntry>();
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reloading: Promise<void> | null = null;
  private again = false;
  private sink: SourceSink | null = null;
  private stopped = false;

  constructor(opts: FileSourceOptions) {
    this.opts = opts;
    this.set = new ManifestSet(opts.paths);
  }

  async start(sink: SourceSink): Promise<void> {
    this.sink = sink;
    await this.reload();
    sink.synced(this.name);
    if (this.opts.watch ?? true) {
      this.watcher = watch([...this.opts.paths], {
        ignoreInitial: true,
        // Editors and `kubectl cp` write in pieces; wait until the size settles.
        awaitWriteFinish: { stabilityThreshold: 60, pollInterval: 20 },
      });
      this.watcher.on('all', () => this.schedule());
      this.watcher.on('error', (err) => this.opts.logger.warn({ err: String(err) }, 'file watcher error'));
      await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.watcher?.close();
    await this.reloading;
  }

  /** Read every file again now and send the difference (also SIGHUP, via RunningApp.reload). */
  reload(): Promise<void> {
    if (this.reloading) {
      this.again = true;
      return this.reloading;
    }
    this.reloading = this.doReload().finally(() => {
      this.reloading = null;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.reload();
      }
    });
    return this.reloading;
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.reload();
    }, this.opts.debounceMs ?? 50);
  }

  private async doReload(): Promise<void> {
    const sink = this.sink!;
    const load = await this.set.load();
    const next = load.entries;
    for (const [id, e] of this.current) {
      if (!next.has(id)) sink.remove(e.kind, e.key);
    }
    for (const [id, e] of next) {
      const prev = this.current.get(id);
      if (!prev || prev.digest !== e.digest) sink.upsert(e.kind, e.obj);
    }
    this.current = next;
    sink.sourceDiagnostics(this.name, load.diagnostics);
    this.opts.logger.debug({ files: load.files.length, objects: next.size }, 'manifests loaded');
  }
}
