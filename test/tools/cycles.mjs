#!/usr/bin/env node
// Circular-import check over the TypeScript source folders that exist.
// madge fails on a folder that does not exist, and the tree grows one folder
// at a time, so pass only those present. Exits non-zero on any cycle.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const candidates = ['server', 'node', 'agent', 'lib', 'certs', 'bin', 'proto', 'test', 'bench'];
const dirs = candidates.filter(d => existsSync(join(root, d)) && statSync(join(root, d)).isDirectory());

if (dirs.length === 0) {
  console.error(`cycles: none of ${candidates.join(', ')} exists; nothing to check`);
  process.exit(1);
}

const madge = join(root, 'node_modules', '.bin', 'madge');
const args = ['--circular', '--extensions', 'ts', '--ts-config', 'tsconfig.json', ...dirs];
console.log(`madge ${args.join(' ')}`);
const result = spawnSync(madge, args, { cwd: root, stdio: 'inherit' });
if (result.error) {
  console.error(`cycles: could not run madge: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
