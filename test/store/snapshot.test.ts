/** snapshot/restore: the whole store as bytes, restored exactly, refusing anything malformed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clusterTable,
  configTable,
  createCluster,
  createNetwork,
  createNode,
  createService,
  createTask,
  decodeStoreActions,
  encodeStoreActions,
  findClusters,
  findNetworks,
  findNodes,
  findServices,
  findTasks,
  getNetwork,
  getNode,
  InvalidArgumentError,
  NameConflictError,
  networkTable,
  nodeTable,
  serviceTable,
  taskTable,
  StoreRestoredError,
  updateNode,
  type ReadTx,
} from '../../server/store/index.ts';
import { encodeSnapshotPieces, SNAPSHOT_FORMAT, type SnapshotDocument } from '../../server/store/encoding.ts';
import { singleStore } from './fake-proposers.ts';
import { copy, newCluster, newNetwork, newNode, newService, newTask } from './fixtures.ts';

async function populated() {
  const s = singleStore();
  await s.store.update(tx => {
    createCluster(tx, newCluster('c1'));
    createNode(tx, newNode('n2', { managerStatus: { raftId: 2, addr: '198.51.100.2:2377' } }));
    createNode(tx, newNode('n1', { status: { state: 'down', addr: '198.51.100.1', message: 'gone' } }));
  }, 1000);
  await s.store.update(tx => void updateNode(tx, { ...copy(getNode(tx, 'n1')!), role: 'manager' }), 2000);
  return s;
}

const everything = (tx: ReadTx) => ({
  nodes: findNodes(tx),
  clusters: findClusters(tx),
});

test('snapshot → restore round trip gives back the same state, index and bytes', async () => {
  const { store } = await populated();
  const bytes = store.snapshot();
  const { store: fresh } = singleStore();
  fresh.restore(bytes);
  assert.deepEqual(fresh.view(everything), store.view(everything));
  assert.equal(fresh.appliedIndex, store.appliedIndex);
  assert.deepEqual(fresh.snapshot(), bytes);
  const restored = fresh.view(tx => getNode(tx, 'n1'))!;
  assert.ok(Object.isFrozen(restored.status), 'restored objects are frozen too');
  // The restored store goes on from there: versions and names still checked.
  await assert.rejects(
    fresh.update(tx => void createCluster(tx, newCluster('c9', 'default')), 3000),
    NameConflictError,
  );
});

test('the snapshot is JSON of every table, objects sorted by id', async () => {
  const { store } = await populated();
  const doc = JSON.parse(new TextDecoder().decode(store.snapshot())) as {
    index: number;
    tables: Record<string, { id: string }[]>;
  };
  assert.equal(doc.index, 2);
  assert.deepEqual(Object.keys(doc.tables), [
    nodeTable.name,
    clusterTable.name,
    configTable.name,
    networkTable.name,
    serviceTable.name,
    taskTable.name,
  ]);
  assert.deepEqual(
    doc.tables['nodes']?.map(n => n.id),
    ['n1', 'n2'],
  );
});

test('restore replaces everything, emits nothing, and closes watchers with StoreRestoredError', async () => {
  const { store: source } = await populated();
  const { store } = singleStore();
  await store.update(tx => void createNode(tx, newNode('only-here')), 1);
  const watcher = store.watch();
  store.restore(source.snapshot());
  assert.equal(
    store.view(tx => getNode(tx, 'only-here')),
    undefined,
  );
  await assert.rejects(
    watcher.next(),
    (err: unknown) => err instanceof StoreRestoredError && err.index === 2,
  );
  assert.equal(store.watcherCount, 0);
});

test('restore refuses malformed snapshots and leaves the store as it was', async () => {
  const { store } = await populated();
  const before = store.snapshot();
  const good = JSON.parse(new TextDecoder().decode(before)) as { tables: Record<string, unknown[]> };
  const bad = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const node = good.tables['nodes']?.[0];
  const cases: [string, Uint8Array][] = [
    ['not JSON', new TextEncoder().encode('{')],
    ['not UTF-8', new Uint8Array([0xff, 0xfe])],
    ['wrong format', bad({ ...good, format: 'other' })],
    ['unknown table', bad({ ...good, tables: { ...good.tables, volumes: [] } })],
    ['object without id', bad({ ...good, tables: { nodes: [{ meta: {} }] } })],
    ['duplicate id', bad({ ...good, tables: { nodes: [node, node] } })],
    [
      'duplicate unique name',
      bad({
        ...good,
        tables: {
          clusters: [
            { ...newCluster('a', 'x'), meta: { version: { index: 1 }, createdAt: 0, updatedAt: 0 } },
            { ...newCluster('b', 'X'), meta: { version: { index: 1 }, createdAt: 0, updatedAt: 0 } },
          ],
        },
      }),
    ],
  ];
  for (const [name, data] of cases) {
    assert.throws(() => store.restore(data), InvalidArgumentError, name);
    assert.deepEqual(store.snapshot(), before, `${name}: state unchanged`);
  }
});

test('a changelist survives its trip through a Raft entry; malformed payloads are refused', () => {
  const meta = { version: { index: 3 }, createdAt: 1, updatedAt: 2 };
  const actions = [
    { kind: 'create' as const, table: 'nodes', object: { ...newNode('n1'), meta } },
    { kind: 'remove' as const, table: 'clusters', object: { ...newCluster('c1'), meta } },
  ];
  assert.deepEqual(decodeStoreActions(encodeStoreActions(actions)), actions);
  const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  for (const payload of [
    new TextEncoder().encode('nope'),
    enc({}),
    enc([{ kind: 'upsert', table: 'nodes', object: actions[0]?.object }]),
    enc([{ kind: 'create', object: actions[0]?.object }]),
    enc([{ kind: 'update', table: 'nodes', object: { id: 'x' } }]),
  ]) {
    assert.throws(() => decodeStoreActions(payload), InvalidArgumentError);
  }
});

test('networks, services and tasks survive a snapshot and a trip through a Raft entry', async () => {
  const { store, proposer } = singleStore();
  const allocation = { subnet: '10.0.1.0/24', gateway: '10.0.1.1', vni: 4097, lastAddress: '10.0.1.3' };
  await store.update(tx => {
    createNetwork(tx, {
      ...newNetwork('net1', 'test', {
        ipam: { subnet: '10.0.1.0/24' },
        driverOptions: { 'com.docker.network.driver.overlay.vxlanid_list': '4097' },
      }),
      allocation,
    });
    createService(tx, {
      ...newService('svc1', 'web', {
        networks: [{ target: 'net1' }],
        endpoint: {
          mode: 'vip',
          ports: [{ protocol: 'tcp', targetPort: 80, publishedPort: 0, publishMode: 'ingress' }],
        },
      }),
      endpoint: {
        ports: [{ protocol: 'tcp', targetPort: 80, publishedPort: 30000, publishMode: 'ingress' }],
        virtualIPs: [{ networkId: 'net1', addr: '10.0.1.2/24' }],
      },
    });
    createService(tx, newService('svc2', 'global', { mode: { global: {} } }));
    createTask(
      tx,
      newTask('t1', 'svc1', 1, {
        networks: [{ networkId: 'net1', addresses: ['10.0.1.3/24'] }],
        status: { state: 'running', timestamp: 5, message: 'started' },
      }),
    );
  }, 100);
  const all = (tx: ReadTx) => ({
    networks: findNetworks(tx),
    services: findServices(tx),
    tasks: findTasks(tx),
  });
  const fresh = singleStore().store;
  fresh.restore(store.snapshot());
  assert.deepEqual(fresh.view(all), store.view(all));
  assert.deepEqual(fresh.view(tx => getNetwork(tx, 'net1'))?.allocation, allocation);
  const [entry] = proposer.proposals;
  assert.ok(entry);
  assert.deepEqual(decodeStoreActions(encodeStoreActions(entry)), entry);
  assert.deepEqual(
    entry.map(a => a.table),
    ['networks', 'services', 'services', 'tasks'],
  );
});

test('a snapshot in pieces is, piece after piece, the bytes of the snapshot whole', () => {
  const obj = (i: number) => ({ id: `o${i}`, meta: { version: { index: i } }, text: `"é\\${i}` });
  const json = (doc: SnapshotDocument): string => JSON.stringify(doc);
  const text = (pieces: Iterable<Uint8Array>): string =>
    [...pieces].map(p => new TextDecoder().decode(p)).join('');
  for (const [a, b] of [
    [0, 0],
    [1, 0],
    [0, 3],
    [2, 5],
    [4, 1],
  ] as const) {
    const doc = {
      format: SNAPSHOT_FORMAT,
      index: 7,
      tables: {
        first: Array.from({ length: a }, (_, i) => obj(i)),
        empty: [],
        second: Array.from({ length: b }, (_, i) => obj(100 + i)),
      },
    } as unknown as SnapshotDocument;
    for (const perPiece of [1, 2, 3, 1000]) {
      assert.equal(
        text(encodeSnapshotPieces(doc, perPiece)),
        json(doc),
        `${a}, ${b} objects, ${perPiece} a piece`,
      );
    }
    const pieces = [...encodeSnapshotPieces(doc, 2)].length;
    assert.equal(pieces, Math.ceil(a / 2) + Math.ceil(b / 2) + 1, 'one piece per two objects, and the end');
  }
});

test('a store’s snapshot in pieces equals its snapshot, and holds the store as it was when asked for', async () => {
  const { store } = await populated();
  await store.update(tx => {
    for (let i = 0; i < 2500; i++)
      createCluster(tx, newCluster(`c-${String(i).padStart(4, '0')}`, `name${i}`));
  }, 3000);
  const whole = store.snapshot();
  const pieces = store.snapshotPieces();
  // Written after the pieces were asked for, before they are read: not in them.
  await store.update(tx => void createCluster(tx, newCluster('c-late', 'late')), 4000);
  const got = [...pieces];
  assert.ok(got.length >= 3, `${got.length} pieces`);
  assert.deepEqual(Buffer.concat(got), Buffer.from(whole));
  assert.notDeepEqual(store.snapshot(), whole);
});
