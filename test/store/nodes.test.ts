/** The nodes table: create/get/find/update/delete through its helpers; hostnames are not unique. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createNode,
  deleteNode,
  findNodes,
  getNode,
  isNodeEvent,
  NotFoundError,
  updateNode,
} from '../../server/store/index.ts';
import { singleStore } from './fake-proposers.ts';
import { copy, newNode } from './fixtures.ts';

test('create, get, update and delete a node', async () => {
  const { store } = singleStore();
  await store.update(tx => {
    const created = createNode(
      tx,
      newNode('n1', { managerStatus: { raftId: 7, addr: '198.51.100.1:2377' } }),
    );
    assert.equal(created.meta.version.index, 0, 'not applied yet');
  }, 100);
  const n1 = store.view(tx => getNode(tx, 'n1'))!;
  assert.deepEqual(n1, {
    ...newNode('n1', { managerStatus: { raftId: 7, addr: '198.51.100.1:2377' } }),
    meta: { version: { index: 1 }, createdAt: 100, updatedAt: 100 },
  });

  const next = copy(n1);
  next.spec.availability = 'drain';
  next.status = { state: 'down', addr: '198.51.100.9', message: 'heartbeat failure' };
  next.certificate = { status: 'renew', csrPem: 'CSR' };
  await store.update(tx => void updateNode(tx, next), 200);
  const updated = store.view(tx => getNode(tx, 'n1'))!;
  assert.equal(updated.spec.availability, 'drain');
  assert.deepEqual(updated.status, { state: 'down', addr: '198.51.100.9', message: 'heartbeat failure' });
  assert.deepEqual(updated.certificate, { status: 'renew', csrPem: 'CSR' });
  assert.deepEqual(updated.meta, { version: { index: 2 }, createdAt: 100, updatedAt: 200 });

  await store.update(tx => deleteNode(tx, 'n1'), 300);
  assert.equal(
    store.view(tx => getNode(tx, 'n1')),
    undefined,
  );
  await assert.rejects(
    store.update(tx => deleteNode(tx, 'n1'), 400),
    NotFoundError,
  );
});

test('findNodes: all sorted by id, by id prefix, by hostname (not unique, any case), by prefix, role, predicate', async () => {
  const { store } = singleStore();
  await store.update(tx => {
    createNode(tx, newNode('b2', { description: { hostname: 'web' } }));
    createNode(tx, newNode('a1', { description: { hostname: 'Web' }, role: 'manager' }));
    createNode(tx, newNode('b1', { description: { hostname: 'db' } }));
    createNode(
      tx,
      newNode('c1', {
        description: { hostname: 'web-2' },
        spec: { desiredRole: 'worker', availability: 'pause', labels: { zone: 'b' } },
      }),
    );
  }, 1);
  const ids = (filter?: Parameters<typeof findNodes>[1]) =>
    store.view(tx => findNodes(tx, filter).map(n => n.id));
  assert.deepEqual(ids(), ['a1', 'b1', 'b2', 'c1']);
  assert.deepEqual(ids({ idPrefix: 'b' }), ['b1', 'b2']);
  assert.deepEqual(ids({ name: 'WEB' }), ['a1', 'b2']);
  assert.deepEqual(ids({ namePrefix: 'web' }), ['a1', 'b2', 'c1']);
  assert.deepEqual(ids({ role: 'manager' }), ['a1']);
  assert.deepEqual(ids({ role: 'worker', namePrefix: 'web' }), ['b2', 'c1']);
  assert.deepEqual(ids({ where: n => n.spec.labels['zone'] === 'b' }), ['c1']);
  assert.deepEqual(ids({ role: 'worker', where: n => n.spec.availability === 'active' }), ['b1', 'b2']);
});

test('two nodes may share a hostname', async () => {
  const { store } = singleStore();
  await store.update(tx => {
    createNode(tx, newNode('n1', { description: { hostname: 'same' } }));
    createNode(tx, newNode('n2', { description: { hostname: 'same' } }));
  }, 1);
  assert.equal(store.view(tx => findNodes(tx, { name: 'same' })).length, 2);
});

test('isNodeEvent narrows events of the nodes table', async () => {
  const { store } = singleStore();
  const watcher = store.watch();
  await store.update(tx => void createNode(tx, newNode('n1')), 1);
  const { value } = await watcher.next();
  assert.ok(value && isNodeEvent(value));
  assert.equal(value.object.description.hostname, 'host-n1');
  watcher.close();
});
