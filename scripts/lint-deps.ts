// Checks the dependency direction of ARCHITECTURE.md mechanically (part of `npm test`).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

// PORTICO_LINT_ROOT lets the lint's own test point it at a tree with planted violations.
const root = resolve(process.env.PORTICO_LINT_ROOT ?? resolve(import.meta.dirname, '..'));
const src = join(root, 'src');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

interface Import { spec: string; typeOnly: boolean; line: number }

function imports(file: string): Import[] {
  const out: Import[] = [];
  const text = readFileSync(file, 'utf8');
  const re = /^\s*(import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const spec = m[3] ?? m[4];
    const line = text.slice(0, m.index).split('\n').length;
    out.push({ spec, typeOnly: Boolean(m[2]), line });
  }
  return out;
}

/** Top area of a src file: 'model', 'dataplane', 'app.ts'… */
function area(rel: string): string {
  return rel.split('/')[0];
}

const problems: string[] = [];
const files = walk(src);
for (const file of files) {
  const rel = relative(src, file);
  const from = area(rel);
  for (const imp of imports(file)) {
    const where = `src/${rel}:${imp.line}`;
    let target: string | null = null;
    if (imp.spec.startsWith('.')) {
      const abs = resolve(dirname(file), imp.spec);
      const r = relative(src, abs);
      if (r.startsWith('..')) problems.push(`${where}: imports outside src/ (${imp.spec})`);
      else target = area(r);
    }
    const pkg = imp.spec.startsWith('.') ? null : imp.spec.startsWith('@') ? imp.spec.split('/').slice(0, 2).join('/') : imp.spec.split('/')[0];
    // Rule 5: app.ts (and the offline one-shot commands, its sibling) may import everything.
    if (from === 'app.ts' || from === 'main.ts' || from === 'offline.ts' || from === 'worker.ts') continue;
    // Rule 1: model imports nothing from src/ (and no I/O modules).
    if (from === 'model' && target !== null && target !== 'model') problems.push(`${where}: model/ must not import ${imp.spec} (rule 1)`);
    if (from === 'model' && pkg && pkg !== 'node:crypto') problems.push(`${where}: model/ must not import package ${pkg} (rule 1)`);
    // Rule 2: dataplane never imports k8s/store/translate/sources/client-node.
    if (from === 'dataplane' && target && ['k8s', 'store', 'translate', 'sources', 'controller', 'admin', 'status'].includes(target)) {
      problems.push(`${where}: dataplane/ must not import ${target}/ (rule 2)`);
    }
    // Worker processes (workers/) sit around the dataplanes behind the Dataplane contract: the same
    // exclusions as dataplane/, and no dataplane internals either (src/worker.ts wires them).
    if (from === 'workers' && target && ['k8s', 'store', 'translate', 'sources', 'controller', 'admin', 'status', 'dataplane'].includes(target)) {
      problems.push(`${where}: workers/ must not import ${target}/ (worker processes)`);
    }
    // Rule 3: translate has no side effects.
    if (from === 'translate') {
      if (pkg && /^node:(net|tls|http|https|http2|fs|fs\/promises|dgram|dns|child_process|timers)$/.test(imp.spec)) problems.push(`${where}: translate/ must not import ${imp.spec} (rule 3)`);
      if (target && ['dataplane', 'sources', 'controller', 'admin', 'status', 'util'].includes(target) && !imp.typeOnly) {
        problems.push(`${where}: translate/ must stay pure; it imports ${target}/ (rule 3)`);
      }
      if (pkg === 'pino') problems.push(`${where}: translate/ must not log (rule 3)`);
    }
    // Rule 4: packages in their one place.
    if (pkg === '@kubernetes/client-node') {
      const ok = rel.startsWith('sources/kube/') || rel.startsWith('status/') || (rel.startsWith('k8s/') && imp.typeOnly);
      if (!ok) problems.push(`${where}: @kubernetes/client-node only in sources/kube/, status/ and type imports in k8s/ (rule 4)`);
    }
    if (pkg === 'fastify' && from !== 'admin') problems.push(`${where}: fastify only in admin/ (rule 4)`);
    if ((pkg === 'find-my-way' || pkg === 'http-proxy-3') && from !== 'dataplane') problems.push(`${where}: ${pkg} only in dataplane/ (rule 4)`);
  }
}

if (problems.length > 0) {
  process.stderr.write(`dependency direction (ARCHITECTURE.md) violated:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`lint: ${files.length} files follow the dependency direction of ARCHITECTURE.md\n`);
