/** The clusters table: create/get/find/update/delete through its helpers; names are unique. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createCluster,
  DEFAULT_CLUSTER_NAME,
  deleteCluster,
  findClusters,
  getCluster,
  isClusterEvent,
  NameConflictError,
  NotFoundError,
  updateCluster,
} from '../../server/store/index.ts';
import { singleStore } from './fake-proposers.ts';
import { copy, newCluster } from './fixtures.ts';

test('create, get, update and delete the cluster', async () => {
  const { store } = singleStore();
  await store.update(tx => void createCluster(tx, newCluster('c1', DEFAULT_CLUSTER_NAME)), 10);
  const c1 = store.view(tx => getCluster(tx, 'c1'))!;
  assert.deepEqual(c1, {
    ...newCluster('c1'),
    meta: { version: { index: 1 }, createdAt: 10, updatedAt: 10 },
  });

  // Remove a node: its certificate is refused until it expires; rotate the worker token.
  const next = copy(c1);
  next.blacklistedCertificates['node-1'] = { expiresAt: 99_000 };
  next.joinTokens.worker = 'SWMTKN-1-a-w2';
  await store.update(tx => void updateCluster(tx, next), 20);
  const updated = store.view(tx => getCluster(tx, 'c1'))!;
  assert.deepEqual(updated.blacklistedCertificates, { 'node-1': { expiresAt: 99_000 } });
  assert.deepEqual(updated.joinTokens, { worker: 'SWMTKN-1-a-w2', manager: 'SWMTKN-1-a-m' });
  assert.equal(updated.meta.version.index, 2);

  await store.update(tx => deleteCluster(tx, 'c1'), 30);
  assert.equal(
    store.view(tx => getCluster(tx, 'c1')),
    undefined,
  );
  await assert.rejects(
    store.update(tx => deleteCluster(tx, 'c1'), 40),
    NotFoundError,
  );
});

test('findClusters by name (any case), name prefix and id prefix', async () => {
  const { store } = singleStore();
  await store.update(tx => {
    createCluster(tx, newCluster('c2', 'default'));
    createCluster(tx, newCluster('c1', 'staging'));
  }, 1);
  const ids = (filter?: Parameters<typeof findClusters>[1]) =>
    store.view(tx => findClusters(tx, filter).map(c => c.id));
  assert.deepEqual(ids(), ['c1', 'c2']);
  assert.deepEqual(ids({ name: 'DEFAULT' }), ['c2']);
  assert.deepEqual(ids({ namePrefix: 'sta' }), ['c1']);
  assert.deepEqual(ids({ idPrefix: 'c2' }), ['c2']);
  assert.deepEqual(ids({ name: 'nope' }), []);
});

test('cluster names are unique; a deleted cluster frees its name', async () => {
  const { store } = singleStore();
  await store.update(tx => void createCluster(tx, newCluster('c1', 'default')), 1);
  await assert.rejects(
    store.update(tx => void createCluster(tx, newCluster('c2', 'default')), 2),
    NameConflictError,
  );
  await store.update(tx => {
    deleteCluster(tx, 'c1');
    createCluster(tx, newCluster('c2', 'default'));
  }, 3);
  assert.deepEqual(
    store.view(tx => findClusters(tx, { name: 'default' }).map(c => c.id)),
    ['c2'],
  );
});

test('isClusterEvent narrows events of the clusters table', async () => {
  const { store } = singleStore();
  const watcher = store.watch({ tables: ['clusters'] });
  await store.update(tx => void createCluster(tx, newCluster('c1')), 1);
  const { value } = await watcher.next();
  assert.ok(value && isClusterEvent(value));
  assert.equal(value.object.rootCa.caDigest, 'digest');
  watcher.close();
});
