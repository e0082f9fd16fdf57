#!/usr/bin/env node
// Entry for `npx portico`: npm puts the pinned Node 24 (devDependency `node`) first on PATH, and
// Node ≥ 22.19 runs the TypeScript sources directly.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`portico: Node ${process.versions.node} is too old; Node >= 22.19 runs Portico (npx/npm scripts use the pinned Node 24)\n`);
  process.exit(2);
}
await import('../src/main.ts');
