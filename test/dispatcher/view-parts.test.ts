/**
 * Views cut into parts (viewParts): for random views and deltas between them (seeded; VIEW_SEED=n
 * replays one), the parts, applied in order by the agent's AssignedTasks as the messages of one batch,
 * give the view the whole would; no part holds more entities than the bound; a small view stays whole.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AssignedTasks } from '../../agent/session/assignments.ts';
import type { NetworkView, WireNetworkViewDelta } from '../../proto/dispatcher-types.ts';
import { networkViewFor } from '../../server/dispatcher/network-view.ts';
import { viewParts, type ViewPart } from '../../server/dispatcher/view-parts.ts';
import { sendParts } from './view-messages.ts';
import { seeds, World } from './view-world.ts';

/** The delta from `a` to `b`; with `churn`, one endpoint of `b` also removed before it is upserted. */
function deltaOf(a: NetworkView, b: NetworkView, appliesTo: number, churn: boolean): WireNetworkViewDelta {
  const id = (x: { id: string }): string => x.id;
  const ek = (e: { networkId: string; taskId: string }): string => `${e.networkId}/${e.taskId}`;
  const diff = <T>(from: readonly T[], to: readonly T[], key: (t: T) => string): [T[], T[]] => {
    const now = new Set(to.map(key));
    const was = new Map(from.map(t => [key(t), JSON.stringify(t)]));
    return [to.filter(t => was.get(key(t)) !== JSON.stringify(t)), from.filter(t => !now.has(key(t)))];
  };
  const [networks, goneNetworks] = diff(a.networks, b.networks, id);
  const [nodes, goneNodes] = diff(a.nodes, b.nodes, id);
  const [services, goneServices] = diff(a.services, b.services, id);
  const [endpoints, goneEndpoints] = diff(a.endpoints, b.endpoints, ek);
  const removedEndpoints = goneEndpoints.map(e => ({ networkId: e.networkId, taskId: e.taskId }));
  const kept = b.endpoints[0];
  if (churn && kept !== undefined) {
    removedEndpoints.push({ networkId: kept.networkId, taskId: kept.taskId });
    if (!endpoints.includes(kept)) endpoints.push(kept);
  }
  return {
    appliesTo,
    resultsIn: appliesTo + 1,
    networks,
    removedNetworks: goneNetworks.map(id),
    nodes,
    removedNodes: goneNodes.map(id),
    services,
    removedServices: goneServices.map(id),
    endpoints,
    removedEndpoints,
    gatewaySubnet: b.gatewaySubnet,
  };
}

const size = (p: ViewPart): number => {
  const v = p.full?.view;
  const d = p.delta;
  const inView =
    v === undefined ? 0 : v.networks.length + v.nodes.length + v.services.length + v.endpoints.length;
  const inDelta =
    d === undefined
      ? 0
      : d.networks.length +
        d.removedNetworks.length +
        d.nodes.length +
        d.removedNodes.length +
        d.services.length +
        d.removedServices.length +
        d.endpoints.length +
        d.removedEndpoints.length;
  return inView + inDelta;
};

test('a view and its deltas in parts of at most N entities give the view they give whole', () => {
  let cut = 0;
  for (const seed of seeds(100)) {
    const w = new World(seed);
    for (let i = 0; i < 60; i++) w.step();
    const node = w.pick(['n0', 'n1', 'n2']);
    const max = w.pick([1, 2, 3, 7, 50]);
    const why = `seed ${seed}, ${max} a part (replay with VIEW_SEED=${seed})`;
    let full = networkViewFor(node, w.inputs());
    const a = new AssignedTasks();
    const parts = viewParts({ full: { view: full, seq: 5 } }, max);
    if (parts.length > 1) cut++;
    for (const p of parts) assert.ok(size(p) <= max, why);
    let seq = sendParts(a, parts, 'complete', 0);
    assert.deepEqual(a.view(), full, why);
    let viewSeq = 5;
    for (let i = 0; i < 20; i++) {
      for (let j = w.pick([1, 2, 5]); j > 0; j--) w.step();
      const next = networkViewFor(node, w.inputs());
      const delta = deltaOf(full, next, viewSeq, w.chance(0.3));
      const dparts = viewParts({ delta }, max);
      for (const p of dparts) assert.ok(size(p) <= max, why);
      seq = sendParts(a, dparts, 'incremental', seq);
      viewSeq = delta.resultsIn;
      full = next;
      assert.deepEqual(a.view(), full, `${why}, delta ${i}`);
    }
  }
  assert.ok(cut > 50, 'most views were cut into parts');
});

test('a view within the bound goes whole; a bound below one entity is refused', () => {
  const w = new World(1);
  for (let i = 0; i < 30; i++) w.step();
  const view = networkViewFor('n0', w.inputs());
  const whole = { full: { view, seq: 1 } };
  assert.deepEqual(viewParts(whole, 1_000_000), [whole]);
  assert.throws(() => viewParts(whole, 0), RangeError);
});
