/** The tasks table: CRUD through its helpers; listed by service, node, desired state and network. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compareTaskStates,
  createTask,
  deleteTask,
  findTasks,
  getTask,
  InvalidArgumentError,
  isTaskEvent,
  TASK_STATES,
  taskTable,
  updateTask,
} from '../../server/store/index.ts';
import { singleStore } from './fake-proposers.ts';
import { copy, newTask } from './fixtures.ts';

test('create, get, update and delete a task', async () => {
  const { store } = singleStore();
  await store.update(tx => void createTask(tx, newTask('t1', 's1', 1)), 10);
  const t1 = store.view(tx => getTask(tx, 't1'))!;
  assert.deepEqual(t1, {
    ...newTask('t1', 's1', 1),
    meta: { version: { index: 1 }, createdAt: 10, updatedAt: 10 },
  });

  const next = copy(t1);
  next.nodeId = 'node1';
  next.status = { state: 'running', timestamp: 15, message: 'started' };
  next.networks = [{ networkId: 'n1', addresses: ['10.0.1.3/24'] }];
  await store.update(tx => void updateTask(tx, next), 20);
  const updated = store.view(tx => getTask(tx, 't1'))!;
  assert.equal(updated.nodeId, 'node1');
  assert.deepEqual(updated.networks, [{ networkId: 'n1', addresses: ['10.0.1.3/24'] }]);
  assert.deepEqual(updated.status, { state: 'running', timestamp: 15, message: 'started' });

  await store.update(tx => deleteTask(tx, 't1'), 30);
  assert.equal(
    store.view(tx => getTask(tx, 't1')),
    undefined,
  );
});

test('findTasks by service, node, desired state, network and id prefix', async () => {
  const { store } = singleStore();
  await store.update(tx => {
    createTask(tx, newTask('a1', 's1', 1, { nodeId: 'x', networks: [{ networkId: 'n1', addresses: [] }] }));
    createTask(tx, newTask('a2', 's1', 2, { nodeId: 'y', desiredState: 'shutdown' }));
    createTask(tx, newTask('b1', 's2', 1, { nodeId: 'x', networks: [{ networkId: 'n2', addresses: [] }] }));
  }, 1);
  const ids = (filter?: Parameters<typeof findTasks>[1]) =>
    store.view(tx => findTasks(tx, filter).map(t => t.id));
  assert.deepEqual(ids(), ['a1', 'a2', 'b1']);
  assert.deepEqual(ids({ serviceId: 's1' }), ['a1', 'a2']);
  assert.deepEqual(ids({ nodeId: 'x' }), ['a1', 'b1']);
  assert.deepEqual(ids({ desiredState: 'running' }), ['a1', 'b1']);
  assert.deepEqual(ids({ serviceId: 's1', desiredState: 'running', nodeId: 'x' }), ['a1']);
  assert.deepEqual(ids({ networkId: 'n2' }), ['b1']);
  assert.deepEqual(ids({ idPrefix: 'a' }), ['a1', 'a2']);
  assert.deepEqual(ids({ where: t => t.slot === 2 }), ['a2']);
});

test('tasks have no names: finding them by name is refused', async () => {
  const { store } = singleStore();
  assert.throws(() => store.view(tx => tx.find(taskTable, { name: 'web.1' })), InvalidArgumentError);
});

test('task states compare in lifecycle order, as swarmkit numbers them', () => {
  assert.equal(TASK_STATES.length, 14);
  assert.ok(compareTaskStates('new', 'pending') < 0);
  assert.ok(compareTaskStates('running', 'running') === 0);
  assert.ok(compareTaskStates('shutdown', 'running') > 0);
  assert.ok(compareTaskStates('orphaned', 'remove') > 0);
  const sorted = [...TASK_STATES].reverse().sort(compareTaskStates);
  assert.deepEqual(sorted, TASK_STATES);
});

test('isTaskEvent narrows events of the tasks table', async () => {
  const { store } = singleStore();
  const watcher = store.watch({ tables: ['tasks'] });
  await store.update(tx => void createTask(tx, newTask('t1', 's1', 3)), 1);
  const { value } = await watcher.next();
  assert.ok(value && isTaskEvent(value));
  assert.equal(value.object.slot, 3);
  watcher.close();
});
