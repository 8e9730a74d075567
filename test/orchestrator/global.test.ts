/** Global services: one task per eligible node, following nodes that join, drain, pause, go down, stop matching. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { World } from './world.ts';

const GLOBAL = { mode: { global: {} } } as const;

test('one task per ready node, pre-assigned, slot 0; a node that joins later gets its own', () => {
  const w = new World(GLOBAL, ['n1', 'n2']);
  const first = w.pass();
  assert.deepEqual(
    first.taskChanges.map(c => (c.kind === 'create' ? `${c.task.slot}@${c.task.nodeId}` : c.kind)),
    ['0@n1', '0@n2'],
  );
  w.settle();
  w.addNode('n3');
  const joined = w.pass();
  assert.deepEqual(
    joined.taskChanges.map(c => (c.kind === 'create' ? `${c.task.nodeId}:${c.task.desiredState}` : c.kind)),
    ['n3:running'],
  );
  w.settle();
  assert.deepEqual(w.placement(), ['0@n1', '0@n2', '0@n3']);
  assert.ok(w.liveTasks().every(t => t.status.state === 'running'));
});

test('a drained node has its task shut down and gets none; back to active, it gets a new one', () => {
  const w = new World(GLOBAL, ['n1', 'n2', 'n3']);
  w.settle();
  const onN2 = w.liveTasks().find(t => t.nodeId === 'n2');
  assert.ok(onN2);
  w.setNode('n2', { availability: 'drain' });
  const drained = w.pass();
  assert.deepEqual(drained.taskChanges, [
    { kind: 'set-desired-state', taskId: onN2.id, desiredState: 'shutdown' },
  ]);
  w.settle();
  assert.deepEqual(w.placement(), ['0@n1', '0@n3']);
  assert.equal(w.task(onN2.id).status.state, 'shutdown', 'kept as history');
  w.setNode('n2', { availability: 'active' });
  w.settle();
  assert.deepEqual(w.placement(), ['0@n1', '0@n2', '0@n3']);
});

test('a paused node keeps its task but gets no new one', () => {
  const w = new World(GLOBAL, ['n1', 'n2']);
  w.settle();
  w.setNode('n2', { availability: 'pause' });
  w.addNode('n3', { availability: 'pause' });
  assert.deepEqual(w.pass().taskChanges, []);
  assert.deepEqual(w.placement(), ['0@n1', '0@n2']);
});

test('a down node: its task is shut down, none replaces it; back up, a new task waits for the old to stop', () => {
  const w = new World(GLOBAL, ['n1', 'n2']);
  w.settle();
  const old = w.liveTasks().find(t => t.nodeId === 'n2');
  assert.ok(old);
  w.setNode('n2', { state: 'down' });
  w.settle();
  assert.deepEqual(w.placement(), ['0@n1']);
  assert.equal(w.task(old.id).status.state, 'running', 'a down node reports nothing');
  w.setNode('n2', { state: 'ready' });
  const back = w.pass();
  const created = back.taskChanges.find(c => c.kind === 'create');
  assert.ok(created?.kind === 'create');
  assert.equal(created.task.nodeId, 'n2');
  assert.equal(created.task.desiredState, 'ready', 'the old task may still run there');
  w.agents(); // n2's agent stops the old task
  w.settle();
  assert.equal(w.task(created.task.id).status.state, 'running');
  assert.deepEqual(w.placement(), ['0@n1', '0@n2']);
});

test('constraints: only matching nodes; a node whose label changes loses or gains its task; a removed node its history', () => {
  const w = new World(GLOBAL);
  w.service.spec.task.constraints = ['node.labels.zone==a'];
  w.addNode('n1', { labels: { zone: 'a' } });
  w.addNode('n2', { labels: { zone: 'b' } });
  w.addNode('n3', { labels: { zone: 'a' } });
  w.settle();
  assert.deepEqual(w.placement(), ['0@n1', '0@n3']);
  w.setNode('n2', { labels: { zone: 'a' } });
  w.setNode('n3', { labels: {} });
  w.settle();
  assert.deepEqual(w.placement(), ['0@n1', '0@n2']);
  w.removeNode('n1');
  w.settle();
  assert.deepEqual(w.placement(), ['0@n2']);
  assert.ok(
    [...w.tasks.values()].every(t => t.nodeId !== 'n1'),
    "a removed node's tasks are deleted",
  );
});

test('a global task that fails is restarted on its node after the delay', () => {
  const w = new World(GLOBAL, ['n1']);
  w.service.spec.task.restart = { condition: 'any', delayMs: 2000, maxAttempts: 0 };
  w.settle();
  const [first] = w.liveTasks();
  assert.ok(first);
  w.setState(first.id, 'failed', 'exit status 1');
  const waiting = w.pass();
  assert.deepEqual(waiting.taskChanges, []);
  assert.equal(waiting.wakeAt, w.now + 2000);
  w.now += 2000;
  const restarted = w.pass();
  const created = restarted.taskChanges.find(c => c.kind === 'create');
  assert.ok(created?.kind === 'create');
  assert.equal(created.task.nodeId, 'n1');
  assert.equal(created.task.desiredState, 'running');
});
