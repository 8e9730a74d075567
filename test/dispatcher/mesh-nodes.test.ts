/**
 * MeshNodes stays sorted by id and holds exactly what was put last, for random puts and removals
 * (seeded; VIEW_SEED replays one).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ViewNode } from '../../proto/dispatcher-types.ts';
import { MeshNodes } from '../../server/dispatcher/mesh-nodes.ts';
import { rng, seeds } from './view-world.ts';

test('the mesh list equals a map of the last puts, sorted by id', () => {
  for (const seed of seeds(200)) {
    const random = rng(seed);
    const mesh = new MeshNodes();
    const want = new Map<string, ViewNode>();
    for (let step = 0; step < 200; step++) {
      const id = `n${Math.floor(random() * 30)}`;
      const v = random() < 0.3 ? undefined : { id, addr: `198.51.100.${step % 250}`, ingressAddr: '' };
      mesh.put(id, v);
      if (v === undefined) want.delete(id);
      else want.set(id, v);
      const sorted = [...want.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      assert.deepEqual(mesh.nodes, sorted, `seed ${seed}, step ${step}`);
      assert.equal(mesh.has(id), v !== undefined, `seed ${seed}, step ${step}: has ${id}`);
    }
  }
});
