/** The agent's pure parts: reconnection backoff (100 ms → 8 s, jittered) and applying chained assignments. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WireTask } from '../../proto/control-types.ts';
import type { WireAssignmentsMessage } from '../../proto/dispatcher-types.ts';
import { AssignedTasks, AssignmentGapError } from '../../agent/session/assignments.ts';
import { backoffDelay } from '../../agent/session/backoff.ts';

test('backoff doubles from 100 ms to a cap of 8 s, jittered between half the cap and the cap', () => {
  const caps = [100, 200, 400, 800, 1600, 3200, 6400, 8000, 8000];
  caps.forEach((cap, n) => {
    assert.equal(backoffDelay(n, 0), cap / 2);
    assert.equal(backoffDelay(n, 0.999999), cap);
  });
  assert.equal(backoffDelay(1000, 0.5), 6000, 'no overflow after many failures');
  assert.equal(backoffDelay(0, 0, { initialMs: 10, maxMs: 40 }), 5);
  assert.equal(backoffDelay(5, 0.999999, { initialMs: 10, maxMs: 40 }), 40);
});

const t = (id: string, desiredState = 'running'): WireTask => ({ id, desiredState }) as WireTask;
const msg = (
  type: 'complete' | 'incremental',
  appliesTo: number,
  resultsIn: number,
  changes: [string, WireTask][],
): WireAssignmentsMessage => ({
  type,
  appliesTo,
  resultsIn,
  changes: changes.map(([action, task]) => ({ action: action as 'update' | 'remove', task })),
  networkView: null,
  viewSeq: 0,
  viewDelta: null,
  more: false,
  keptNetworks: [],
});

test('a complete set, then chained increments', () => {
  const a = new AssignedTasks();
  a.apply(
    msg('complete', 0, 1, [
      ['update', t('b')],
      ['update', t('a')],
    ]),
  );
  assert.deepEqual(
    a.list().map(x => x.id),
    ['a', 'b'],
  );
  a.apply(
    msg('incremental', 1, 2, [
      ['remove', t('a')],
      ['update', t('c')],
      ['update', t('b', 'shutdown')],
    ]),
  );
  assert.deepEqual(
    a.list().map(x => [x.id, x.desiredState]),
    [
      ['b', 'shutdown'],
      ['c', 'running'],
    ],
  );
  // A new complete set replaces everything.
  a.apply(msg('complete', 0, 3, [['update', t('z')]]));
  assert.deepEqual(
    a.list().map(x => x.id),
    ['z'],
  );
});

test('an increment out of sequence is a gap, and changes nothing; so is one before any complete set', () => {
  const a = new AssignedTasks();
  assert.throws(() => a.apply(msg('incremental', 0, 1, [['update', t('a')]])), AssignmentGapError);
  a.apply(msg('complete', 0, 5, [['update', t('a')]]));
  assert.throws(() => a.apply(msg('incremental', 6, 7, [['remove', t('a')]])), AssignmentGapError);
  assert.deepEqual(
    a.list().map(x => x.id),
    ['a'],
  );
  a.reset();
  assert.throws(
    () => a.apply(msg('incremental', 5, 6, [])),
    AssignmentGapError,
    'a new stream starts complete',
  );
  assert.deepEqual(
    a.list().map(x => x.id),
    ['a'],
    'the tasks stay until the new complete set',
  );
});

test('a set sent in parts is whole once its last part is applied', () => {
  const a = new AssignedTasks();
  a.apply({ ...msg('complete', 0, 1, [['update', t('t1')]]), more: true });
  a.apply({ ...msg('incremental', 1, 2, [['update', t('t2')]]), more: true });
  a.apply(msg('incremental', 2, 3, [['update', t('t3')]]));
  assert.deepEqual(
    a.list().map(x => x.id),
    ['t1', 't2', 't3'],
  );
});
