/** The test executor behind the Executor interface: the lifecycle walk, failures, shutdown, adoption, removal. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WireTask } from '../../proto/control-types.ts';
import type { ExecState } from '../../agent/exec/executor.ts';
import { TestExecutor } from '../../agent/exec/test-executor.ts';

const task = (id: string, desiredState = 'running', state = 'assigned'): WireTask =>
  ({ id, desiredState, status: { state, timestamp: 0, message: '', err: '' } }) as WireTask;

function record(e: TestExecutor): Map<string, ExecState[]> {
  const seen = new Map<string, ExecState[]>();
  e.onStatus((id, s) => seen.set(id, [...(seen.get(id) ?? []), s.state]));
  return seen;
}

/** Waits until `cond` holds (the executor's steps are timers: a loaded machine runs them late). */
async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise(r => setTimeout(r, 5));
  }
}

const last = (seen: Map<string, ExecState[]>, id: string): ExecState | undefined => seen.get(id)?.at(-1);

test('tasks walk accepted → preparing → starting → running; chosen ones fail; shutdown when asked', async () => {
  const e = new TestExecutor({ stepMs: 5, fail: t => (t.id === 'bad' ? 'exit status 1' : undefined) });
  const seen = record(e);
  e.apply([task('ok'), task('bad')]);
  await until(
    'ok running, bad failed',
    () => last(seen, 'ok') === 'running' && last(seen, 'bad') === 'failed',
  );
  assert.deepEqual(seen.get('ok'), ['accepted', 'preparing', 'starting', 'running']);
  assert.deepEqual(seen.get('bad'), ['accepted', 'preparing', 'starting', 'failed']);
  e.apply([task('ok', 'shutdown'), task('bad')]);
  await until('ok shut down', () => last(seen, 'ok') === 'shutdown');
  // Steps have run since: a failed task that was to move again would have by now.
  assert.equal(seen.get('bad')?.length, 4, 'a failed task stays failed');
  await e.close();
});

test('a task known further along is adopted; one never started that is to stop just shuts down', async () => {
  const e = new TestExecutor({ stepMs: 5 });
  const seen = record(e);
  e.apply([task('adopted', 'running', 'running'), task('late', 'shutdown')]);
  await until('late shut down', () => last(seen, 'late') === 'shutdown');
  assert.equal(seen.get('adopted'), undefined);
  assert.deepEqual(seen.get('late'), ['shutdown']);
  assert.equal(e.tasks().get('adopted')?.state, 'running');
  await e.close();
});

test('crash and finish; a task no longer assigned is forgotten', async () => {
  const e = new TestExecutor({ stepMs: 5 });
  const seen = record(e);
  e.apply([task('a'), task('b'), task('c')]);
  await until('a and b running', () => last(seen, 'a') === 'running' && last(seen, 'b') === 'running');
  e.crash('a', 'boom');
  e.finish('b');
  e.apply([task('a'), task('b')]);
  assert.deepEqual([...e.tasks().keys()].sort(), ['a', 'b']);
  assert.equal(seen.get('a')?.at(-1), 'failed');
  assert.equal(seen.get('b')?.at(-1), 'complete');
  await e.close();
});
