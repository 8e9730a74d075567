#!/usr/bin/env node
// The import-cycle check (`npm run cycles`): no cycle between files, and no loop between folders.
//
// Files: madge's circular check over every TypeScript folder that exists.
// Folders: the same file graph, each file standing for its folder (server/ca/authorize.ts is
// server/ca; a subfolder is a folder of its own). A folder that imports another, directly or through
// others, is never imported back. Type imports count as much as values: a type tells what a folder is
// built on as well, and generated or moved types must not hide a loop. The test suites and benchmarks
// (test/, bench/) are not layers (their folders group suites, which share helpers), so only their files
// are checked. Exits non-zero naming each cycle or loop, and the imports that make it.
//
// `node test/tools/cycles.mjs [root]`: root is the repository (default: this one); the folder-loop
// test runs it on a copy with a loop planted.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
const candidates = ['server', 'node', 'agent', 'lib', 'certs', 'bin', 'proto', 'test', 'bench'];
/** Folders whose files are checked for cycles but which are not layers of the program. */
const NOT_LAYERS = ['test', 'bench'];

const dirs = candidates.filter(d => existsSync(join(root, d)) && statSync(join(root, d)).isDirectory());
if (dirs.length === 0) {
  console.error(`cycles: none of ${candidates.join(', ')} exists in ${root}; nothing to check`);
  process.exit(1);
}

const result = await madge(
  dirs.map(d => join(root, d)),
  {
    baseDir: root,
    fileExtensions: ['ts'],
    tsConfig: join(root, 'tsconfig.json'),
    detectiveOptions: { ts: { skipTypeImports: false } },
  },
);
/** file → the files it imports, repo-relative with '/'. */
const files = result.obj();
let failed = false;

// An import madge cannot resolve is missing from its graph, and could hide a cycle. (A package import
// is left out on purpose; a copy of the tree without node_modules has those unresolved.)
for (const skipped of result.warnings().skipped.filter(s => s.startsWith('.'))) {
  console.error(`cycles: could not resolve the import ${skipped}`);
  failed = true;
}

const fileCycles = result.circular();
for (const cycle of fileCycles) {
  console.error(`import cycle between files: ${[...cycle, cycle[0]].join(' → ')}`);
  failed = true;
}
console.log(`cycles: ${Object.keys(files).length} files, ${fileCycles.length} file cycles`);

const folderOf = file => dirname(file);
const isLayer = file => !NOT_LAYERS.some(d => file.startsWith(`${d}/`));

/** folder → folder it imports → the file imports that make the arrow. */
const folders = new Map();
for (const [file, deps] of Object.entries(files)) {
  if (!isLayer(file)) continue;
  for (const dep of deps) {
    const from = folderOf(file);
    const to = folderOf(dep);
    if (from === to || !isLayer(dep)) continue;
    if (!folders.has(from)) folders.set(from, new Map());
    const arrows = folders.get(from);
    if (!arrows.has(to)) arrows.set(to, []);
    arrows.get(to).push(`${file} → ${dep}`);
  }
}

/** The shortest way from `start` back to itself, as folders, or undefined. */
function loopThrough(start) {
  const cameFrom = new Map();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i];
    for (const next of folders.get(at)?.keys() ?? []) {
      if (next === start) {
        const path = [at];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]));
        return [...path, start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, at);
        queue.push(next);
      }
    }
  }
  return undefined;
}

// One report per loop: each folder's shortest loop, once per set of folders it passes through.
const reported = new Set();
for (const folder of [...folders.keys()].sort()) {
  const loop = loopThrough(folder);
  if (loop === undefined) continue;
  const key = [...new Set(loop)].sort().join(' ');
  if (reported.has(key)) continue;
  reported.add(key);
  failed = true;
  console.error(`folder loop: ${loop.join(' → ')}`);
  for (let i = 0; i + 1 < loop.length; i++) {
    const imports = folders.get(loop[i]).get(loop[i + 1]);
    const more = imports.length > 3 ? ` (and ${imports.length - 3} more)` : '';
    console.error(`  ${loop[i]} → ${loop[i + 1]}: ${imports.slice(0, 3).join(', ')}${more}`);
  }
}
console.log(`cycles: ${folders.size} folders, ${reported.size} folder loops`);

process.exit(failed ? 1 : 0);
