/**
 * Needs root (CI runs as root). Chaos with real processes: three managers in the namespace lab under a
 * steady load of writes and linearizable reads from three clients, while the leader is kill -9'd and
 * restarted five times. No acknowledged write may be lost, and the whole history (real invocation and
 * response times) must be linearizable — checked by the simulator's own checker.
 *
 * The register is one label of one node: a write is `node update --label-add k=<unique value>`, a read
 * is `node inspect` (served after a ReadIndex barrier).
 */
import type { ServiceError } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SeededRng } from '../../server/raft/index.ts';
import { checkLinearizable, type HistoryOp } from '../sim/linearizability.ts';
import { canRunLab, Lab } from './lab.ts';
import { LabCluster, until, type WireNode } from './lab-cluster.ts';

const lab = new Lab();
const dir = mkdtempSync(join(tmpdir(), 'shoal-chaos-'));
after(async () => {
  await lab.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const KILLS = 5;
const CLIENTS = 3;

test(
  `chaos: ${KILLS} leader kill -9s under load lose no acknowledged write; the history is linearizable`,
  { skip: !canRunLab() && 'needs root and iproute2 (CI runs as root)' },
  async t => {
    const c = new LabCluster(lab, dir);
    const nodes = await c.form(3);
    const target = nodes.find(n => n.hostname === 'node1')?.id ?? '';
    const down = new Set<number>();
    const rng = new SeededRng(20261124);
    const history: HistoryOp[] = [];
    let clock = 0;
    let acked = 0;
    let running = true;

    const client = async (id: number): Promise<void> => {
      let seq = 0;
      while (running) {
        const up = [1, 2, 3].filter(i => !down.has(i));
        const at = rng.pick(up.length > 0 ? up : [1]);
        if (rng.chance(0.6)) {
          const value = `c${id}:${++seq}`;
          const op: HistoryOp = {
            client: id,
            op: { kind: 'write', key: 'k', value },
            call: ++clock,
            ret: Infinity,
          };
          history.push(op);
          try {
            await c.rpc(at, 'Control')('UpdateNode', { nodeId: target, labelAdd: { k: value } }, 8000);
            op.ret = ++clock;
            acked++;
          } catch (err) {
            // A conflicting concurrent update was rejected as a whole: it definitely did not happen.
            if ((err as ServiceError).details?.includes('update out of sequence'))
              history.splice(history.indexOf(op), 1);
            // Anything else (a manager killed mid-call, a timeout) leaves the outcome unknown: ret stays Infinity.
          }
        } else {
          const op: HistoryOp = { client: id, op: { kind: 'read', key: 'k' }, call: ++clock, ret: Infinity };
          history.push(op);
          try {
            const r = (await c.rpc(at, 'Control')('GetNode', { nodeId: target }, 8000)) as { node: WireNode };
            op.ret = ++clock;
            op.output = r.node.labels.k ?? null;
          } catch {
            history.splice(history.indexOf(op), 1); // a read that did not answer constrains nothing
          }
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, k) => client(k + 1));

    for (let round = 0; round < KILLS; round++) {
      const up = [1, 2, 3].find(i => !down.has(i)) ?? 1;
      const victim = await until('a leader', () => c.leader(up));
      const proc = c.procs.get(victim);
      assert.ok(proc !== undefined);
      down.add(victim);
      await lab.kill9(proc);
      const other = [1, 2, 3].find(i => i !== victim) ?? 1;
      await until('a new leader', async () => {
        const lead = await c.leader(other);
        return lead !== undefined && lead !== victim ? lead : undefined;
      });
      const ackedBefore = acked;
      await until('writes acknowledged by the survivors', () =>
        Promise.resolve(acked > ackedBefore + 5 || undefined),
      );
      c.start(victim);
      await until('the restarted manager to answer', async () =>
        (await c.nodes(victim)).length === 3 ? true : undefined,
      );
      down.delete(victim);
    }
    running = false;
    await Promise.all(clients);

    // Final reads from every manager: every acknowledged write is there, in a linearizable order.
    for (const i of [1, 2, 3]) {
      const op: HistoryOp = { client: 100 + i, op: { kind: 'read', key: 'k' }, call: ++clock, ret: Infinity };
      const r = (await c.rpc(i, 'Control')('GetNode', { nodeId: target })) as { node: WireNode };
      op.ret = ++clock;
      op.output = r.node.labels.k ?? null;
      history.push(op);
    }
    assert.ok(acked > KILLS * 5, `only ${acked} writes acknowledged`);
    const reads = history.filter(h => h.op.kind === 'read').length;
    const unknown = history.filter(h => h.ret === Infinity).length;
    t.diagnostic(
      `${acked} writes acknowledged, ${reads} reads, ${unknown} writes with unknown outcome, ${KILLS} leader kills`,
    );
    const result = checkLinearizable(history);
    assert.ok(result.ok, result.ok ? '' : `not linearizable: ${result.reason}`);
  },
);
