// Proves the boundary rule (eslint.config.js, `shoal/boundaries`; ARCHITECTURE.md draws it) bites: each
// forbidden arrow, planted in a virtual file, is an error; the allowed ones are not. Nothing is written.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: fileURLToPath(new URL('..', import.meta.url)) });

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  const messages = result?.messages ?? [];
  assert.deepEqual(
    messages.filter(m => m.fatal === true),
    [],
    `linting ${filePath} failed outright (parse / config error)`,
  );
  return messages.filter(m => m.ruleId === 'shoal/boundaries').map(m => m.message);
}

const forbidden: { arrow: string; file: string; code: string; says: RegExp }[] = [
  {
    arrow: 'agent → server',
    file: 'agent/exec/__probe__.ts',
    code: "import { unary } from '../../server/rpc/status.ts';\nexport const u = unary;\n",
    says: /agent\/exec\/__probe__\.ts may not import server\/rpc\/status\.ts: the agent/,
  },
  {
    arrow: 'server → agent',
    file: 'server/controlapi/__probe__.ts',
    code: "import { TestExecutor } from '../../agent/exec/test-executor.ts';\nexport const t = TestExecutor;\n",
    says: /may not import agent\/exec\/test-executor\.ts: server\/ is the manager only/,
  },
  {
    arrow: 'server → node',
    file: 'server/controlapi/__probe__.ts',
    code: "import { Daemon } from '../../node/daemon.ts';\nexport const d = Daemon;\n",
    says: /may not import node\/daemon\.ts: server\/ is the manager only/,
  },
  {
    arrow: 'server/*.ts → node (a type only)',
    file: 'server/__probe__.ts',
    code: "import type { DaemonOptions } from '../node/daemon-options.ts';\nexport type O = DaemonOptions;\n",
    says: /server\/__probe__\.ts may not import node\/daemon-options\.ts/,
  },
  {
    arrow: 'node → bin',
    file: 'node/__probe__.ts',
    code: "import { lifecycle } from '../bin/lifecycle.ts';\nexport const l = lifecycle;\n",
    says: /node\/__probe__\.ts may not import bin\/lifecycle\.ts: node\/ composes/,
  },
  {
    arrow: 'server → bin',
    file: 'server/controlapi/__probe__.ts',
    code: "export * from '../../bin/lifecycle.ts';\n",
    says: /may not import bin\/lifecycle\.ts/,
  },
  {
    arrow: 'lib → server',
    file: 'lib/__probe__.ts',
    code: "import { MAX_REQUEST_BYTES } from '../server/limits/limits.ts';\nexport const m = MAX_REQUEST_BYTES;\n",
    says: /lib\/__probe__\.ts may not import server\/limits\/limits\.ts: shared code/,
  },
  {
    arrow: 'pure → impure (a value)',
    file: 'server/raft/__probe__.ts',
    code: "import { RaftNode } from '../raftnode/raft-node.ts';\nexport const r = RaftNode;\n",
    says: /pure module server\/raft\/__probe__\.ts may not import server\/raftnode\/raft-node\.ts/,
  },
];

for (const { arrow, file, code, says } of forbidden) {
  test(`boundary rule: ${arrow} is an error`, async () => {
    const errors = await boundaryErrors(file, code);
    assert.ok(
      errors.some(e => says.test(e)),
      `expected an error matching ${says}, got ${JSON.stringify(errors)}`,
    );
  });
}

test('boundary rule: allowed arrows pass (agent → lib, node → server and agent, pure → pure, pure → impure for a type only)', async () => {
  assert.deepEqual(
    await boundaryErrors(
      'node/__probe__.ts',
      "import { Manager } from '../server/manager/manager.ts';\nimport { Agent } from '../agent/session/agent.ts';\nexport const m = [Manager, Agent];\n",
    ),
    [],
  );
  assert.deepEqual(
    await boundaryErrors(
      'agent/exec/__probe__.ts',
      "import { parseIpv4 } from '../../lib/ipv4.ts';\nexport const p = parseIpv4;\n",
    ),
    [],
  );
  assert.deepEqual(
    await boundaryErrors(
      'server/scheduler/__probe__.ts',
      "import { parseIpv4 } from '../../lib/ipv4.ts';\nexport const p = parseIpv4;\n",
    ),
    [],
  );
  assert.deepEqual(
    await boundaryErrors(
      'server/raft/__probe__.ts',
      "import type { RaftNode } from '../raftnode/raft-node.ts';\nexport type R = RaftNode;\n",
    ),
    [],
  );
});
