/**
 * The tasks table's secondary indexes (by service, node and network): `findTasks` through an index finds
 * exactly what a scan of the whole table finds, after any sequence of creates, updates, deletes and
 * failed transactions, and inside a transaction over its own uncommitted writes. Seeded: a failing seed
 * is printed and replays with INDEX_SEED=<seed>.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../server/raft/rng.ts';
import {
  createTask,
  deleteTask,
  findTasks,
  getTask,
  taskTable,
  updateTask,
  type MemoryStore,
  type ReadTx,
  type Task,
} from '../../server/store/index.ts';
import { singleStore } from './fake-proposers.ts';
import { newTask } from './fixtures.ts';

const SERVICES = ['s1', 's2', 's3'];
const NODES = ['', 'n1', 'n2', 'n3'];
const NETWORKS = ['net1', 'net2', 'net3'];
const SEEDS = process.env.INDEX_SEED === undefined ? 40 : 1;
const FIRST = Number(process.env.INDEX_SEED ?? 1);

/** What a scan of every task finds for the same criteria: the answer the index must give. */
function scanned(tx: ReadTx, f: { serviceId?: string; nodeId?: string; networkId?: string }): string[] {
  return findTasks(tx, {
    where: t =>
      (f.serviceId === undefined || t.serviceId === f.serviceId) &&
      (f.nodeId === undefined || t.nodeId === f.nodeId) &&
      (f.networkId === undefined || t.networks.some(n => n.networkId === f.networkId)),
  }).map(t => t.id);
}

function checkAll(tx: ReadTx, seed: number, step: number): void {
  const ids = (ts: Task[]): string[] => ts.map(t => t.id);
  const at = `seed ${seed} step ${step} (replay: INDEX_SEED=${seed})`;
  for (const serviceId of SERVICES) {
    assert.deepEqual(ids(findTasks(tx, { serviceId })), scanned(tx, { serviceId }), at);
    for (const nodeId of NODES) {
      assert.deepEqual(ids(findTasks(tx, { serviceId, nodeId })), scanned(tx, { serviceId, nodeId }), at);
    }
  }
  for (const nodeId of NODES) assert.deepEqual(ids(findTasks(tx, { nodeId })), scanned(tx, { nodeId }), at);
  for (const networkId of NETWORKS) {
    assert.deepEqual(ids(findTasks(tx, { networkId })), scanned(tx, { networkId }), at);
  }
}

/** One random change of one task (or a new one), as a writer would make it. */
function change(tx: Parameters<Parameters<MemoryStore['update']>[0]>[0], rng: SeededRng, n: number): void {
  const id = `t${rng.int(n)}`;
  const task = getTask(tx, id);
  const networks = NETWORKS.filter(() => rng.chance(0.4)).map(networkId => ({ networkId, addresses: [] }));
  if (task === undefined) {
    createTask(tx, newTask(id, rng.pick(SERVICES), 1, { nodeId: rng.pick(NODES), networks }));
  } else if (rng.chance(0.3)) {
    deleteTask(tx, id);
  } else {
    updateTask(tx, { ...task, nodeId: rng.pick(NODES), serviceId: rng.pick(SERVICES), networks });
  }
}

test('findTasks by an index finds what a scan finds, committed and within a transaction', async () => {
  for (let seed = FIRST; seed < FIRST + SEEDS; seed++) {
    const rng = new SeededRng(seed);
    const { store } = singleStore();
    for (let step = 0; step < 60; step++) {
      const writes = 1 + rng.int(6);
      const fail = rng.chance(0.2);
      await store
        .update(tx => {
          for (let i = 0; i < writes; i++) {
            change(tx, rng, 25);
            // The transaction's own writes, not yet committed, are found through the index too.
            if (rng.chance(0.3)) checkAll(tx, seed, step);
          }
          if (fail) throw new Error('abandoned');
        }, step)
        .catch((err: unknown) => {
          if (!(err instanceof Error) || err.message !== 'abandoned') throw err;
        });
      store.view(tx => checkAll(tx, seed, step));
    }
  }
});

test('an index the table does not have is refused', () => {
  const { store } = singleStore();
  assert.throws(
    () => store.view(tx => tx.find(taskTable, { index: { name: 'nope', key: 'x' } })),
    /has no index nope/,
  );
});
