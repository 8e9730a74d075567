// Proves the folder-loop check (`npm run cycles`, test/tools/cycles.mjs; ARCHITECTURE.md states the rule)
// bites: on a copy of the source folders, the check passes; an import planted to close a loop between
// two folders fails it, naming the loop and the planted import, for a type-only import as for a value.
// The repository itself is never written.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = join(root, 'test', 'tools', 'cycles.mjs');
const LAYERS = ['server', 'node', 'agent', 'lib', 'certs', 'bin', 'proto'];
let copy = '';

before(() => {
  copy = mkdtempSync(join(tmpdir(), 'shoal-folder-loops-'));
  for (const dir of LAYERS) {
    cpSync(join(root, dir), join(copy, dir), {
      recursive: true,
      filter: src => statSync(src).isDirectory() || src.endsWith('.ts'),
    });
  }
  cpSync(join(root, 'tsconfig.json'), join(copy, 'tsconfig.json'));
});

after(() => {
  if (copy !== '') rmSync(copy, { recursive: true, force: true });
});

/** The check's exit code and its complaints, on the copy. */
function runCheck(): Promise<{ code: number; stderr: string }> {
  return new Promise(done => {
    execFile(process.execPath, [check, copy], (error, _stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      done({ code, stderr });
    });
  });
}

/** The check's verdict with `file` (copy-relative) holding `code` while it runs. */
async function withPlanted(file: string, code: string): Promise<{ code: number; stderr: string }> {
  const path = join(copy, file);
  writeFileSync(path, code);
  try {
    return await runCheck();
  } finally {
    rmSync(path);
  }
}

test('folder-loop check: the tree as it is has no folder loop', async () => {
  const { code, stderr } = await runCheck();
  assert.equal(code, 0, stderr);
});

const planted: { loop: string; file: string; code: string; says: RegExp[] }[] = [
  {
    loop: 'raftnode ↔ ca (a value: the transport asking ca/ for who called)',
    file: 'server/raftnode/__probe__.ts',
    code: "import { authorize } from '../ca/authorize.ts';\nexport const a = authorize;\n",
    says: [
      /folder loop: server\/(raftnode → server\/ca → server\/raftnode|ca → server\/raftnode → server\/ca)/,
      /server\/raftnode\/__probe__\.ts → server\/ca\/authorize\.ts/,
    ],
  },
  {
    loop: 'scheduler ↔ allocator (a type only)',
    file: 'server/scheduler/__probe__.ts',
    code: "import type { NetworkAllocator } from '../allocator/index.ts';\nexport type N = NetworkAllocator;\n",
    says: [
      /folder loop: server\/(scheduler → server\/allocator → server\/scheduler|allocator → server\/scheduler → server\/allocator)/,
      /server\/scheduler\/__probe__\.ts → server\/allocator\/index\.ts/,
    ],
  },
  {
    loop: 'a folder and its subfolder (agent/network/planner ↔ agent/network)',
    file: 'agent/network/planner/__probe__.ts',
    code: "import { DataPlane } from '../data-plane.ts';\nexport const d = DataPlane;\n",
    says: [
      /folder loop: agent\/network(\/planner)? → agent\/network/,
      /planner\/__probe__\.ts → agent\/network\/data-plane\.ts/,
    ],
  },
  {
    loop: 'through three folders (limits → orchestrator → scheduler → limits)',
    file: 'server/limits/__probe__.ts',
    code: "import type { TaskChange } from '../orchestrator/index.ts';\nexport type C = TaskChange;\n",
    says: [
      /folder loop: server\/limits → server\/orchestrator → server\/\w+ → server\/limits/,
      /server\/limits\/__probe__\.ts → server\/orchestrator\/index\.ts/,
    ],
  },
];

for (const { loop, file, code, says } of planted) {
  test(`folder-loop check: a planted loop ${loop} fails it`, async () => {
    const result = await withPlanted(file, code);
    assert.equal(result.code, 1, `expected the check to fail, it said: ${result.stderr}`);
    for (const re of says) assert.match(result.stderr, re);
  });
}
