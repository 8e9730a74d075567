/**
 * Streams re-opened with what the agent holds, as a property: for random change sequences (seeded;
 * `VIEW_SEED=n` replays one), each node's agent takes full views (in parts) and deltas as the dispatcher
 * encodes them and the agent's client decodes them (endpoint hashes read off the bytes), and re-opens its
 * stream at random moments, with this leader or with a new one (an index built afresh from the store, as
 * after a failover), sending the digests it holds. After every message the agent's view equals
 * networkViewFor from scratch and its digests equal the manager's; networks are kept, not sent again,
 * whenever the digests agree.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AssignedTasks } from '../../agent/session/assignments.ts';
import { decodeAssignments } from '../../agent/session/dispatcher-client.ts';
import type { WireAssignmentsMessage } from '../../proto/dispatcher-types.ts';
import { digestText } from '../../proto/view-digest.ts';
import { encodeAssignments } from '../../server/dispatcher/assignments-encoder.ts';
import { heldNetworksOf } from '../../server/dispatcher/held-networks.ts';
import { NetworkDigests } from '../../server/dispatcher/network-digests.ts';
import { networkViewFor } from '../../server/dispatcher/network-view.ts';
import { NetworkViewIndex } from '../../server/dispatcher/view-index.ts';
import { viewParts } from '../../server/dispatcher/view-parts.ts';
import { sendParts } from '../dispatcher/view-messages.ts';
import { feed, NODE_IDS, seeds, World } from '../dispatcher/view-world.ts';

/** Through the wire: encoded by the dispatcher's encoder, decoded as the agent's client decodes. */
const wire = (m: WireAssignmentsMessage) => decodeAssignments(encodeAssignments(m));

function run(seed: number, steps: number): { kept: number; sent: number } {
  const w = new World(seed);
  for (let i = 0; i < 60; i++) w.step();
  let index = new NetworkViewIndex(w.inputs());
  let digests = new NetworkDigests(index);
  const agents = new Map(NODE_IDS.map(n => [n, new AssignedTasks()]));
  const seqs = new Map<string, number>();
  const totals = { kept: 0, sent: 0 };
  const fail = (step: number, what: string): string =>
    `seed ${seed}, step ${step}: ${what} (replay with VIEW_SEED=${seed})`;

  const check = (nodeId: string, agent: AssignedTasks, step: number): void => {
    const view = agent.view();
    assert.deepEqual(view, networkViewFor(nodeId, w.inputs()), fail(step, `${nodeId}: view held`));
    const want = view.networks.map(n => ({ networkId: n.id, digest: digestText(digests.of(n.id)) }));
    assert.deepEqual(agent.held(), want, fail(step, `${nodeId}: digests held`));
  };
  const open = (nodeId: string, step: number): void => {
    const agent = agents.get(nodeId) as AssignedTasks;
    agent.reset();
    const held = heldNetworksOf(agent.held());
    const full = index.open(nodeId, k => held.get(k) === digests.of(k));
    const resent = full.view.endpoints.filter(e => full.kept.includes(e.networkId));
    assert.deepEqual(resent, [], fail(step, `${nodeId}: endpoints of a network kept were sent`));
    totals.kept += full.kept.length;
    totals.sent += full.view.networks.length - full.kept.length;
    seqs.set(nodeId, sendParts(agent, viewParts({ full }, 4), 'complete', 0, wire));
    check(nodeId, agent, step);
  };

  for (const nodeId of NODE_IDS) open(nodeId, 0);
  for (let step = 1; step <= steps; step++) {
    const x = w.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    if (x === 0) open(w.pick(NODE_IDS), step);
    else if (x === 1 && w.chance(0.2)) {
      // A new leader: its index from the store, every stream re-opened with it.
      index = new NetworkViewIndex(w.inputs());
      digests = new NetworkDigests(index);
      for (const nodeId of NODE_IDS) open(nodeId, step);
    } else if (x === 2) {
      const nodeId = w.pick(NODE_IDS);
      const delta = index.take(nodeId);
      const agent = agents.get(nodeId) as AssignedTasks;
      if (delta !== undefined) {
        seqs.set(
          nodeId,
          sendParts(agent, viewParts({ delta }, 4), 'incremental', seqs.get(nodeId) ?? 0, wire),
        );
      }
      check(nodeId, agent, step);
    } else feed(index, w.step());
  }
  return totals;
}

test('a stream re-opened with the digests the agent holds gives it the view from scratch, with this leader or a new one', () => {
  let kept = 0;
  let sent = 0;
  for (const seed of seeds(60)) {
    const t = run(seed, 250);
    kept += t.kept;
    sent += t.sent;
  }
  // Both paths ran: networks kept (digests agreed) and networks sent again (they did not).
  assert.ok(kept > 0 && sent > 0, `kept ${kept}, sent ${sent}`);
});
