/**
 * The dispatcher's READY/DOWN writes over a log whose commits the test holds: a READY asked while the
 * node's DOWN is on its way is decided after that DOWN (the node ends READY); asks made meanwhile go in
 * one write; a failed write fails only its own asks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NodeLiveness } from '../../server/dispatcher/node-liveness.ts';
import { createNode, getNode, type MemoryStore } from '../../server/store/index.ts';
import { ReplicatedProposer } from '../store/fake-proposers.ts';
import { newNode } from '../store/fixtures.ts';

/** A store holding READY nodes `ids`, over a log whose commits the test makes from now on. */
async function withNodes(ids: readonly string[]): Promise<{ log: ReplicatedProposer; store: MemoryStore }> {
  const log = new ReplicatedProposer(1, true);
  const store = log.replicas[0] as MemoryStore;
  await store.update(tx => {
    for (const id of ids) createNode(tx, newNode(id, { status: { state: 'ready', addr: '198.51.100.2' } }));
  }, 1);
  log.autoCommit = false;
  return { log, store };
}

const stateOf = (store: MemoryStore, id: string): string | undefined =>
  store.view(tx => getNode(tx, id))?.status.state;

/** Lets the liveness writer run until its next proposal is pending (or it has none). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

test('READY asked while the node’s DOWN is not yet applied ends READY', async () => {
  const { log, store } = await withNodes(['n1']);
  const liveness = new NodeLiveness(store, () => 2);
  const down = liveness.down(['n1']);
  await settle();
  assert.equal(log.pending.length, 1, 'the DOWN is on its way');
  // The node opens a new session now: the store still says READY from the same address.
  const ready = liveness.ready('n1', '198.51.100.2');
  await settle();
  assert.equal(log.pending.length, 1, 'READY waits for the DOWN');
  log.commit();
  await down;
  assert.equal(stateOf(store, 'n1'), 'down');
  await settle();
  log.commit();
  await ready;
  assert.equal(stateOf(store, 'n1'), 'ready');
  assert.equal(store.view(tx => getNode(tx, 'n1'))?.status.message, undefined);
});

test('asks made while a write is on its way go out together in the next one', async () => {
  const ids = Array.from({ length: 50 }, (_, i) => `n${i}`);
  const { log, store } = await withNodes(ids);
  const liveness = new NodeLiveness(store, () => 2);
  const first = liveness.down(['n0']);
  await settle();
  const rest = ids.slice(1).map(id => liveness.ready(id, '198.51.100.9'));
  const later = liveness.down(['n1', 'n2']);
  await settle();
  assert.equal(log.pending.length, 1);
  log.commit();
  await first;
  await settle();
  assert.equal(log.pending.length, 1, 'one write for the 49 asked meanwhile');
  log.commit();
  await Promise.all([...rest, later]);
  assert.equal(stateOf(store, 'n0'), 'down');
  // The later ask for a node wins over its earlier one.
  assert.deepEqual([stateOf(store, 'n1'), stateOf(store, 'n2')], ['down', 'down']);
  assert.equal(store.view(tx => getNode(tx, 'n3'))?.status.addr, '198.51.100.9');
  assert.equal(stateOf(store, 'n49'), 'ready');
});

test('READY of a node already READY from the same address writes nothing', async () => {
  const { log, store } = await withNodes(['n1']);
  log.autoCommit = true;
  const before = log.index;
  await new NodeLiveness(store, () => 2).ready('n1', '198.51.100.2');
  assert.equal(log.index, before);
});

test('a failed write fails its own asks only; the next asks are written', async () => {
  const { log, store } = await withNodes(['n1', 'n2']);
  log.autoCommit = true;
  const liveness = new NodeLiveness(store, () => 2);
  // The write is refused (as when leadership goes while it is on its way).
  const propose = log.propose.bind(log);
  log.propose = () => Promise.reject(new Error('no longer the leader'));
  await assert.rejects(liveness.down(['n1']), /no longer the leader/);
  log.propose = propose;
  await liveness.down(['n2']);
  assert.deepEqual([stateOf(store, 'n1'), stateOf(store, 'n2')], ['ready', 'down']);
});
