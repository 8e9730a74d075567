/** The restart policy: conditions, delay (from the ended task's timestamp), attempts counted per slot. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RestartPolicy, TaskState } from '../../server/store/index.ts';
import { live, World } from './world.ts';

function oneTask(restart: RestartPolicy): { w: World; id: string } {
  const w = new World({ mode: { replicated: { replicas: 1 } } }, ['n1']);
  w.service.spec.task.restart = restart;
  w.settle();
  const [task] = w.liveTasks();
  assert.ok(task);
  return { w, id: task.id };
}

/** Ends task `id` with `state` and returns the new task of its slot after the delay, or undefined. */
function endAndWait(w: World, id: string, state: TaskState): string | undefined {
  w.setState(id, state);
  w.settle();
  const live = w.liveTasks();
  assert.equal(live.length, 1, 'one live task in the slot');
  return live[0]?.id === id ? undefined : live[0]?.id;
}

test('condition any: a failed task is replaced in its slot once the delay from its end ran out', () => {
  const { w, id } = oneTask({ condition: 'any', delayMs: 5000, maxAttempts: 0 });
  w.now += 1000;
  w.setState(id, 'failed', 'exit status 2');
  const endedAt = w.now;
  w.now += 3000; // the pass comes 3 s after the failure
  const waiting = w.pass();
  assert.deepEqual(waiting.taskChanges, [], 'nothing before the delay');
  assert.equal(waiting.wakeAt, endedAt + 5000, 'woken when the delay from the end runs out');
  w.now = endedAt + 4999;
  assert.deepEqual(w.pass().taskChanges, []);
  w.now = endedAt + 5000;
  const due = w.pass();
  assert.equal(due.taskChanges.length, 2);
  const created = due.taskChanges.find(c => c.kind === 'create');
  assert.ok(created?.kind === 'create');
  assert.equal(created.task.slot, 1);
  assert.equal(created.task.desiredState, 'running');
  assert.ok(
    due.taskChanges.some(
      c => c.kind === 'set-desired-state' && c.taskId === id && c.desiredState === 'shutdown',
    ),
  );
  assert.equal(due.wakeAt, undefined);
});

test('condition any also replaces a task that completed, and one shut down without being asked', () => {
  const { w, id } = oneTask({ condition: 'any', delayMs: 0, maxAttempts: 0 });
  const next = endAndWait(w, id, 'complete');
  assert.ok(next);
  assert.ok(endAndWait(w, next, 'shutdown'));
});

test('condition on-failure: a failed or rejected task is replaced, a completed one is not', () => {
  const { w, id } = oneTask({ condition: 'on-failure', delayMs: 100, maxAttempts: 0 });
  const second = endAndWait(w, id, 'failed');
  assert.ok(second);
  const third = endAndWait(w, second, 'rejected');
  assert.ok(third);
  assert.equal(endAndWait(w, third, 'complete'), undefined);
  const task = w.task(third);
  assert.equal(task.desiredState, 'running', 'a task not replaced stays its slot’s live task');
  assert.deepEqual(w.pass(), { taskChanges: [] }, 'converged: no wake-up either');
});

test('condition none: nothing is replaced; the slot is not refilled either', () => {
  const { w, id } = oneTask({ condition: 'none', delayMs: 0, maxAttempts: 0 });
  assert.equal(endAndWait(w, id, 'failed'), undefined);
  w.now += 3_600_000;
  assert.deepEqual(w.pass().taskChanges, []);
  assert.equal(w.liveTasks().length, 1);
});

test('maxAttempts 2: two replacements, then the slot stays failed; a new spec starts the count again', () => {
  const { w, id } = oneTask({ condition: 'any', delayMs: 1000, maxAttempts: 2 });
  const second = endAndWait(w, id, 'failed');
  assert.ok(second);
  const third = endAndWait(w, second, 'failed');
  assert.ok(third);
  assert.equal(endAndWait(w, third, 'failed'), undefined, 'no third replacement');
  assert.equal([...w.tasks.values()].filter(t => t.slot === 1).length, 3);
  // A spec change replaces the failed task (an update) and gives the new spec its own attempts.
  w.updateSpec(spec => ({ ...spec, task: { ...spec.task, env: ['V=2'] } }));
  w.settle();
  const [fresh] = w.liveTasks();
  assert.ok(fresh && fresh.status.state === 'running');
  assert.ok(endAndWait(w, fresh.id, 'failed'), 'replaced: the new spec had no attempt yet');
});

test('maxAttempts above the history limit: the slot keeps enough history to count', () => {
  const { w } = oneTask({ condition: 'any', delayMs: 10, maxAttempts: 7 });
  w.crashes = () => true;
  const [first] = w.liveTasks();
  assert.ok(first);
  w.setState(first.id, 'failed');
  w.settle();
  const slot = [...w.tasks.values()].filter(t => t.slot === 1);
  assert.equal(slot.length, 8, 'the first task and its 7 replacements');
  assert.equal(slot.filter(live).length, 1);
  assert.equal(w.liveTasks()[0]?.status.state, 'failed');
});
