#!/usr/bin/env node
// Runs the unit tests with node's test runner (+ tsx for TypeScript).
//
// Node 20's `node --test` does not expand globs and exits 0 when it is given
// no files, so this script lists the files itself and fails when there are none.
//
// Usage: node test/tools/run-tests.mjs [path-filter...]
//   A filter is a file or folder (relative to the repo root or the cwd), or a
//   substring of a test file's path: `npm run test:unit -- test/raft`.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const testRoot = join(root, 'test');

/** Every `*.test.ts` under `dir`, recursively, sorted, skipping node_modules. */
function findTests(dir) {
  const out = [];
  const walk = d => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(p);
      } else if (entry.isFile() && entry.name.endsWith('.test.ts')) {
        out.push(p);
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

const toPosix = p => p.split(sep).join('/');
const all = findTests(testRoot);
const filters = process.argv.slice(2).filter(a => a !== '--');

let files = all;
if (filters.length > 0) {
  files = all.filter(file => {
    const rel = toPosix(relative(root, file));
    return filters.some(filter => {
      for (const base of [process.cwd(), root]) {
        const abs = resolve(base, filter);
        if (existsSync(abs)) {
          return statSync(abs).isDirectory() ? file.startsWith(abs + sep) : file === abs;
        }
      }
      return rel.includes(toPosix(filter));
    });
  });
}

if (files.length === 0) {
  const where = filters.length > 0 ? ` matching ${filters.map(f => `"${f}"`).join(', ')}` : '';
  console.error(`run-tests: no *.test.ts files found under test/${where}; refusing to report success`);
  process.exit(1);
}

/**
 * Tests of pure logic (fake clocks; no process, socket, file or real timer) run two files at a time:
 * they are most of the suite's CPU and nothing they do depends on a quiet machine. The rest (daemons,
 * namespaces, timeouts measured in real time) runs one file at a time afterwards.
 */
const PURE = [
  'test/raft/',
  'test/store/',
  'test/orchestrator/',
  'test/scheduler/',
  'test/allocator/',
  'test/sim/',
  'test/controlapi/',
  'test/dispatcher/',
  'test/agent/held-view.test.ts',
  'test/agent/session-pure.test.ts',
  'test/agent/view-delta.test.ts',
  'test/agent/view-digest.test.ts',
  'test/agent/dns/record-table.test.ts',
  'test/agent/dns/wire.test.ts',
  'test/agent/network/plan-nft.test.ts',
  'test/lib/ipv4.test.ts',
  'test/lib/json-equal.test.ts',
];
/** Files that use real time, though in their folder of pure tests. */
const NOT_PURE = ['test/dispatcher/assignment-streams.test.ts'];
const isPure = file => {
  const rel = toPosix(relative(root, file));
  return !NOT_PURE.includes(rel) && PURE.some(p => (p.endsWith('/') ? rel.startsWith(p) : rel === p));
};

const runnerArgs = concurrency => [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  `--test-concurrency=${concurrency}`,
  // A handle left open after a file's tests are done (grpc-js can keep a TLS session that was still
  // handshaking when a server shut down) must not stall the suite; a hung test fails after 5 minutes.
  '--test-force-exit',
  '--test-timeout=300000',
];
const phases = [
  { concurrency: 2, files: files.filter(isPure) },
  { concurrency: 1, files: files.filter(f => !isPure(f)) },
].filter(p => p.files.length > 0);

/**
 * The root network namespace as tests must leave it (they work in namespaces of their own): links,
 * addresses, routes, the nft ruleset. Undefined where it cannot be read (not root, no iproute2).
 */
function hostNetwork() {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const out = argv =>
      execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return [
      out(['ip', '-br', 'link']),
      out(['ip', '-br', 'addr']),
      out(['ip', 'route']),
      out(['nft', 'list', 'ruleset']),
    ].join('\n');
  } catch {
    return undefined;
  }
}
const hostBefore = hostNetwork();

/** Runs one phase's files; resolves to the runner's exit code. */
function runPhase({ concurrency, files: phaseFiles }) {
  return new Promise(done => {
    const args = [...runnerArgs(concurrency), ...phaseFiles.map(f => toPosix(relative(root, f)))];
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
    child.on('error', err => {
      console.error(`run-tests: could not start node: ${err.message}`);
      done(1);
    });
    child.on('exit', (code, signal) => {
      if (signal) console.error(`run-tests: test runner killed by ${signal}`);
      done(signal ? 1 : (code ?? 1));
    });
  });
}

let failed = 0;
for (const phase of phases) {
  const code = await runPhase(phase);
  if (code !== 0) failed = code;
}
const hostAfter = hostNetwork();
if (hostBefore !== undefined && hostAfter !== undefined && hostAfter !== hostBefore) {
  console.error('run-tests: the tests changed the root network namespace (links, addresses, routes or nft):');
  console.error(`--- before\n${hostBefore}\n--- after\n${hostAfter}`);
  process.exit(1);
}
process.exit(failed);
