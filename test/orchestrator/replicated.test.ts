/** Replicated services: scaling (which tasks go), node loss, removal of a service, history. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  reconcileRemovedService,
  reconcileService,
  slotsToRemove,
  type SlotTask,
} from '../../server/orchestrator/index.ts';
import type { Task } from '../../server/store/index.ts';
import { live, World } from './world.ts';

test('a new service gets slots 1..N, desired running, state new, spec networks with no address, endpoint copied', () => {
  const w = new World({ mode: { replicated: { replicas: 3 } }, networks: [{ target: 'net1' }] });
  w.service = {
    ...w.service,
    endpoint: { ports: [], virtualIPs: [{ networkId: 'net1', addr: '10.0.1.2/24' }] },
  };
  const result = w.pass();
  assert.equal(result.taskChanges.length, 3);
  const created = result.taskChanges.map(c => {
    assert.equal(c.kind, 'create');
    return c.kind === 'create' ? c.task : undefined;
  });
  assert.deepEqual(
    created.map(t => t?.slot),
    [1, 2, 3],
  );
  for (const task of created) {
    assert.equal(task?.desiredState, 'running');
    assert.equal(task?.status.state, 'new');
    assert.equal(task?.nodeId, '');
    assert.deepEqual(task?.networks, [{ networkId: 'net1', addresses: [] }]);
    assert.deepEqual(task?.endpoint, w.service.endpoint);
    assert.deepEqual(task?.spec, w.service.spec.task);
  }
  assert.equal(result.wakeAt, undefined);
  assert.equal(result.serviceChange, undefined, 'no update for a new service');
  const again = w.pass();
  assert.deepEqual(again.taskChanges, [], 'a second pass on the same state changes nothing');
});

test('scale 2 → 10 → 2: up fills slots 3..10; down keeps one task per node on the least busy nodes', () => {
  const w = new World({ mode: { replicated: { replicas: 2 } } }, ['n1', 'n2', 'n3']);
  w.settle();
  assert.deepEqual(w.placement(), ['1@n1', '2@n2']);
  w.scale(10);
  w.settle();
  // Placed one by one on the node with the fewest: n3, then n1, n2, n3, ...
  assert.deepEqual(w.placement(), [
    '1@n1',
    '2@n2',
    '3@n3',
    '4@n1',
    '5@n2',
    '6@n3',
    '7@n1',
    '8@n2',
    '9@n3',
    '10@n1',
  ]);
  const ids = new Map(w.liveTasks().map(t => [t.slot, t.id]));
  w.scale(2);
  const down = w.pass();
  const removed = down.taskChanges
    .filter(c => c.kind === 'set-desired-state')
    .map(c => (c.kind === 'set-desired-state' ? `${c.taskId}:${c.desiredState}` : ''));
  // Ranks: n1 has slots 1,4,7,10 (ranks 1..4), n2 2,5,8 and n3 3,6,9: the 4th and 3rd copies go first,
  // then the 2nd, then among the 1st copies the highest slot (3).
  const gone = [10, 9, 8, 7, 6, 5, 4, 3];
  assert.deepEqual(new Set(removed), new Set(gone.map(slot => `${ids.get(slot)}:remove`)));
  assert.equal(down.taskChanges.length, 8);
  w.settle();
  assert.deepEqual(w.placement(), ['1@n1', '2@n2']);
  assert.equal(w.tasks.size, 2, 'removed tasks are deleted once they stopped');
});

test('scale down removes a task that is not running before any running one', () => {
  const w = new World({ mode: { replicated: { replicas: 10 } } }, ['n1', 'n2', 'n3']);
  w.service.spec.task.restart = { condition: 'any', delayMs: 60_000, maxAttempts: 0 };
  w.settle();
  const slot1 = w.liveTasks().find(t => t.slot === 1);
  assert.ok(slot1);
  w.setState(slot1.id, 'failed', 'exit status 1'); // waits 60 s for its restart: live, not running
  w.scale(2);
  w.settle(w.now);
  // Slot 1 (not running) goes first; then by rank: n1 4,7,10 / n2 2,5,8 / n3 3,6,9; slots 2 and 3 stay.
  assert.deepEqual(w.placement(), ['2@n2', '3@n3']);
});

test('6 replicas on nodes holding 3, 2 and 1 of them: scaling to 3 takes from the busiest nodes', () => {
  const w = new World({ mode: { replicated: { replicas: 6 } } }, ['a', 'b', 'c']);
  const placement: Record<number, string> = { 1: 'a', 2: 'a', 3: 'a', 4: 'b', 5: 'b', 6: 'c' };
  for (const [slot, nodeId] of Object.entries(placement)) {
    const id = `s${slot}`;
    const task: Task = {
      id,
      meta: { version: { index: 1 }, createdAt: w.now, updatedAt: w.now },
      serviceId: 'svc',
      slot: Number(slot),
      nodeId,
      desiredState: 'running',
      status: { state: 'running', timestamp: w.now },
      spec: structuredClone(w.service.spec.task),
      networks: [],
    };
    w.tasks.set(id, task);
  }
  assert.deepEqual(w.pass().taskChanges, [], 'six running tasks: converged');
  w.scale(3);
  const changes = w.pass().taskChanges;
  assert.deepEqual(
    changes.map(c => (c.kind === 'set-desired-state' ? `${c.taskId}:${c.desiredState}` : c.kind)).sort(),
    ['s2:remove', 's3:remove', 's5:remove'],
  );
  w.settle();
  assert.deepEqual(w.placement(), ['1@a', '4@b', '6@c']);
});

test('slotsToRemove: tasks not on a node rank after every placed one; ties go to the highest slot', () => {
  const t = (nodeId: string, state: Task['status']['state']): SlotTask => ({
    nodeId,
    status: { state, timestamp: 0 },
  });
  const live = new Map([
    [1, [t('a', 'running')]],
    [2, [t('', 'pending')]],
    [3, [t('b', 'running')]],
    [4, [t('c', 'running')]],
  ]);
  assert.deepEqual(slotsToRemove(live, 2), [2, 4]);
  assert.deepEqual(slotsToRemove(live, 4), []);
  assert.deepEqual(slotsToRemove(live, 0), [2, 4, 3, 1]);
});

test('a node going down: its task is shut down and replaced in the same slot on another node', () => {
  const w = new World({ mode: { replicated: { replicas: 3 } } }, ['n1', 'n2', 'n3']);
  w.settle();
  const onN2 = w.liveTasks().find(t => t.nodeId === 'n2');
  assert.ok(onN2);
  w.setNode('n2', { state: 'down' });
  const result = w.pass();
  const created = result.taskChanges.filter(c => c.kind === 'create');
  assert.equal(created.length, 1);
  const replacement = created[0]?.kind === 'create' ? created[0].task : undefined;
  assert.equal(replacement?.slot, onN2.slot);
  assert.equal(replacement?.desiredState, 'running', 'a down node is not waited for');
  assert.ok(
    result.taskChanges.some(
      c => c.kind === 'set-desired-state' && c.taskId === onN2.id && c.desiredState === 'shutdown',
    ),
  );
  w.settle();
  assert.equal(w.liveTasks().length, 3);
  assert.ok(w.liveTasks().every(t => t.nodeId !== 'n2'));
  assert.deepEqual(
    w.liveTasks().map(t => t.slot),
    [1, 2, 3],
  );
  // The old task stays as history (desired shutdown) until its node reports it stopped.
  assert.equal(w.task(onN2.id).desiredState, 'shutdown');
});

test('a drained node: the replacement waits (desired ready) until the old task stopped', () => {
  const w = new World({ mode: { replicated: { replicas: 2 } } }, ['n1', 'n2', 'n3']);
  w.settle();
  const onN1 = w.liveTasks().find(t => t.nodeId === 'n1');
  assert.ok(onN1);
  w.setNode('n1', { availability: 'drain' });
  const result = w.pass();
  const created = result.taskChanges.find(c => c.kind === 'create');
  assert.ok(created?.kind === 'create');
  assert.equal(created.task.desiredState, 'ready');
  assert.equal(result.wakeAt, w.now + 60_000, 'the wait gives up after a minute');
  w.schedule();
  assert.equal(w.pass().taskChanges.length, 0, 'still waiting: the old task runs');
  w.agents(); // n1's agent stops the old task
  const start = w.pass();
  assert.deepEqual(start.taskChanges, [
    { kind: 'set-desired-state', taskId: created.task.id, desiredState: 'running' },
  ]);
});

test('a removed service: live tasks marked remove, stopped ones deleted', () => {
  const w = new World({ mode: { replicated: { replicas: 2 } } }, ['n1']);
  w.settle();
  const [a, b] = w.liveTasks();
  assert.ok(a && b);
  w.setState(b.id, 'complete');
  const changes = reconcileRemovedService({
    tasks: [...w.tasks.values()],
    nodes: [...w.nodes.values()],
  });
  assert.deepEqual(changes, [
    { kind: 'set-desired-state', taskId: a.id, desiredState: 'remove' },
    { kind: 'delete', taskId: b.id },
  ]);
});

test('history: a crashing slot keeps at most five tasks', () => {
  const w = new World({ mode: { replicated: { replicas: 1 } } }, ['n1']);
  w.service.spec.task.restart = { condition: 'any', delayMs: 1000, maxAttempts: 0 };
  w.crashes = () => true;
  w.settle(w.now + 30_000);
  const all = [...w.tasks.values()];
  assert.equal(all.length, 5);
  assert.equal(all.filter(live).length, 1);
  assert.ok(all.every(t => t.slot === 1));
});

test('maxCreates: a scale-up fills the lowest missing slots a batch at a time, unfinished until the last', () => {
  const w = new World({ mode: { replicated: { replicas: 7 } } }, ['n1', 'n2']);
  w.orchestrate = input => reconcileService({ ...input, maxCreates: 3 });
  const batches: { slots: number[]; unfinished: boolean }[] = [];
  for (let i = 0; i < 4; i++) {
    const result = w.pass();
    batches.push({
      slots: result.taskChanges.flatMap(c => (c.kind === 'create' ? [c.task.slot] : [])),
      unfinished: result.unfinished === true,
    });
  }
  assert.deepEqual(batches, [
    { slots: [1, 2, 3], unfinished: true },
    { slots: [4, 5, 6], unfinished: true },
    { slots: [7], unfinished: false },
    { slots: [], unfinished: false },
  ]);
  w.settle();
  assert.equal(w.liveTasks().length, 7);
});

test('a task found up to date is compared again once the service attaches it to other networks', () => {
  const w = new World({ mode: { replicated: { replicas: 2 } }, networks: [{ target: 'net1' }] }, ['n1']);
  w.settle();
  assert.deepEqual(w.pass().taskChanges, [], 'converged: every task up to date');
  // Same spec object for the tasks; only the networks differ.
  w.service = { ...w.service, spec: { ...w.service.spec, networks: [{ target: 'net2' }] } };
  const changes = w.pass().taskChanges;
  assert.ok(
    changes.some(c => c.kind === 'set-desired-state' && c.desiredState === 'shutdown') ||
      changes.some(c => c.kind === 'create'),
    `the update replaces a task: ${JSON.stringify(changes)}`,
  );
});
