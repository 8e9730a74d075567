// Proves the constructor rule (eslint.config.js, CONSTRUCTOR_PARAMS) bites in server/, node/ and agent/,
// pure folders included (their own no-restricted-syntax repeats it): seven positional parameters are an
// error, six are not. Nothing is written.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: fileURLToPath(new URL('..', import.meta.url)) });

async function constructorErrors(filePath: string, params: number): Promise<string[]> {
  const names = Array.from({ length: params }, (_, i) => `readonly p${i}: number`).join(', ');
  const code = `export class Probe {\n  constructor(${names}) {}\n}\n`;
  const [result] = await eslint.lintText(code, { filePath });
  const messages = result?.messages ?? [];
  assert.deepEqual(
    messages.filter(m => m.fatal === true),
    [],
    `linting ${filePath} failed outright (parse / config error)`,
  );
  return messages.filter(m => /at most 6 positional parameters/.test(m.message)).map(m => m.message);
}

for (const file of [
  'node/__probe__.ts',
  'server/controlapi/__probe__.ts',
  'server/raft/__probe__.ts',
  'agent/exec/__probe__.ts',
]) {
  test(`constructor rule: seven positional parameters in ${file} are an error, six are not`, async () => {
    assert.equal((await constructorErrors(file, 7)).length, 1);
    assert.deepEqual(await constructorErrors(file, 6), []);
  });
}
