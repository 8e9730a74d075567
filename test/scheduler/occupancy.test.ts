/**
 * The scheduler from the store's counts (taskOccupancy, kept in the tasks table's indexes) against the
 * scheduler from every task: on seeded random stores (the batches of random-batch.ts, then random
 * creates, moves, state changes and deletes of tasks), both place every pending task on the same node in
 * the same order and give the same reasons, read committed or inside a write transaction over its own
 * writes; and every count equals the one made from all the tasks. A failing seed replays with
 * OCCUPANCY_SEED=<seed>.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listedOccupancy } from '../../server/scheduler/listed-occupancy.ts';
import { schedule, type SchedulerNode, type SchedulerTask } from '../../server/scheduler/index.ts';
import { SeededRng } from '../../server/raft/rng.ts';
import {
  createTask,
  deleteTask,
  findTasks,
  getTask,
  taskOccupancy,
  updateTask,
  type ReadTx,
  type Task,
  type TaskState,
  type Tx,
} from '../../server/store/index.ts';
import { singleStore } from '../store/fake-proposers.ts';
import { randomBatch } from './random-batch.ts';

const only = process.env['OCCUPANCY_SEED'];
const SEEDS = only === undefined ? Array.from({ length: 400 }, (_, i) => i + 1) : [Number(only)];
const STEPS = 12;
const PORTS = ['tcp/80', 'udp/80', 'tcp/443', 'tcp/8080'];
const STATES: readonly TaskState[] = ['new', 'pending', 'assigned', 'running', 'failed', 'shutdown'];

function asStored(t: SchedulerTask): Omit<Task, 'meta'> {
  return { ...t, slot: 0, networks: [] };
}

/** Both ways of scheduling what is PENDING in `tx`, with the same nodes; they must agree. */
function compare(tx: ReadTx, nodes: readonly SchedulerNode[], at: string): number {
  const all = findTasks(tx);
  const pending = all.filter(t => t.status.state === 'pending').reverse(); // not in id order: order matters
  const listed = schedule({ nodes, tasks: all, pending });
  const counted = schedule({ nodes, occupancy: taskOccupancy(tx), pending });
  assert.deepEqual([...counted.assignments], [...listed.assignments], `${at}: assignments`);
  assert.deepEqual([...counted.unplaced], [...listed.unplaced], `${at}: reasons`);
  // The counts themselves, for every node a task names (and one no task names).
  const want = listedOccupancy(all);
  const have = taskOccupancy(tx);
  const serviceIds = new Set(all.map(t => t.serviceId));
  for (const nodeId of new Set([...all.map(t => t.nodeId), 'nowhere'])) {
    assert.equal(have.tasksOn(nodeId), want.tasksOn(nodeId), `${at}: tasks on ${nodeId}`);
    for (const s of serviceIds) {
      assert.equal(
        have.serviceTasksOn(nodeId, s),
        want.serviceTasksOn(nodeId, s),
        `${at}: ${s} on ${nodeId}`,
      );
    }
    for (const p of PORTS) {
      assert.equal(
        have.hostPortTasksOn(nodeId, p),
        want.hostPortTasksOn(nodeId, p),
        `${at}: ${p} on ${nodeId}`,
      );
    }
  }
  return listed.assignments.size;
}

/** One random change of a task: moved, its states or ports changed, removed, or a new one. */
function change(tx: Tx, rng: SeededRng, nodes: readonly SchedulerNode[], step: number): void {
  const ids = findTasks(tx).map(t => t.id);
  const nodeIds = ['', 'gone', ...nodes.map(n => n.id)];
  const id = ids.length === 0 || rng.chance(0.15) ? `c${step}-${rng.int(1000)}` : rng.pick(ids);
  const task = getTask(tx, id);
  if (task === undefined) {
    if (ids.length > 0) {
      const model = getTask(tx, rng.pick(ids));
      if (model !== undefined) {
        const { meta: _, ...rest } = model;
        createTask(tx, { ...rest, id });
      }
    }
    return;
  }
  if (rng.chance(0.1)) return deleteTask(tx, id);
  const ports = PORTS.filter(() => rng.chance(0.2)).map(key => {
    const [protocol, port] = key.split('/');
    return {
      protocol: protocol as 'tcp' | 'udp',
      targetPort: 80,
      publishedPort: Number(port),
      publishMode: 'host' as const,
    };
  });
  updateTask(tx, {
    ...task,
    nodeId: rng.chance(0.5) ? rng.pick(nodeIds) : task.nodeId,
    serviceId: rng.chance(0.2) ? rng.pick(['s1', 's2', 's3', '']) : task.serviceId,
    desiredState: rng.chance(0.3)
      ? rng.pick<TaskState>(['running', 'running', 'shutdown', 'remove'])
      : task.desiredState,
    status: rng.chance(0.6) ? { state: rng.pick(STATES), timestamp: step } : task.status,
    ...(rng.chance(0.2) ? { endpoint: { ports, virtualIPs: [] } } : {}),
  });
}

test(`scheduling from the store's counts decides as scheduling from every task (${SEEDS.length} seeded stores)`, async () => {
  let placed = 0;
  let inTx = 0;
  for (const seed of SEEDS) {
    const at = (step: number): string => `seed ${seed} step ${step} (replay: OCCUPANCY_SEED=${seed})`;
    const { input } = randomBatch(seed);
    const rng = new SeededRng(seed * 7919);
    const { store } = singleStore();
    await store.update(tx => {
      for (const t of [...input.tasks, ...input.pending]) createTask(tx, asStored(t));
    }, 0);
    placed += store.view(tx => compare(tx, input.nodes, at(0)));
    for (let step = 1; step <= STEPS; step++) {
      await store.update(tx => {
        for (let i = 1 + rng.int(4); i > 0; i--) change(tx, rng, input.nodes, step);
        // Inside the transaction: the committed counts and this transaction's own writes together.
        if (rng.chance(0.3)) {
          placed += compare(tx, input.nodes, `${at(step)} in its transaction`);
          inTx += 1;
        }
      }, step);
      placed += store.view(tx => compare(tx, input.nodes, at(step)));
    }
  }
  // The stores really had tasks to place (agreeing on nothing would pass vacuously).
  if (only === undefined) {
    assert.ok(placed > SEEDS.length * 5, `only ${placed} placements`);
    assert.ok(inTx > SEEDS.length, `only ${inTx} comparisons inside a transaction`);
  }
});
