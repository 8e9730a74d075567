/**
 * The dispatcher's task status writes over a log whose commits the test holds: a call is answered once
 * the writes holding its own reports are applied, oldest reports first, however many are queued behind
 * it; a report the store already holds is answered without a write; a failed write fails only the calls
 * with reports in it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StatusWriter } from '../../server/dispatcher/status-writer.ts';
import type { StatusReport } from '../../server/dispatcher/task-status.ts';
import { PIPELINE_BATCH } from '../../server/leader/bounded-batch.ts';
import { createTask, getTask, type MemoryStore } from '../../server/store/index.ts';
import { ReplicatedProposer } from '../store/fake-proposers.ts';
import { newTask } from '../store/fixtures.ts';

/** A store holding `count` tasks assigned to n1 (t0, t1, …), over a log whose commits the test makes. */
async function withTasks(count: number): Promise<{ log: ReplicatedProposer; store: MemoryStore }> {
  const log = new ReplicatedProposer(1, true);
  const store = log.replicas[0] as MemoryStore;
  await store.update(tx => {
    for (let i = 0; i < count; i++) {
      createTask(
        tx,
        newTask(`t${i}`, 's1', i + 1, { nodeId: 'n1', status: { state: 'assigned', timestamp: 1 } }),
      );
    }
  }, 1);
  log.autoCommit = false;
  return { log, store };
}

const running = (from: number, to: number): StatusReport[] =>
  Array.from({ length: to - from }, (_, i) => ({
    taskId: `t${from + i}`,
    status: { state: 'running' as const, timestamp: 2 },
  }));

const stateOf = (store: MemoryStore, id: string): string | undefined =>
  store.view(tx => getTask(tx, id))?.status.state;

/** Lets the writer run until its next proposal is pending (or it has none). */
async function nextProposal(log: ReplicatedProposer): Promise<void> {
  for (let i = 0; i < 1000 && log.pending.length === 0; i++) await new Promise(r => setImmediate(r));
}

test('a call is answered once its own reports are written, not the backlog queued with it', async () => {
  const part = PIPELINE_BATCH.maxItems;
  const calls = 6;
  const { log, store } = await withTasks(part * 3);
  const writer = new StatusWriter(store, 10);
  const answered: number[] = [];
  const size = (part * 3) / calls;
  const asks = Array.from({ length: calls }, (_, c) =>
    writer.add('n1', running(c * size, (c + 1) * size)).then(() => answered.push(c)),
  );
  await nextProposal(log);
  log.commit();
  await nextProposal(log);
  // The first part held the first two calls' reports: they are answered while two parts wait.
  assert.deepEqual(answered.sort(), [0, 1]);
  assert.equal(stateOf(store, 't0'), 'running');
  assert.equal(stateOf(store, `t${part * 3 - 1}`), 'assigned');
  log.commit();
  await nextProposal(log);
  assert.deepEqual(answered.sort(), [0, 1, 2, 3]);
  log.commit();
  await Promise.all(asks);
  assert.equal(stateOf(store, `t${part * 3 - 1}`), 'running');
});

test('a report the store already holds (sent again after a slow answer) is answered without a write', async () => {
  const { log, store } = await withTasks(3);
  log.autoCommit = true;
  const writer = new StatusWriter(store, 10);
  await writer.add('n1', running(0, 3));
  const index = log.index;
  await writer.add('n1', running(0, 3));
  // An earlier state than the stored one changes nothing either.
  await writer.add('n1', [{ taskId: 't1', status: { state: 'starting', timestamp: 3 } }]);
  assert.equal(log.index, index);
  assert.equal(stateOf(store, 't1'), 'running');
});

test('a failed write fails the calls with reports in it; the others are written', async () => {
  const { log, store } = await withTasks(2);
  log.autoCommit = true;
  const writer = new StatusWriter(store, 10);
  const propose = log.propose.bind(log);
  log.propose = () => Promise.reject(new Error('no longer the leader'));
  await assert.rejects(writer.add('n1', running(0, 1)), /no longer the leader/);
  log.propose = propose;
  await writer.add('n1', running(1, 2));
  assert.deepEqual([stateOf(store, 't0'), stateOf(store, 't1')], ['assigned', 'running']);
});

test('abort fails every queued call', async () => {
  const { log, store } = await withTasks(2);
  const writer = new StatusWriter(store, 10);
  const queued = writer.add('n1', running(0, 2));
  writer.abort(new Error('this manager is not the leader'));
  await assert.rejects(queued, /not the leader/);
  assert.equal(log.pending.length, 0);
});
