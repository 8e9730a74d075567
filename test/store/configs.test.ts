/**
 * The configs table: create/get/find/update/delete through its helpers; names are unique; snapshots
 * carry it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createConfig,
  deleteConfig,
  findConfigs,
  getConfig,
  isConfigEvent,
  NameConflictError,
  NotFoundError,
  STORE_TABLES,
  updateConfig,
  type Config,
  type NewObject,
} from '../../server/store/index.ts';
import { singleStore } from './fake-proposers.ts';
import { copy } from './fixtures.ts';

function newConfig(id: string, name: string, text = 'hello'): NewObject<Config> {
  return { id, spec: { name, data: Buffer.from(text).toString('base64'), labels: { env: 'test' } } };
}

test('the configs table is registered', () => {
  assert.ok(STORE_TABLES.some(t => t.name === 'configs'));
});

test('create, get, update and delete a config', async () => {
  const { store } = singleStore();
  await store.update(tx => void createConfig(tx, newConfig('c1', 'nginx.conf')), 10);
  const c1 = store.view(tx => getConfig(tx, 'c1'))!;
  assert.deepEqual(c1, {
    ...newConfig('c1', 'nginx.conf'),
    meta: { version: { index: 1 }, createdAt: 10, updatedAt: 10 },
  });
  assert.equal(Buffer.from(c1.spec.data, 'base64').toString(), 'hello');

  const next = copy(c1);
  next.spec.labels = { env: 'prod' };
  await store.update(tx => void updateConfig(tx, next), 20);
  const updated = store.view(tx => getConfig(tx, 'c1'))!;
  assert.deepEqual(updated.spec.labels, { env: 'prod' });
  assert.equal(updated.meta.version.index, 2);
  assert.equal(updated.meta.createdAt, 10);

  await store.update(tx => deleteConfig(tx, 'c1'), 30);
  assert.equal(
    store.view(tx => getConfig(tx, 'c1')),
    undefined,
  );
  await assert.rejects(
    store.update(tx => deleteConfig(tx, 'c1'), 40),
    NotFoundError,
  );
});

test('config names are unique regardless of case; a removed config frees its name', async () => {
  const { store } = singleStore();
  await store.update(tx => void createConfig(tx, newConfig('c1', 'app.yml')), 1);
  await assert.rejects(
    store.update(tx => void createConfig(tx, newConfig('c2', 'APP.yml')), 2),
    NameConflictError,
  );
  await store.update(tx => {
    deleteConfig(tx, 'c1');
    createConfig(tx, newConfig('c2', 'app.yml'));
  }, 3);
  assert.deepEqual(
    store.view(tx => findConfigs(tx, { name: 'app.yml' }).map(c => c.id)),
    ['c2'],
  );
});

test('findConfigs by name, name prefix and id prefix', async () => {
  const { store } = singleStore();
  await store.update(tx => {
    createConfig(tx, newConfig('b2', 'web.conf'));
    createConfig(tx, newConfig('a1', 'db.conf'));
  }, 1);
  const ids = (filter?: Parameters<typeof findConfigs>[1]) =>
    store.view(tx => findConfigs(tx, filter).map(c => c.id));
  assert.deepEqual(ids(), ['a1', 'b2']);
  assert.deepEqual(ids({ name: 'WEB.conf' }), ['b2']);
  assert.deepEqual(ids({ namePrefix: 'db' }), ['a1']);
  assert.deepEqual(ids({ idPrefix: 'b' }), ['b2']);
});

test('configs survive a snapshot and restore', async () => {
  const { store } = singleStore();
  await store.update(tx => void createConfig(tx, newConfig('c1', 'a.conf', 'x'.repeat(1000))), 1);
  const other = singleStore().store;
  other.restore(store.snapshot());
  assert.deepEqual(
    other.view(tx => getConfig(tx, 'c1')),
    store.view(tx => getConfig(tx, 'c1')),
  );
});

test('isConfigEvent narrows events of the configs table', async () => {
  const { store } = singleStore();
  const watcher = store.watch({ tables: ['configs'] });
  await store.update(tx => void createConfig(tx, newConfig('c1', 'a.conf')), 1);
  const { value } = await watcher.next();
  assert.ok(value && isConfigEvent(value));
  assert.equal(value.object.spec.name, 'a.conf');
  watcher.close();
});
