/**
 * The data plane's commands go through one long-lived helper process (command-helper.mjs), not a fork of
 * this (large) process each: what runs is the helper's child; output, stdin and failures come back as
 * data; a helper killed mid-command fails that command and the next one gets a new helper; a helper that
 * cannot start leaves commands started here; the helper neither keeps its parent alive nor outlives it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { CommandHelper } from '../../../agent/network/command-runner.ts';
import { until } from '../../daemon/helpers.ts';

/** The parent PID of the process that ran the command (field 4 of /proc/self/stat, read by cat itself). */
async function parentOfCommand(h: CommandHelper): Promise<number> {
  const r = await h.run(['cat', '/proc/self/stat']);
  assert.equal(r.code, 0, r.stderr);
  return Number(r.stdout.slice(r.stdout.lastIndexOf(')') + 2).split(' ')[1]);
}

test('commands run as children of the helper, with stdin, output and exit codes as data', async () => {
  const h = new CommandHelper();
  try {
    const parent = await parentOfCommand(h);
    assert.notEqual(h.pid, undefined);
    assert.equal(parent, h.pid);
    assert.notEqual(parent, process.pid);
    assert.deepEqual(await h.run(['cat'], 'a\nb\n'), { code: 0, stdout: 'a\nb\n', stderr: '' });
    const bad = await h.run(['ip', 'link', 'show', 'dev', 'no-such-link-shoal']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /does not exist/);
    const missing = await h.run(['no-such-command-shoal']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ENOENT/);
    // Side by side: each answer goes to its own request.
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => h.run(['cat'], `n${i}`)));
    assert.deepEqual(
      many.map(r => r.stdout),
      many.map((_, i) => `n${i}`),
    );
  } finally {
    h.stop();
  }
});

test('a helper killed while it holds a command fails that command; the next command gets a new helper', async () => {
  const h = new CommandHelper();
  try {
    await h.run(['true']);
    const first = h.pid;
    const held = h.run(['sleep', '30']);
    h.stop();
    const r = await held;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /helper exited/);
    const parent = await parentOfCommand(h);
    assert.notEqual(h.pid, first);
    assert.equal(parent, h.pid);
  } finally {
    h.stop();
  }
});

test('a helper that cannot start: commands are started here instead', async () => {
  const h = new CommandHelper('/nonexistent/command-helper.mjs');
  const r = await h.run(['cat'], 'x');
  // The first command may go to the helper that dies: it fails, and so does nothing after it.
  if (r.code !== 0) assert.match(r.stderr, /helper exited/);
  assert.equal(await parentOfCommand(h), process.pid);
  assert.equal(h.pid, undefined);
});

test('the helper does not keep its parent alive, and ends with it', async () => {
  const script = [
    "import { CommandHelper } from './agent/network/command-runner.ts';",
    'const h = new CommandHelper();',
    "await h.run(['true']);",
    'console.log(h.pid);',
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  // The parent exits on its own once its work is done (a held helper would keep it running for ever).
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve));
  assert.equal(code, 0);
  const helperPid = Number(out.trim());
  assert.ok(helperPid > 0, out);
  await until('the helper ends with its parent', async () => !existsSync(`/proc/${helperPid}`));
});
