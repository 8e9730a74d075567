/** The services table: CRUD through its helpers; names are unique; find by referenced network. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createService,
  deleteService,
  findServices,
  getService,
  isServiceEvent,
  NameConflictError,
  SequenceConflictError,
  updateService,
} from '../../server/store/index.ts';
import { singleStore } from './fake-proposers.ts';
import { copy, newService } from './fixtures.ts';

test('create, get, update (keeping the previous spec) and delete a service', async () => {
  const { store } = singleStore();
  await store.update(tx => void createService(tx, newService('s1', 'web')), 10);
  const s1 = store.view(tx => getService(tx, 's1'))!;
  assert.deepEqual(s1, {
    ...newService('s1', 'web'),
    meta: { version: { index: 1 }, createdAt: 10, updatedAt: 10 },
  });

  const next = copy(s1);
  next.previousSpec = copy(s1.spec);
  next.spec.mode = { replicated: { replicas: 3 } };
  next.endpoint = { ports: [], virtualIPs: [{ networkId: 'n1', addr: '10.0.1.2/24' }] };
  await store.update(tx => void updateService(tx, next), 20);
  const updated = store.view(tx => getService(tx, 's1'))!;
  assert.deepEqual(updated.spec.mode, { replicated: { replicas: 3 } });
  assert.deepEqual(updated.previousSpec, s1.spec);
  assert.deepEqual(updated.endpoint?.virtualIPs, [{ networkId: 'n1', addr: '10.0.1.2/24' }]);

  // `service update` with a stale version: Swarm's text.
  await assert.rejects(
    store.update(tx => void updateService(tx, copy(s1)), 30),
    (err: unknown) => err instanceof SequenceConflictError && err.message === 'update out of sequence',
  );
  await store.update(tx => deleteService(tx, 's1'), 40);
  assert.equal(
    store.view(tx => getService(tx, 's1')),
    undefined,
  );
});

test('service names are unique regardless of case; a rename frees the old name', async () => {
  const { store } = singleStore();
  await store.update(tx => void createService(tx, newService('s1', 'web')), 1);
  await assert.rejects(
    store.update(tx => void createService(tx, newService('s2', 'Web')), 2),
    NameConflictError,
  );
  const renamed = copy(store.view(tx => getService(tx, 's1'))!);
  renamed.spec.name = 'api';
  await store.update(tx => {
    updateService(tx, renamed);
    createService(tx, newService('s2', 'web'));
  }, 3);
  assert.deepEqual(
    store.view(tx => findServices(tx).map(s => [s.id, s.spec.name])),
    [
      ['s1', 'api'],
      ['s2', 'web'],
    ],
  );
});

test('findServices by referenced network, name prefix and predicate', async () => {
  const { store } = singleStore();
  await store.update(tx => {
    createService(tx, newService('s1', 'web', { networks: [{ target: 'n1' }] }));
    createService(tx, newService('s2', 'worker', { networks: [{ target: 'n2' }, { target: 'n1' }] }));
    createService(tx, newService('s3', 'db', { mode: { global: {} } }));
  }, 1);
  const ids = (filter?: Parameters<typeof findServices>[1]) =>
    store.view(tx => findServices(tx, filter).map(s => s.id));
  assert.deepEqual(ids(), ['s1', 's2', 's3']);
  assert.deepEqual(ids({ networkId: 'n1' }), ['s1', 's2']);
  assert.deepEqual(ids({ networkId: 'n2' }), ['s2']);
  assert.deepEqual(ids({ networkId: 'n1', namePrefix: 'wo' }), ['s2']);
  assert.deepEqual(ids({ where: s => 'global' in s.spec.mode }), ['s3']);
});

test('isServiceEvent narrows events of the services table', async () => {
  const { store } = singleStore();
  const watcher = store.watch();
  await store.update(tx => void createService(tx, newService('s1', 'web')), 1);
  const { value } = await watcher.next();
  assert.ok(value && isServiceEvent(value));
  assert.equal(value.object.spec.name, 'web');
  watcher.close();
});
