/**
 * The simulated agents' composed view deltas (bench/sim-agent/unapplied-view-deltas.ts): any run of
 * deltas, composed and merged once, gives the view that merging them one by one gives, which is the
 * full view of that moment. Random views of a random cluster (seeded; `VIEW_SEED=n` replays one), with
 * deltas that upsert unchanged entities again, remove and upsert one key in the same delta, and remove
 * what was never held.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnappliedViewDeltas } from '../../bench/sim-agent/unapplied-view-deltas.ts';
import { applyViewDelta } from '../../agent/session/view-delta.ts';
import type { NetworkView, WireNetworkViewDelta } from '../../proto/dispatcher-types.ts';
import { networkViewFor } from '../../server/dispatcher/network-view.ts';
import { noEntities } from '../../server/dispatcher/view-parts.ts';
import { seeds, World } from '../dispatcher/view-world.ts';

/** A delta from `a` to `b` with noise: what changed, some of what did not, removals of what is kept. */
function noisyDelta(a: NetworkView, b: NetworkView, w: World, seq: number): WireNetworkViewDelta {
  const d: WireNetworkViewDelta = {
    appliesTo: seq,
    resultsIn: seq + 1,
    ...noEntities(),
    gatewaySubnet: b.gatewaySubnet,
  };
  const kind = <T>(
    from: readonly T[],
    to: readonly T[],
    key: (t: T) => string,
    up: T[],
    rm: (t: T) => void,
  ) => {
    const was = new Map(from.map(t => [key(t), JSON.stringify(t)]));
    const now = new Set(to.map(key));
    const again = new Set<string>(); // removed and upserted in the same delta
    for (const t of from) {
      if (now.has(key(t)) && w.chance(0.1)) again.add(key(t));
      if (!now.has(key(t)) || again.has(key(t))) rm(t);
    }
    for (const t of to) {
      if (was.get(key(t)) !== JSON.stringify(t) || again.has(key(t)) || w.chance(0.3)) up.push(t);
    }
  };
  const id = (x: { id: string }): string => x.id;
  kind(a.networks, b.networks, id, d.networks, n => d.removedNetworks.push(n.id));
  kind(a.nodes, b.nodes, id, d.nodes, n => d.removedNodes.push(n.id));
  kind(a.services, b.services, id, d.services, s => d.removedServices.push(s.id));
  kind(
    a.endpoints,
    b.endpoints,
    e => `${e.networkId}/${e.taskId}`,
    d.endpoints,
    e => d.removedEndpoints.push({ networkId: e.networkId, taskId: e.taskId }),
  );
  if (w.chance(0.2)) d.removedEndpoints.push({ networkId: 'never', taskId: 'there' });
  return d;
}

test('deltas composed and merged once give the view merged delta by delta, the full one', () => {
  let composed = 0;
  for (const seed of seeds(150)) {
    const w = new World(seed);
    const node = w.pick(['n0', 'n1', 'n2']);
    let full = networkViewFor(node, w.inputs());
    let oneByOne = full;
    let read = full;
    let queue = new UnappliedViewDeltas();
    for (let i = 0; i < 120; i++) {
      for (let j = w.pick([0, 1, 1, 3]); j > 0; j--) w.step();
      const next = networkViewFor(node, w.inputs());
      const delta = noisyDelta(full, next, w, i);
      oneByOne = applyViewDelta(oneByOne, delta);
      queue.add(delta);
      full = next;
      // Read now and then, as the test reads an agent's view.
      if (w.chance(0.25)) {
        const d = queue.composed();
        assert.ok(d !== undefined, 'deltas were added');
        read = applyViewDelta(read, d);
        queue = new UnappliedViewDeltas();
        composed += 1;
        const at = `seed ${seed}, message ${i} (replay with VIEW_SEED=${seed})`;
        assert.deepEqual(read, oneByOne, at);
        assert.deepEqual(read, full, at);
      }
    }
  }
  assert.ok(composed > 1000, `only ${composed} reads`);
  assert.equal(new UnappliedViewDeltas().composed(), undefined);
});
