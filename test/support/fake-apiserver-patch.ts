// Patch semantics of the fake API server: JSON merge patch (RFC 7386; strategic merge patch is
// treated as a merge patch, which is exact for the fields Portico patches) and JSON Patch (RFC 6902).

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

interface Op { op: string; path: string; value?: unknown; from?: string }

 
export function applyJsonPatch(doc: any, ops: Op[]): any {
  if (!Array.isArray(ops)) throw Object.assign(new Error('json patch must be an array'), { status: 400 });
  for (const o of ops) {
    switch (o.op) {
      case 'add': doc = setAt(doc, pointer(o.path), o.value, 'add'); break;
      case 'replace': getAt(doc, pointer(o.path)); doc = setAt(doc, pointer(o.path), o.value, 'replace'); break;
      case 'remove': doc = removeAt(doc, pointer(o.path)); break;
      case 'copy': doc = setAt(doc, pointer(o.path), structuredClone(getAt(doc, pointer(o.from ?? ''))), 'add'); break;
      case 'move': {
        const v = getAt(doc, pointer(o.from ?? ''));
        doc = removeAt(doc, pointer(o.from ?? ''));
        doc = setAt(doc, pointer(o.path), v, 'add');
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(doc, pointer(o.path))) !== JSON.stringify(o.value)) throw new Error(`json patch test failed at ${o.path}`);
        break;
      default: throw new Error(`unknown json patch op ${o.op}`);
    }
  }
  return doc;
}

function pointer(p: string): string[] {
  if (p === '') return [];
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

 
function getAt(doc: any, path: string[]): any {
  let cur = doc;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object' || !(k in cur)) throw new Error(`json patch: path /${path.join('/')} not found`);
    cur = cur[k];
  }
  return cur;
}

 
function setAt(doc: any, path: string[], value: unknown, mode: 'add' | 'replace'): any {
  if (path.length === 0) return value;
  const parent = getAt(doc, path.slice(0, -1));
  const last = path[path.length - 1];
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (mode === 'add') parent.splice(i, 0, value);
    else parent[i] = value;
  } else parent[last] = value;
  return doc;
}

 
function removeAt(doc: any, path: string[]): any {
  const parent = getAt(doc, path.slice(0, -1));
  const last = path[path.length - 1];
  getAt(doc, path);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
  return doc;
}
