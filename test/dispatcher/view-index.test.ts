/**
 * The dispatcher's network view index, as a property: for random sequences of store changes (seeded;
 * `VIEW_SEED=n` replays one), sessions opening and closing, and deltas taken at random moments, the view
 * each watching node holds after applying every delta it was sent equals networkViewFor from scratch;
 * deltas chain by sequence number, and only nodes whose view changed hear of a change.
 */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { test } from 'node:test';
import { applyViewDelta } from '../../agent/session/view-delta.ts';
import type { NetworkView } from '../../proto/dispatcher-types.ts';
import { networkViewFor } from '../../server/dispatcher/network-view.ts';
import { NetworkViewIndex } from '../../server/dispatcher/view-index.ts';
import { newTaskSpec } from '../store/fixtures.ts';
import { feed, NODE_IDS, seeds, World } from './view-world.ts';

interface Held {
  view: NetworkView;
  seq: number;
}

/** `logKept`: how many endpoint log entries the index keeps (few: viewers fall behind its trims). */
function run(seed: number, steps: number, logKept?: number): void {
  const w = new World(seed);
  // A populated cluster before the index is built, as a new leader finds it.
  for (let i = 0; i < 60; i++) w.step();
  const told = new Set<string>();
  const index = new NetworkViewIndex(
    w.inputs(),
    nodeId => told.add(nodeId),
    logKept === undefined ? undefined : () => logKept,
  );
  const held = new Map<string, Held>();
  const fail = (step: number, what: string): string =>
    `seed ${seed}, step ${step}: ${what} (replay with VIEW_SEED=${seed})`;

  const sync = (nodeId: string, step: number): void => {
    const h = held.get(nodeId);
    if (h === undefined) return;
    const delta = index.take(nodeId);
    told.delete(nodeId);
    if (delta !== undefined) {
      assert.equal(delta.appliesTo, h.seq, fail(step, `${nodeId}: delta out of sequence`));
      assert.equal(delta.resultsIn, h.seq + 1, fail(step, `${nodeId}: delta sequence`));
      h.view = applyViewDelta(h.view, delta);
      h.seq = delta.resultsIn;
    }
    assert.equal(index.pending(nodeId), 0);
    const want = networkViewFor(nodeId, w.inputs());
    assert.deepEqual(h.view, want, fail(step, `${nodeId}: view held differs from the one from scratch`));
  };

  for (let step = 0; step < steps; step++) {
    const x = w.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    if (x === 0) {
      // A session opens (or re-opens: a new stream starts from a full view).
      const nodeId = w.pick(NODE_IDS);
      const { view, seq } = index.open(nodeId);
      told.delete(nodeId);
      assert.deepEqual(view, networkViewFor(nodeId, w.inputs()), fail(step, `${nodeId}: full view`));
      held.set(nodeId, { view, seq });
    } else if (x === 1 && w.chance(0.3)) {
      const nodeId = w.pick(NODE_IDS);
      index.close(nodeId);
      held.delete(nodeId);
      told.delete(nodeId);
    } else if (x === 2) {
      // Some stream's batch period is over.
      sync(w.pick(NODE_IDS), step);
    } else {
      const before = new Map([...held.keys()].map(n => [n, networkViewFor(n, w.inputs())]));
      feed(index, w.step());
      for (const [nodeId, was] of before) {
        const now = networkViewFor(nodeId, w.inputs());
        // A node whose view changed has been told since it last took its changes (once is enough: its
        // stream sends them all at its next take); a change undone later may still have been told.
        if (!isDeepStrictEqual(was, now)) assert.ok(told.has(nodeId), fail(step, `${nodeId} not told`));
      }
      for (const nodeId of told) assert.ok(held.has(nodeId), fail(step, `${nodeId} told, not watching`));
    }
    if (step % 25 === 0) for (const nodeId of held.keys()) sync(nodeId, step);
  }
  for (const nodeId of held.keys()) sync(nodeId, steps);
  for (const nodeId of NODE_IDS) {
    assert.deepEqual(
      index.viewOf(nodeId),
      networkViewFor(nodeId, w.inputs()),
      fail(steps, `viewOf ${nodeId}`),
    );
  }
}

test('the view each node holds from its deltas equals the view from scratch, for random change sequences', () => {
  for (const seed of seeds(100)) run(seed, 300);
});

test('the same when endpoint logs are trimmed while viewers are behind', () => {
  for (const seed of seeds(100)) run(seed, 300, 2);
});

test('a node whose view a change does not touch is not told of it', () => {
  // Two nodes on different networks: a task of one network changing is none of the other's business.
  const w = new World(7);
  const inputs = {
    nodes: [],
    networks: [],
    services: [],
    tasks: [],
    gatewaySubnet: w.gatewaySubnet,
  };
  const told: string[] = [];
  const index = new NetworkViewIndex(inputs, n => told.push(n));
  index.open('a');
  index.open('b');
  const net = (id: string) =>
    ({
      id,
      meta: { version: { index: 1 }, createdAt: 0, updatedAt: 0 },
      spec: {
        name: id,
        labels: {},
        driver: 'overlay',
        driverOptions: {},
        attachable: false,
        internal: false,
        ingress: false,
      },
      allocation: { subnet: '10.9.0.0/24', gateway: '10.9.0.1', vni: 4200 },
    }) as const;
  index.network(net('ka'), false);
  index.network(net('kb'), false);
  assert.deepEqual(told, [], 'networks no task is on are in no view');
  const task = (id: string, nodeId: string, networkId: string, state: 'running' | 'starting') =>
    ({
      id,
      meta: { version: { index: 1 }, createdAt: 0, updatedAt: 0 },
      serviceId: 'svc',
      slot: 1,
      nodeId,
      desiredState: 'running',
      status: { state, timestamp: 0 },
      spec: newTaskSpec(),
      networks: [{ networkId, addresses: ['10.9.0.2/24'] }],
    }) as Parameters<NetworkViewIndex['task']>[0];
  index.task(task('ta', 'a', 'ka', 'starting'), false);
  assert.deepEqual(told, ['a']);
  told.length = 0;
  index.task(task('ta', 'a', 'ka', 'running'), false);
  index.task(task('tb', 'b', 'kb', 'running'), false);
  assert.deepEqual(told, ['a', 'b'], 'each hears of its own network only');
  told.length = 0;
  index.task(task('tb', 'b', 'kb', 'running'), false);
  assert.deepEqual(told, [], 'a change that changes no view is told to nobody');
});
