import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm, mkdir, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSource } from '../../../src/sources/file/file-source.ts';
import type { SourceSink } from '../../../src/sources/source.ts';
import type { Diagnostic } from '../../../src/model/diagnostic.ts';
import { silentLogger } from '../../../src/util/logger.ts';

function recorder() {
  const events: string[] = [];
  let diags: readonly Diagnostic[] = [];
  let synced = false;
  const sink: SourceSink = {
    upsert: (kind, obj) => events.push(`upsert ${kind} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}`),
    remove: (kind, key) => events.push(`remove ${kind} ${key}`),
    synced: () => void (synced = true),
    sourceDiagnostics: (_s, d) => void (diags = d),
  };
  return { sink, events, diags: () => diags, synced: () => synced };
}

const svc = (name: string, port = 80) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ns}\nspec: {ports: [{port: ${port}}]}\n`;

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('loads a directory recursively, then sends only differences on change', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portico-fs-'));
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'a.yaml'), svc('a'));
  await writeFile(join(dir, 'sub', 'b.yml'), svc('b'));
  await writeFile(join(dir, 'notes.txt'), 'not a manifest');
  const r = recorder();
  const src = new FileSource({ paths: [dir], logger: silentLogger(), debounceMs: 20 });
  try {
    await src.start(r.sink);
    assert.equal(r.synced(), true);
    assert.deepEqual(r.events.sort(), ['upsert Service ns/a', 'upsert Service ns/b']);
    r.events.length = 0;

    await writeFile(join(dir, 'a.yaml'), svc('a')); // same content: nothing to send
    await writeFile(join(dir, 'sub', 'b.yml'), svc('b', 81));
    await waitFor(() => r.events.length > 0);
    await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual(r.events, ['upsert Service ns/b']);
    r.events.length = 0;

    await unlink(join(dir, 'a.yaml'));
    await waitFor(() => r.events.length > 0);
    assert.deepEqual(r.events, ['remove Service ns/a']);
  } finally {
    await src.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a file broken by an edit keeps its last good objects and reports why', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portico-fs-'));
  const file = join(dir, 'a.yaml');
  await writeFile(file, svc('a') + '---\n' + svc('c'));
  const r = recorder();
  const src = new FileSource({ paths: [dir], logger: silentLogger(), debounceMs: 20 });
  try {
    await src.start(r.sink);
    r.events.length = 0;
    await writeFile(file, 'apiVersion: v1\nkind: Service\nmetadata: {name: [oops\n');
    await waitFor(() => r.diags().length > 0);
    assert.deepEqual(r.events, [], 'nothing removed');
    assert.deepEqual(r.diags().map((d) => d.reason).sort(), ['InvalidManifest', 'KeptLastGood']);
    // Fixing the file drops the diagnostics and applies the new content.
    await writeFile(file, svc('a'));
    await waitFor(() => r.events.length > 0 && r.diags().length === 0);
    assert.deepEqual(r.events, ['remove Service ns/c']);
  } finally {
    await src.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('the same object in two files: the first file wins, the duplicate is reported', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portico-fs-'));
  await writeFile(join(dir, '1.yaml'), svc('a', 80));
  await writeFile(join(dir, '2.yaml'), svc('a', 81));
  const r = recorder();
  const src = new FileSource({ paths: [dir], logger: silentLogger(), watch: false });
  try {
    await src.start(r.sink);
    assert.deepEqual(r.events, ['upsert Service ns/a']);
    assert.equal(r.diags()[0].reason, 'DuplicateObject');
    assert.match(r.diags()[0].message, /1\.yaml/);
  } finally {
    await src.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
