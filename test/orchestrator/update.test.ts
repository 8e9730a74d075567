/** Rolling updates: batches and delays, stop-first and start-first, failures, pause, rollback, status. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UpdateState } from '../../server/orchestrator/index.ts';
import type { ServiceSpec, Task, UpdateConfig } from '../../server/store/index.ts';
import { jsonEqual } from '../../lib/json-equal.ts';
import { live, World } from './world.ts';

const NEW_ENV = ['VERSION=2'];

function isNew(task: Task): boolean {
  return task.spec.env.includes(NEW_ENV[0] ?? '');
}

/** A settled replicated service of `replicas` on three nodes, with `update` as its update config. */
function cluster(replicas: number, update: Partial<UpdateConfig>): World {
  const w = new World({ mode: { replicated: { replicas } } }, ['n1', 'n2', 'n3']);
  w.service.spec.update = { ...w.service.spec.update, ...update };
  w.startDelayMs = 300;
  w.settle();
  w.runFor(1000);
  assert.equal(w.liveTasks().filter(t => t.status.state === 'running').length, replicas);
  return w;
}

function deploy(w: World, change: (spec: ServiceSpec) => ServiceSpec = s => s): void {
  w.updateSpec(spec => change({ ...spec, task: { ...spec.task, env: NEW_ENV } }));
}

/** States the update status went through, in order, without repeats. */
function states(w: World): (UpdateState | undefined)[] {
  const seen: (UpdateState | undefined)[] = [];
  for (const r of w.results) {
    const state = r.serviceChange?.updateStatus.state;
    if (state !== undefined && seen[seen.length - 1] !== state) seen.push(state);
  }
  return seen;
}

test('parallelism 2, delay 1 s, stop-first: two slots at a time, each batch 1 s after the previous ran', () => {
  const w = cluster(6, { parallelism: 2, delayMs: 1000, order: 'stop-first', monitorMs: 5000 });
  const t0 = w.now;
  deploy(w);
  const batches = new Map<number, number[]>(); // time → slots given a new task
  let seen = new Set<string>();
  w.runFor(20_000, 100, () => {
    const updating = new Set<number>();
    for (const task of w.tasks.values()) {
      if (isNew(task) && !seen.has(task.id)) {
        batches.set(w.now, [...(batches.get(w.now) ?? []), task.slot]);
      }
      if (isNew(task) && live(task) && task.status.state !== 'running') updating.add(task.slot);
      // stop-first: a new task never runs while the old task of its slot does
      if (isNew(task) && task.status.state === 'running') {
        const oldRunning = [...w.tasks.values()].some(
          t => t.slot === task.slot && !isNew(t) && t.status.state === 'running',
        );
        assert.ok(!oldRunning, `slot ${task.slot}: old and new run at once`);
      }
    }
    assert.ok(updating.size <= 2, `at most two slots updating at once, saw ${updating.size}`);
    seen = new Set([...w.tasks.values()].filter(isNew).map(t => t.id));
  });
  // Each batch: created at once; its tasks run 300 ms later (start delay); 1 s after that, the next.
  assert.deepEqual(
    [...batches.entries()],
    [
      [t0, [1, 2]],
      [t0 + 1300, [3, 4]],
      [t0 + 2600, [5, 6]],
    ],
  );
  assert.deepEqual(
    w.liveTasks().map(t => [t.slot, isNew(t), t.status.state]),
    [1, 2, 3, 4, 5, 6].map(slot => [slot, true, 'running']),
  );
  assert.deepEqual(states(w), ['updating', 'completed']);
  const status = w.service.updateStatus;
  assert.equal(status?.message, 'update completed');
  assert.equal(status?.startedAt, t0);
  // Completed when the monitor period passed after the last task started (t0 + 2600 + 300).
  assert.equal(status?.completedAt, t0 + 2900 + 5000);
});

test('parallelism 0 updates every slot at once', () => {
  const w = cluster(4, { parallelism: 0 });
  deploy(w);
  const first = w.pass();
  assert.equal(first.taskChanges.filter(c => c.kind === 'create').length, 4);
  assert.deepEqual(first.serviceChange?.updateStatus, {
    state: 'updating',
    startedAt: w.now,
    message: 'update in progress',
  });
});

test('start-first: the new task starts while the old one runs; the old one stops once the new one runs', () => {
  const w = cluster(2, { parallelism: 1, order: 'start-first', monitorMs: 1000 });
  deploy(w);
  const first = w.pass();
  const created = first.taskChanges.filter(c => c.kind === 'create');
  assert.equal(created.length, 1);
  assert.ok(created[0]?.kind === 'create' && created[0].task.desiredState === 'running');
  assert.equal(
    first.taskChanges.filter(c => c.kind === 'set-desired-state').length,
    0,
    'nothing is stopped yet',
  );
  let overlap = false;
  w.runFor(10_000, 100, () => {
    for (const slot of [1, 2]) {
      const running = [...w.tasks.values()].filter(t => t.slot === slot && t.status.state === 'running');
      if (running.length === 2) overlap = true;
      assert.ok(running.length <= 2);
      const liveOnes = [...w.tasks.values()].filter(t => t.slot === slot && live(t));
      assert.ok(liveOnes.length <= 2, 'at most the old and the new task are live in a slot');
    }
  });
  assert.ok(overlap, 'old and new ran at the same time');
  assert.deepEqual(
    w.liveTasks().map(t => [t.slot, isNew(t), t.status.state]),
    [
      [1, true, 'running'],
      [2, true, 'running'],
    ],
  );
  assert.deepEqual(states(w), ['updating', 'completed']);
});

test('a new spec that fails, failure action rollback: the service returns to its previous spec', () => {
  const w = cluster(4, { parallelism: 1, failureAction: 'rollback', monitorMs: 5000 });
  const before = structuredClone(w.service.spec);
  w.crashes = isNew;
  deploy(w);
  const failing = structuredClone(w.service.spec);
  w.runFor(30_000);
  const rolledBack = w.results.find(r => r.serviceChange?.rollback !== undefined)?.serviceChange;
  assert.ok(rolledBack?.rollback, 'a rollback was asked for');
  assert.ok(jsonEqual(rolledBack.rollback.spec, before), 'back to the previous spec');
  assert.ok(
    jsonEqual(rolledBack.rollback.previousSpec, failing),
    'the failing spec becomes the previous one',
  );
  assert.match(
    rolledBack.updateStatus.message,
    /^update rolled back due to failure or early termination of task t\d+$/,
  );
  assert.deepEqual(states(w), ['updating', 'rollback_started', 'rollback_completed']);
  assert.equal(w.service.updateStatus?.message, 'rollback completed');
  assert.ok(jsonEqual(w.service.spec, before));
  assert.equal(w.liveTasks().length, 4);
  assert.ok(w.liveTasks().every(t => !isNew(t) && t.status.state === 'running'));
  const newOnes = [...w.tasks.values()].filter(isNew);
  assert.equal(newOnes.length, 1, 'only the first slot was tried (parallelism 1), then rolled back');
});

test('failure action pause stops the update: the slots not yet updated keep their tasks', () => {
  const w = cluster(4, { parallelism: 1, failureAction: 'pause', monitorMs: 5000 });
  w.service.spec.task.restart = { condition: 'any', delayMs: 5000, maxAttempts: 0 };
  w.crashes = isNew;
  deploy(w);
  const old = new Set(w.liveTasks().map(t => t.id));
  w.runFor(60_000);
  assert.deepEqual(states(w), ['updating', 'paused']);
  const status = w.service.updateStatus;
  assert.equal(status?.state, 'paused');
  assert.match(status?.message ?? '', /^update paused due to failure or early termination of task t\d+$/);
  const live = w.liveTasks();
  assert.equal(live.length, 4);
  assert.equal(live.filter(t => old.has(t.id)).length, 3, 'three old tasks untouched');
  assert.ok(live.filter(t => old.has(t.id)).every(t => t.status.state === 'running'));
  // The one updated slot crash-loops on the new spec under its restart policy, as in Swarm.
  const slot = live.find(t => !old.has(t.id))?.slot;
  assert.ok([...w.tasks.values()].filter(t => t.slot === slot && isNew(t)).length > 1);
});

test('failures within the ratio do not stop the update', () => {
  const w = cluster(4, { parallelism: 1, failureAction: 'pause', maxFailureRatio: 0.3 });
  w.service.spec.task.restart = { condition: 'any', delayMs: 0, maxAttempts: 0 };
  let crashed = 0;
  w.crashes = task => isNew(task) && task.slot === 1 && crashed++ === 0; // one failure in four slots
  deploy(w);
  w.runFor(30_000);
  assert.deepEqual(states(w), ['updating', 'completed']);
  assert.ok(w.liveTasks().every(t => isNew(t) && t.status.state === 'running'));
});

test('a new task failing after its monitor period is not an update failure', () => {
  const w = cluster(2, { parallelism: 1, failureAction: 'pause', monitorMs: 2000 });
  w.service.spec.task.restart = { condition: 'any', delayMs: 0, maxAttempts: 0 };
  deploy(w);
  w.runFor(3000);
  const first = w.liveTasks().find(t => t.slot === 1);
  assert.ok(first && isNew(first) && first.status.state === 'running');
  assert.ok(w.now - first.meta.createdAt > 2000);
  w.setState(first.id, 'failed');
  w.runFor(10_000);
  assert.deepEqual(states(w), ['updating', 'completed']);
});

test('a new task that fails as it starts is a failure, however long it took to start', () => {
  // The monitor period is shorter than the time a task takes to start: it counts from the start.
  const w = cluster(2, { parallelism: 1, failureAction: 'rollback', monitorMs: 100 });
  w.crashes = isNew;
  deploy(w);
  w.runFor(10_000);
  assert.deepEqual(states(w), ['updating', 'rollback_started', 'rollback_completed']);
});

test('a new task that fails within its monitor period after it started running is a failure', () => {
  const w = cluster(2, { parallelism: 1, failureAction: 'pause', monitorMs: 1000 });
  w.startDelayMs = 3000;
  deploy(w);
  w.runFor(3500);
  const first = w.liveTasks().find(t => t.slot === 1);
  assert.ok(first && isNew(first) && first.status.state === 'running');
  assert.ok(w.now - first.meta.createdAt > 1000, 'it ran later than its monitor period after its creation');
  w.setState(first.id, 'failed');
  w.runFor(10_000);
  assert.deepEqual(states(w), ['updating', 'paused']);
});

test('a rollback that fails too is paused, not rolled back again', () => {
  const w = cluster(2, { parallelism: 1, failureAction: 'rollback', monitorMs: 5000 });
  deploy(w);
  w.runFor(10_000);
  assert.equal(w.service.updateStatus?.state, 'completed');
  deploy(w, spec => ({ ...spec, task: { ...spec.task, args: ['v3'] } }));
  // Now both the new spec (v3) and the previous one (VERSION=2) crash.
  w.crashes = isNew;
  w.results.length = 0;
  w.runFor(30_000);
  assert.deepEqual(states(w), ['updating', 'rollback_started', 'rollback_paused']);
  assert.match(
    w.service.updateStatus?.message ?? '',
    /^rollback paused due to failure or early termination of task t\d+$/,
  );
});

test('global service: rolling update node by node, stop-first on each node', () => {
  const w = new World({ mode: { global: {} } }, ['n1', 'n2', 'n3']);
  w.service.spec.update = { ...w.service.spec.update, parallelism: 1, delayMs: 500, monitorMs: 1000 };
  w.startDelayMs = 100;
  w.runFor(1000);
  deploy(w);
  const order: string[] = [];
  w.runFor(10_000, 100, () => {
    for (const task of w.tasks.values()) {
      if (isNew(task) && !order.includes(task.nodeId)) order.push(task.nodeId);
    }
    for (const nodeId of ['n1', 'n2', 'n3']) {
      const running = [...w.tasks.values()].filter(t => t.nodeId === nodeId && t.status.state === 'running');
      assert.ok(running.length <= 1, `${nodeId}: two tasks running`);
    }
  });
  assert.deepEqual(order, ['n1', 'n2', 'n3']);
  assert.deepEqual(states(w), ['updating', 'completed']);
  assert.deepEqual(w.placement(), ['0@n1', '0@n2', '0@n3']);
  assert.ok(w.liveTasks().every(t => isNew(t) && t.status.state === 'running'));
});

test('a change of networks or published ports makes tasks out of date; a change of the service name alone does not touch tasks', () => {
  const w = cluster(2, { parallelism: 0 });
  w.updateSpec(spec => ({ ...spec, labels: { a: 'b' } }));
  assert.deepEqual(w.pass().taskChanges, [], 'labels of the service are not in the task');
  w.updateSpec(spec => ({ ...spec, networks: [{ target: 'net9' }] }));
  const result = w.pass();
  const created = result.taskChanges.filter(c => c.kind === 'create');
  assert.equal(created.length, 2);
  assert.ok(created.every(c => c.kind === 'create' && c.task.networks[0]?.networkId === 'net9'));
});
