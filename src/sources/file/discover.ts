import { readdir, stat } from 'node:fs/promises';
import { join, extname, basename } from 'node:path';

export const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Files named by `--resources` (files or directories, searched recursively), sorted. */
export async function discoverManifestFiles(paths: readonly string[]): Promise<{ files: string[]; missing: string[] }> {
  const files = new Set<string>();
  const missing: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = await stat(p);
    } catch {
      missing.push(p);
      continue;
    }
    if (st.isDirectory()) await walk(p, files);
    else files.add(p);
  }
  return { files: [...files].sort(), missing };
}

async function walk(dir: string, out: Set<string>): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    // Hidden entries include Kubernetes' atomic-writer `..data` folders of mounted ConfigMaps;
    // the visible symlinks point at the same files.
    if (basename(e.name).startsWith('.')) continue;
    const full = join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      try {
        const st = await stat(full);
        isDir = st.isDirectory();
        isFile = st.isFile();
      } catch {
        continue;
      }
    }
    if (isDir) await walk(full, out);
    else if (isFile && MANIFEST_EXTENSIONS.has(extname(e.name).toLowerCase())) out.add(full);
  }
}
