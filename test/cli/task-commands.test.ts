/**
 * `shoal run` and `shoal exec` through a real gRPC server on a temp unix socket with
 * the LocalTasks handlers over a process executor with real namespaces (root).
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import pino from 'pino';
import type { WireTask } from '../../proto/control-types.ts';
import { localTaskHandlers, localTasksService, type RunRequest } from '../../agent/exec/local-task-server.ts';
import type { ProcessExecutor } from '../../agent/exec/process-executor.ts';
import { listTaskDirs } from '../../agent/exec/task-state-dir.ts';
import { RpcError } from '../../server/rpc/status.ts';
import { setup, statuses, task, VIEW, waitFor } from '../agent/exec/executor-fixtures.ts';
import { runCli } from './run-cli.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (network namespaces)' : false;

/** The LocalTasks handlers over `e` on a temp unix socket; `run` stands in for the managers. */
async function serve(
  t: TestContext,
  e: ProcessExecutor,
  run: (req: RunRequest) => Promise<string>,
): Promise<string> {
  const server = new grpc.Server();
  server.addService(
    localTasksService,
    localTaskHandlers({
      executor: e,
      log: pino({ level: 'silent' }),
      pollMs: 20,
      run,
    }),
  );
  const dir = mkdtempSync(join(tmpdir(), 'shoal-local-'));
  const sock = join(dir, 'shoald.sock');
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${sock}`, grpc.ServerCredentials.createInsecure(), err =>
      err ? reject(err) : resolve(),
    ),
  );
  t.after(() => {
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });
  return sock;
}

test('run and exec through the local API', { skip }, async t => {
  const { make } = setup(t);
  const e = make();
  const seen = statuses(e);
  const tasks: WireTask[] = [];
  const sock = await serve(t, e, req => {
    if (req.network === 'test') {
      return Promise.reject(
        new RpcError(grpc.status.PERMISSION_DENIED, 'network test not manually attachable'),
      );
    }
    const solo = task([], { serviceId: '', slot: 0 });
    tasks.push(solo);
    setTimeout(() => e.apply(tasks, VIEW), 30);
    return Promise.resolve(solo.id);
  });

  // A service task, for exec and logs.
  const web = task(['/bin/sh', '-c', 'echo hello from $(hostname); echo warn >&2; exec sleep 100']);
  tasks.push(web);
  e.apply(tasks, VIEW);
  await waitFor('web running', () => seen.get(web.id)?.at(-1)?.state === 'running');

  // run: output, then the command's exit code.
  const r1 = await runCli(
    ['run', '--name', 'one', '-e', 'X=42', '--', '/bin/sh', '-c', 'echo x=$X; hostname; exit 3'],
    sock,
  );
  assert.equal(r1.out, 'x=42\none\n');
  assert.equal(r1.code, 3);
  const r0 = await runCli(['run', 'true'], sock);
  assert.equal(r0.code, 0);
  const nope = await runCli(['run', 'nope'], sock);
  assert.equal(nope.code, 127);
  assert.match(nope.err, /exec: "nope": executable file not found/);
  const denied = await runCli(['run', '--network', 'test', 'true'], sock);
  assert.equal(denied.code, 1);
  assert.equal(denied.err, 'Error response from daemon: network test not manually attachable\n');

  // run -d: the id at once; exec reaches it by name.
  const d = await runCli(['run', '-d', '--name', 'bg', 'sleep', '100'], sock);
  assert.equal(d.code, 0);
  const bgId = d.out.trim();
  await waitFor('bg running', () => seen.get(bgId)?.at(-1)?.state === 'running');
  const ex = await runCli(['exec', 'bg', '--', '/bin/sh', '-c', 'hostname; exit 7'], sock);
  assert.equal(ex.out, 'bg\n');
  assert.equal(ex.code, 7);
  const ex2 = await runCli(['exec', `web.${web.slot}`, '--', 'hostname'], sock);
  assert.equal(ex2.out, `web.${web.slot}.${web.id}\n`);
  assert.equal(ex2.code, 0);
  const missing = await runCli(['exec', 'nosuch', 'true'], sock);
  assert.equal(missing.code, 1);
  assert.equal(missing.err, 'Error response from daemon: No such task: nosuch\n');

  await e.close();
});

test(
  'run: a standalone task the managers remove the moment it ends (it detaches) still gives its output and exit code',
  { skip, timeout: 30_000 },
  async t => {
    const { make, stateDir } = setup(t);
    const e = make();
    const seen = statuses(e);
    let tasks: WireTask[] = [];
    // As the daemon does, with no network in between: an ended standalone task detaches, and its
    // assignment is gone before the stream's next look at the task.
    e.onStatus((id, s) => {
      if (!['complete', 'failed', 'shutdown'].includes(s.state)) return;
      tasks = tasks.filter(x => x.id !== id);
      setImmediate(() => e.apply(tasks, VIEW));
    });
    const sock = await serve(t, e, () => {
      const solo = task([], { serviceId: '', slot: 0 });
      tasks = [...tasks, solo];
      setImmediate(() => e.apply(tasks, VIEW));
      return Promise.resolve(solo.id);
    });
    for (let i = 0; i < 5; i++) {
      const r = await runCli(['run', '--name', `quick${i}`, '--', '/bin/sh', '-c', 'hostname; exit 4'], sock);
      assert.deepEqual(r, { code: 4, out: `quick${i}\n`, err: '' });
    }
    assert.deepEqual(listTaskDirs(stateDir), [], 'their folders go once their output is read');

    // Removed while it runs: stopped, and the stream ends with how it ended.
    const removing = runCli(['run', '--name', 'long', '--', 'sleep', '100'], sock);
    const long = await waitFor('long running', () =>
      tasks.find(x => seen.get(x.id)?.at(-1)?.state === 'running'),
    );
    tasks = tasks.filter(x => x.id !== long.id);
    e.apply(tasks, VIEW);
    const r = await removing;
    assert.equal(r.code, 143, 'SIGTERM, as docker reports a stopped container');
    await waitFor('its folder removed', () => listTaskDirs(stateDir).length === 0);
    await e.close();
  },
);
