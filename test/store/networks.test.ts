/** The networks table: CRUD through its helpers; names are unique; allocation is stored with the network. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createNetwork,
  deleteNetwork,
  findNetworks,
  getNetwork,
  isNetworkEvent,
  NameConflictError,
  NotFoundError,
  SequenceConflictError,
  STORE_TABLES,
  updateNetwork,
} from '../../server/store/index.ts';
import { singleStore } from './fake-proposers.ts';
import { copy, newNetwork } from './fixtures.ts';

test('the networks table is registered', () => {
  assert.ok(STORE_TABLES.some(t => t.name === 'networks'));
});

test('create, get, allocate (update) and delete a network', async () => {
  const { store } = singleStore();
  await store.update(tx => void createNetwork(tx, newNetwork('n1', 'test', { attachable: true })), 10);
  const n1 = store.view(tx => getNetwork(tx, 'n1'))!;
  assert.deepEqual(n1, {
    ...newNetwork('n1', 'test', { attachable: true }),
    meta: { version: { index: 1 }, createdAt: 10, updatedAt: 10 },
  });
  assert.equal(n1.allocation, undefined);

  const next = copy(n1);
  next.allocation = { subnet: '10.0.1.0/24', gateway: '10.0.1.1', vni: 4097, lastAddress: '10.0.1.1' };
  await store.update(tx => void updateNetwork(tx, next), 20);
  const allocated = store.view(tx => getNetwork(tx, 'n1'))!;
  assert.deepEqual(allocated.allocation, next.allocation);
  assert.deepEqual(allocated.meta, { version: { index: 2 }, createdAt: 10, updatedAt: 20 });

  // A writer holding the old version loses.
  await assert.rejects(
    store.update(tx => void updateNetwork(tx, { ...copy(n1), spec: { ...n1.spec, internal: true } }), 30),
    (err: unknown) => err instanceof SequenceConflictError && err.message === 'update out of sequence',
  );

  await store.update(tx => deleteNetwork(tx, 'n1'), 40);
  assert.equal(
    store.view(tx => getNetwork(tx, 'n1')),
    undefined,
  );
  await assert.rejects(
    store.update(tx => deleteNetwork(tx, 'n1'), 50),
    NotFoundError,
  );
});

test('network names are unique regardless of case', async () => {
  const { store } = singleStore();
  await store.update(tx => void createNetwork(tx, newNetwork('n1', 'test')), 1);
  await assert.rejects(
    store.update(tx => void createNetwork(tx, newNetwork('n2', 'TEST')), 2),
    (err: unknown) =>
      err instanceof NameConflictError &&
      err.message === 'name conflicts with an existing object' &&
      err.holderId === 'n1' &&
      err.objectName === 'TEST',
  );
  assert.deepEqual(
    store.view(tx => findNetworks(tx, { name: 'Test' }).map(n => n.id)),
    ['n1'],
  );
});

test('isNetworkEvent narrows events of the networks table', async () => {
  const { store } = singleStore();
  const watcher = store.watch({ tables: ['networks'] });
  await store.update(tx => void createNetwork(tx, newNetwork('n1', 'ingress', { ingress: true })), 1);
  const { value } = await watcher.next();
  assert.ok(value && isNetworkEvent(value));
  assert.equal(value.object.spec.ingress, true);
  watcher.close();
});
