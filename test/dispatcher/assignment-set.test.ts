/**
 * Assignment diffing: the complete set first, then increments chained by sequence number; what goes
 * out (manager-side changes, desired-state changes, moves and removals) and what does not (the agent's
 * own status reports, tasks not yet assigned, other nodes' tasks).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AssignmentSet } from '../../server/dispatcher/assignment-set.ts';
import type { Task, TaskState } from '../../server/store/index.ts';
import { newTaskSpec } from '../store/fixtures.ts';

function task(id: string, nodeId: string, state: TaskState, o: Partial<Task> = {}): Task {
  return {
    id,
    meta: { version: { index: 1 }, createdAt: 0, updatedAt: 0 },
    serviceId: 'svc',
    slot: 1,
    nodeId,
    desiredState: 'running',
    status: { state, timestamp: 0 },
    spec: newTaskSpec(),
    networks: [],
    ...o,
  };
}

const ids = (b: { changes: { action: string; task: Task }[] } | undefined): string[] =>
  (b?.changes ?? []).map(c => `${c.action}:${c.task.id}`);

test('the complete set holds the node’s assigned tasks, including those being shut down', () => {
  const set = new AssignmentSet('n1');
  const first = set.complete([
    task('a', 'n1', 'assigned'),
    task('b', 'n1', 'running', { desiredState: 'shutdown' }),
    task('c', 'n1', 'pending'),
    task('d', 'n2', 'running'),
  ]);
  assert.deepEqual([first.type, first.appliesTo, first.resultsIn], ['complete', 0, 1]);
  assert.deepEqual(ids(first), ['update:a', 'update:b']);
});

test('increments chain: each applies to the previous result', () => {
  const set = new AssignmentSet('n1');
  const first = set.complete([task('a', 'n1', 'assigned')]);
  assert.equal(set.flush(), undefined, 'nothing pending, nothing sent');
  set.observe(task('b', 'n1', 'assigned'), false);
  const second = set.flush();
  assert.deepEqual([second?.type, second?.appliesTo, second?.resultsIn], ['incremental', first.resultsIn, 2]);
  set.observe(task('a', 'n1', 'assigned'), true);
  const third = set.flush();
  assert.deepEqual([third?.appliesTo, third?.resultsIn], [2, 3]);
  assert.deepEqual(ids(third), ['remove:a']);
  // A new complete set continues the sequence, so a stale increment can never apply to it.
  const again = set.complete([]);
  assert.deepEqual([again.appliesTo, again.resultsIn], [0, 4]);
});

test('what goes out, and what does not', () => {
  const set = new AssignmentSet('n1');
  set.complete([task('a', 'n1', 'assigned')]);
  // The agent's own report (status only) is not echoed back.
  assert.equal(set.observe(task('a', 'n1', 'running'), false), false);
  // A desired-state change is.
  assert.equal(set.observe(task('a', 'n1', 'running', { desiredState: 'shutdown' }), false), true);
  // Not yet assigned (pending), and another node's task: not in the set.
  assert.equal(set.observe(task('p', 'n1', 'pending'), false), false);
  assert.equal(set.observe(task('x', 'n2', 'assigned'), false), false);
  // The scheduler assigns it: it goes out.
  assert.equal(set.observe(task('p', 'n1', 'assigned'), false), true);
  const b = set.flush();
  assert.deepEqual(ids(b), ['update:a', 'update:p']);
  assert.equal(b?.changes[0]?.task.desiredState, 'shutdown');
  // Moved to another node: removed here. Removing a task never sent: nothing.
  assert.equal(set.observe(task('p', 'n2', 'assigned'), false), true);
  assert.equal(set.observe(task('zz', 'n1', 'running'), true), false);
  assert.deepEqual(ids(set.flush()), ['remove:p']);
  assert.deepEqual([...set.current().keys()], ['a']);
});

test('many changes of one task between two messages go out once, as the last', () => {
  const set = new AssignmentSet('n1');
  set.complete([]);
  set.observe(task('a', 'n1', 'assigned'), false);
  set.observe(task('a', 'n1', 'assigned', { desiredState: 'shutdown' }), false);
  assert.equal(set.pendingCount, 1);
  const b = set.flush();
  assert.deepEqual(ids(b), ['update:a']);
  assert.equal(b?.changes[0]?.task.desiredState, 'shutdown');
});

test('a large batch goes in parts of bounded size, each chained to the one before; the sequence continues after them', () => {
  const set = new AssignmentSet('n1');
  const tasks = ['a', 'b', 'c', 'd', 'e'].map(id => task(id, 'n1', 'assigned'));
  const complete = set.complete(tasks);
  // Two tasks a part (a task counts 10 bytes here, a part holds 25).
  const parts = set.split(complete, 25, () => 10);
  assert.deepEqual(
    parts.map(p => [p.type, p.appliesTo, p.resultsIn, ids(p).join(',')]),
    [
      ['complete', 0, 1, 'update:a,update:b'],
      ['incremental', 1, 2, 'update:c,update:d'],
      ['incremental', 2, 3, 'update:e'],
    ],
  );
  set.observe(task('a', 'n1', 'assigned', { desiredState: 'shutdown' }), false);
  const next = set.flush();
  assert.deepEqual([next?.appliesTo, next?.resultsIn], [3, 4]);
  // A batch that fits goes whole; a change larger than a part goes alone.
  assert.deepEqual(
    set.split(next ?? complete, 25, () => 10),
    [next],
  );
  set.observe(task('b', 'n1', 'assigned', { desiredState: 'shutdown' }), false);
  set.observe(task('c', 'n1', 'assigned', { desiredState: 'shutdown' }), false);
  const big = set.flush();
  assert.ok(big !== undefined);
  assert.deepEqual(
    set.split(big, 25, () => 100).map(p => ids(p)),
    [['update:b'], ['update:c']],
  );
  assert.throws(() => set.split(complete, 25, () => 10), /only the last batch/);
});
