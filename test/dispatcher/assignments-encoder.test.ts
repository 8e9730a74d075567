/**
 * The Assignments serializer with cached node and endpoint bytes decodes, for random clusters (seeded; VIEW_SEED
 * replays one), to exactly what the generic serializer's bytes decode to: full views, deltas with
 * upserts and removals, task changes, parts chained with `more`, and empty messages.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WireAssignmentsMessage } from '../../proto/dispatcher-types.ts';
import { loadShoalPackage, serviceOf } from '../../proto/load.ts';
import { networkViewFor } from '../../server/dispatcher/network-view.ts';
import { NetworkViewIndex } from '../../server/dispatcher/view-index.ts';
import { encodeAssignments } from '../../server/dispatcher/assignments-encoder.ts';
import { wireTask } from '../../server/wire/wire-task.ts';
import { NODE_IDS, seeds, World } from './view-world.ts';

const generic = serviceOf(loadShoalPackage('dispatcher.proto'), 'Dispatcher').Assignments;
const decode = (b: Buffer): unknown => generic.responseDeserialize(b);

function same(m: WireAssignmentsMessage, what: string): void {
  const mine = encodeAssignments(m);
  assert.deepEqual(decode(mine), decode(generic.responseSerialize(m as never)), what);
}

test('cached node and endpoint bytes decode as the generic serializer’s do', () => {
  for (const seed of seeds(40)) {
    const w = new World(seed);
    for (let i = 0; i < 40; i++) w.step();
    const index = new NetworkViewIndex(w.inputs());
    for (const n of NODE_IDS) index.open(n);
    const base = {
      type: 'incremental',
      appliesTo: 3,
      resultsIn: 4,
      changes: [],
      more: false,
      viewSeq: 0,
      keptNetworks: [],
    };
    for (let step = 0; step < 60; step++) {
      const nodeId = NODE_IDS[step % NODE_IDS.length] as string;
      const tasks = [...w.tasks.values()]
        .slice(0, step % 4)
        .map(t => ({ action: 'update', task: wireTask(t) }));
      // A full view (twice: the second one from cached bytes).
      const full = { ...base, type: 'complete', networkView: networkViewFor(nodeId, w.inputs()), viewSeq: 7 };
      same({ ...full, changes: tasks, viewDelta: null }, `seed ${seed}: full view`);
      same({ ...full, changes: [], viewDelta: null, more: true }, `seed ${seed}: full view again`);
      // The index's full view: node and endpoint objects shared with other views and deltas.
      const shared = { ...full, networkView: index.viewOf(nodeId), changes: [], viewDelta: null };
      same(shared, `seed ${seed}: the index's full view`);
      const ev = w.step();
      if (ev.table === 'task') index.task(ev.object, ev.removed);
      else if (ev.table === 'node') index.node(ev.object, ev.removed);
      else if (ev.table === 'network') index.network(ev.object, ev.removed);
      else if (ev.table === 'service') index.service(ev.object, ev.removed);
      else index.gatewaySubnet(ev.subnet);
      const delta = index.take(nodeId) ?? null;
      same({ ...base, changes: tasks, networkView: null, viewDelta: delta }, `seed ${seed}: delta`);
    }
  }
});

test('a message without a view or a delta, and one with empty ones', () => {
  const m = {
    type: 'complete',
    appliesTo: 0,
    resultsIn: 1,
    changes: [],
    more: false,
    viewSeq: 1,
    networkView: null,
    viewDelta: null,
    keptNetworks: [],
  };
  same(m, 'bare');
  same(
    {
      ...m,
      networkView: { networks: [], nodes: [], services: [], endpoints: [], gatewaySubnet: '' },
      viewDelta: {
        appliesTo: 1,
        resultsIn: 2,
        networks: [],
        removedNetworks: [],
        nodes: [],
        removedNodes: [],
        services: [],
        removedServices: [],
        endpoints: [],
        removedEndpoints: [],
        gatewaySubnet: '172.18.0.0/16',
      },
    },
    'empty view and delta',
  );
});
