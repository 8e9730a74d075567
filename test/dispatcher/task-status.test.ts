/** Status reports: which states an agent may report, coalescing a batch, and forward-only writes of own tasks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  agentState,
  coalesce,
  withReportedStatus,
  type NodeReport,
} from '../../server/dispatcher/task-status.ts';
import type { Task, TaskState } from '../../server/store/index.ts';
import { newTaskSpec } from '../store/fixtures.ts';

const at = (state: TaskState, timestamp = 1): { state: TaskState; timestamp: number } => ({
  state,
  timestamp,
});

function task(nodeId: string, state: TaskState): Task {
  return {
    id: 't',
    meta: { version: { index: 1 }, createdAt: 0, updatedAt: 0 },
    serviceId: 's',
    slot: 1,
    nodeId,
    desiredState: 'running',
    status: at(state, 0),
    spec: newTaskSpec(),
    networks: [],
  };
}

test('agents report what executors reach, not the manager’s states', () => {
  for (const s of [
    'accepted',
    'preparing',
    'starting',
    'running',
    'complete',
    'failed',
    'shutdown',
    'rejected',
  ]) {
    assert.equal(agentState(s), s);
  }
  for (const s of ['new', 'pending', 'assigned', 'remove', 'orphaned', '', 'RUNNING', 'bogus']) {
    assert.equal(agentState(s), undefined, s);
  }
});

test('a batch coalesces to the furthest state per task; equal states keep the later report', () => {
  const into = new Map<string, NodeReport>();
  coalesce(into, 'n1', [
    { taskId: 'a', status: at('running', 1) },
    { taskId: 'a', status: at('starting', 2) },
    { taskId: 'b', status: at('accepted', 1) },
    { taskId: 'b', status: at('accepted', 5) },
  ]);
  coalesce(into, 'n1', [{ taskId: 'b', status: at('failed', 6) }]);
  assert.deepEqual(into.get('a'), { nodeId: 'n1', status: at('running', 1) });
  assert.deepEqual(into.get('b'), { nodeId: 'n1', status: at('failed', 6) });
});

test('a report moves its own task forward only', () => {
  assert.equal(withReportedStatus(task('n1', 'assigned'), 'n1', at('running'))?.status.state, 'running');
  assert.equal(withReportedStatus(task('n1', 'running'), 'n1', at('starting')), undefined, 'backwards');
  assert.equal(withReportedStatus(task('n1', 'running'), 'n1', at('running')), undefined, 'the same');
  assert.equal(withReportedStatus(task('n2', 'assigned'), 'n1', at('running')), undefined, 'another node’s');
  assert.equal(withReportedStatus(undefined, 'n1', at('running')), undefined, 'gone');
  assert.equal(withReportedStatus(task('n1', 'running'), 'n1', at('complete'))?.status.state, 'complete');
});

test('the time a task was first recorded running is kept by the states after it', () => {
  const ran = withReportedStatus(task('n1', 'starting'), 'n1', at('running', 7));
  assert.deepEqual(ran?.status, { state: 'running', timestamp: 7, startedAt: 7 });
  assert.ok(ran !== undefined);
  const failed = withReportedStatus(ran, 'n1', { ...at('failed', 9), err: 'exit status 1' });
  assert.deepEqual(failed?.status, { state: 'failed', timestamp: 9, err: 'exit status 1', startedAt: 7 });
  // Never recorded running: no start time.
  assert.deepEqual(
    withReportedStatus(task('n1', 'starting'), 'n1', at('failed', 9))?.status,
    at('failed', 9),
  );
});
