// Proves the ESLint "purity rule" (eslint.config.js) bites: code in the pure
// folders (server/raft, server/store, ...) may not do I/O, read the clock or
// use randomness. Snippets are linted in memory as if they lived at a virtual
// path; nothing is written to disk.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { ESLint, type Linter } from 'eslint';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: repoRoot });

const PURE_PROBE = 'server/raft/__probe__.ts';
const IMPURE_PROBE = 'server/raftnode/__probe__.ts';

async function lint(code: string, filePath: string): Promise<Linter.LintMessage[]> {
  const results = await eslint.lintText(code, { filePath });
  assert.equal(results.length, 1, `expected one lint result for ${filePath}`);
  const messages = results[0]?.messages ?? [];
  const fatal = messages.filter(m => m.fatal === true);
  assert.deepEqual(fatal, [], `linting ${filePath} failed outright (parse / config error)`);
  return messages;
}

function errorsFor(messages: Linter.LintMessage[], ruleId: string): Linter.LintMessage[] {
  return messages.filter(m => m.severity === 2 && m.ruleId === ruleId);
}

const cases: { name: string; code: string; ruleId: string }[] = [
  {
    name: 'node:fs import',
    code: "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n",
    ruleId: '@typescript-eslint/no-restricted-imports',
  },
  {
    name: 'type-only import from fs',
    code: "import type { Stats } from 'fs';\nexport type S = Stats;\n",
    ruleId: '@typescript-eslint/no-restricted-imports',
  },
  {
    name: '@grpc/grpc-js import',
    code: "import * as grpc from '@grpc/grpc-js';\nexport const g = grpc;\n",
    ruleId: '@typescript-eslint/no-restricted-imports',
  },
  {
    name: 'setTimeout',
    code: 'setTimeout(() => {}, 1);\n',
    ruleId: 'no-restricted-globals',
  },
  {
    name: 'Date.now()',
    code: 'export const t = Date.now();\n',
    ruleId: 'no-restricted-properties',
  },
  {
    name: 'Math.random()',
    code: 'export const r = Math.random();\n',
    ruleId: 'no-restricted-properties',
  },
  {
    name: 'new Date()',
    code: 'export const d = new Date();\n',
    ruleId: 'no-restricted-syntax',
  },
];

describe('lint purity rule', () => {
  for (const { name, code, ruleId } of cases) {
    test(`${name} is rejected in ${PURE_PROBE}`, async () => {
      const messages = await lint(code, PURE_PROBE);
      const hits = errorsFor(messages, ruleId);
      assert.ok(
        hits.length >= 1,
        `expected a ${ruleId} error, got: ${JSON.stringify(messages.map(m => [m.ruleId, m.message]))}`,
      );
      assert.match(hits[0]?.message ?? '', /pure module: no I\/O here/);
    });
  }

  test(`node:fs import is allowed outside the pure folders (${IMPURE_PROBE})`, async () => {
    const messages = await lint(
      "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n",
      IMPURE_PROBE,
    );
    assert.deepEqual(errorsFor(messages, '@typescript-eslint/no-restricted-imports'), []);
    assert.deepEqual(errorsFor(messages, 'no-restricted-imports'), []);
  });
});
