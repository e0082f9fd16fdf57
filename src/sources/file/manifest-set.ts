import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { objectKey } from '../../k8s/keys.ts';
import type { Kind, KubeObject } from '../../k8s/types.ts';
import { diagnostic, type Diagnostic } from '../../model/diagnostic.ts';
import { discoverManifestFiles } from './discover.ts';
import { parseManifestText, type ManifestObject } from './manifests.ts';

export interface ManifestEntry {
  readonly kind: Kind;
  readonly key: string;
  readonly obj: KubeObject;
  readonly origin: string;
  /** Digest of the object's JSON, to tell a real change from a rewrite of the same text. */
  readonly digest: string;
}

export interface ManifestLoad {
  /** `kind|key` → entry. */
  readonly entries: Map<string, ManifestEntry>;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
}

/**
 * The objects of every manifest file, remembering each file's last good parse: a file caught
 * half-written or broken by an edit keeps serving what it said before (README "Bad input",
 * "the last good configuration keeps serving").
 */
export class ManifestSet {
  private readonly paths: readonly string[];
  private readonly lastGood = new Map<string, ManifestObject[]>();

  constructor(paths: readonly string[]) {
    this.paths = paths;
  }

  async load(): Promise<ManifestLoad> {
    const diagnostics: Diagnostic[] = [];
    const { files, missing } = await discoverManifestFiles(this.paths);
    for (const m of missing) {
      diagnostics.push(diagnostic({ kind: 'File', namespace: '', name: m }, 'ResourcesNotFound', `--resources path ${m} does not exist`, 'error', m));
    }
    for (const f of [...this.lastGood.keys()]) if (!files.includes(f)) this.lastGood.delete(f);

    const entries = new Map<string, ManifestEntry>();
    for (const file of files) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        diagnostics.push(diagnostic({ kind: 'File', namespace: '', name: file }, 'InvalidManifest', `cannot read: ${(err as Error).message}`, 'error', file));
        continue;
      }
      const parsed = parseManifestText(text, file);
      diagnostics.push(...parsed.diagnostics);
      let objects = parsed.objects;
      if (parsed.unreadable && this.lastGood.has(file)) {
        objects = this.lastGood.get(file)!;
        diagnostics.push(diagnostic({ kind: 'File', namespace: '', name: file }, 'KeptLastGood', 'file has a syntax error; its last good objects keep serving', 'warning', file));
      } else {
        this.lastGood.set(file, objects);
      }
      for (const o of objects) {
        const key = objectKey(o.obj);
        const id = `${o.kind}|${key}`;
        const prior = entries.get(id);
        if (prior) {
          // Files are read in sorted order: the first definition wins, as with kubectl apply of
          // a sorted directory the last would — we prefer a stable, reported choice.
          diagnostics.push(diagnostic({ kind: o.kind, namespace: o.obj.metadata?.namespace ?? '', name: o.obj.metadata?.name ?? '' },
            'DuplicateObject', `also defined at ${prior.origin}; that definition is used`, 'error', o.origin));
          continue;
        }
        entries.set(id, { kind: o.kind, key, obj: o.obj, origin: o.origin, digest: createHash('sha1').update(JSON.stringify(o.obj)).digest('base64') });
      }
    }
    return { entries, diagnostics, files };
  }
}
