/**
 * The agent's network view from deltas, as a property: for random sequences of views (seeded;
 * `VIEW_SEED=n` replays one) and any deltas between them — in any order, with unchanged entities upserted
 * again and absent ones removed, as a manager may send — the view held equals the full one. Through
 * AssignedTasks: a delta that does not apply to the view held is a gap and changes nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AssignedTasks, AssignmentGapError } from '../../agent/session/assignments.ts';
import { applyViewDelta } from '../../agent/session/view-delta.ts';
import type {
  NetworkView,
  WireAssignmentsMessage,
  WireNetworkViewDelta,
} from '../../proto/dispatcher-types.ts';
import { networkViewFor } from '../../server/dispatcher/network-view.ts';
import { noEntities } from '../../server/dispatcher/view-parts.ts';
import { seeds, World } from '../dispatcher/view-world.ts';

/** A delta from `a` to `b`, noisy as `w` decides: shuffled, with redundant upserts and removals. */
function deltaOf(a: NetworkView, b: NetworkView, w: World, appliesTo: number): WireNetworkViewDelta {
  const d: WireNetworkViewDelta = {
    appliesTo,
    resultsIn: appliesTo + 1,
    ...noEntities(),
    gatewaySubnet: b.gatewaySubnet,
  };
  const diff = <T>(
    from: readonly T[],
    to: readonly T[],
    key: (t: T) => string,
    upserts: T[],
    removals: (t: T) => void,
  ): void => {
    const now = new Map(to.map(t => [key(t), t]));
    for (const t of from) if (!now.has(key(t))) removals(t);
    const was = new Map(from.map(t => [key(t), JSON.stringify(t)]));
    for (const t of to) if (was.get(key(t)) !== JSON.stringify(t) || w.chance(0.1)) upserts.push(t);
    // A removal of something never held, as when an entity comes and goes between two messages.
    if (w.chance(0.2) && from[0] !== undefined && !now.has(key(from[0]))) removals(from[0]);
  };
  const id = (x: { id: string }): string => x.id;
  diff(a.networks, b.networks, id, d.networks, n => d.removedNetworks.push(n.id));
  diff(a.nodes, b.nodes, id, d.nodes, n => d.removedNodes.push(n.id));
  diff(a.services, b.services, id, d.services, s => d.removedServices.push(s.id));
  diff(
    a.endpoints,
    b.endpoints,
    e => `${e.networkId}/${e.taskId}`,
    d.endpoints,
    e => d.removedEndpoints.push({ networkId: e.networkId, taskId: e.taskId }),
  );
  if (w.chance(0.1)) d.removedServices.push('never-there');
  for (const list of [d.networks, d.nodes, d.services, d.endpoints] as unknown[][]) {
    list.sort(() => (w.chance(0.5) ? -1 : 1));
  }
  return d;
}

test('any sequence of deltas yields the same view as the full one', () => {
  for (const seed of seeds(200)) {
    const w = new World(seed);
    const node = w.pick(['n0', 'n1', 'n2']);
    let held = networkViewFor(node, w.inputs());
    let full = held;
    for (let i = 0; i < 150; i++) {
      // Several changes between two messages, sometimes none.
      const changes = w.pick([0, 1, 1, 2, 5]);
      for (let j = 0; j < changes; j++) w.step();
      const next = networkViewFor(node, w.inputs());
      held = applyViewDelta(held, deltaOf(full, next, w, i));
      full = next;
      assert.deepEqual(held, full, `seed ${seed}, message ${i} (replay with VIEW_SEED=${seed})`);
    }
  }
});

const message = (
  m: Partial<WireAssignmentsMessage> & Pick<WireAssignmentsMessage, 'type' | 'appliesTo' | 'resultsIn'>,
): WireAssignmentsMessage => ({
  changes: [],
  networkView: null,
  viewSeq: 0,
  viewDelta: null,
  more: false,
  keptNetworks: [],
  ...m,
});

test('a delta that does not apply to the view held is a gap, and changes nothing', () => {
  const w = new World(3);
  for (let i = 0; i < 80; i++) w.step();
  const v0 = networkViewFor('n1', w.inputs());
  for (let i = 0; i < 40; i++) w.step();
  const v1 = networkViewFor('n1', w.inputs());
  for (let i = 0; i < 40; i++) w.step();
  const v2 = networkViewFor('n1', w.inputs());
  assert.notDeepEqual(v0, v1);
  assert.notDeepEqual(v1, v2);

  const a = new AssignedTasks();
  // Before any full view: a delta is a gap.
  assert.throws(
    () =>
      a.apply(message({ type: 'complete', appliesTo: 0, resultsIn: 1, viewDelta: deltaOf(v0, v1, w, 7) })),
    AssignmentGapError,
  );
  a.apply(message({ type: 'complete', appliesTo: 0, resultsIn: 1, networkView: v0, viewSeq: 7 }));
  assert.deepEqual(a.view(), v0);
  // A part of a large message carries no view: the view stays.
  a.apply(message({ type: 'incremental', appliesTo: 1, resultsIn: 2 }));
  assert.deepEqual(a.view(), v0);
  a.apply(message({ type: 'incremental', appliesTo: 2, resultsIn: 3, viewDelta: deltaOf(v0, v1, w, 7) }));
  assert.deepEqual(a.view(), v1);
  // Chained to a view the agent does not hold (it missed one): a gap, and neither the view nor the
  // assignments' sequence moved.
  assert.throws(
    () =>
      a.apply(message({ type: 'incremental', appliesTo: 3, resultsIn: 4, viewDelta: deltaOf(v1, v2, w, 9) })),
    (e: unknown) => e instanceof AssignmentGapError && /network view out of sequence/.test(e.message),
  );
  assert.deepEqual(a.view(), v1);
  a.apply(message({ type: 'incremental', appliesTo: 3, resultsIn: 4, viewDelta: deltaOf(v1, v2, w, 8) }));
  assert.deepEqual(a.view(), v2);
  // A new stream starts from a full view again: deltas of the old one are gaps.
  a.reset();
  assert.throws(
    () =>
      a.apply(message({ type: 'complete', appliesTo: 0, resultsIn: 1, viewDelta: deltaOf(v2, v0, w, 9) })),
    AssignmentGapError,
  );
  a.apply(message({ type: 'complete', appliesTo: 0, resultsIn: 1, networkView: v0, viewSeq: 1 }));
  assert.deepEqual(a.view(), v0);
});
