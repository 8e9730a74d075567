/**
 * Needs root (CI runs as root): three shoald processes in the namespace lab, on 198.51.100.1–3:2377,
 * form a cluster with the manager token; the leader is kill -9'd, the others elect a leader and keep
 * accepting writes; the killed one restarts from its disk and catches up through a snapshot.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { canRunLab, Lab } from './lab.ts';
import { LabCluster, until } from './lab-cluster.ts';

const lab = new Lab();
const dir = mkdtempSync(join(tmpdir(), 'shoal-lab-'));
after(async () => {
  await lab.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function workerToken(c: LabCluster, i: number): Promise<string> {
  const { cluster } = (await c.rpc(i, 'Control')('GetCluster')) as { cluster: { workerToken: string } };
  return cluster.workerToken;
}

test(
  'lab: three managers, the leader kill -9ed, a new leader, the old one catches up by snapshot; all restart with their state',
  { skip: !canRunLab() && 'needs root and iproute2 (CI runs as root)' },
  async () => {
    const c = new LabCluster(lab, dir, ['--snapshot-every', '20']);
    const three = await c.form(3);
    assert.equal(c.initResponse.addr, '198.51.100.1:2377');
    assert.deepEqual(three.map(n => n.managerStatus).sort(), ['leader', 'reachable', 'reachable']);

    // kill -9 the leader.
    const victim = (await c.leader(3)) ?? 0;
    const proc = c.procs.get(victim);
    assert.ok(proc !== undefined);
    await lab.kill9(proc);
    const survivor = [1, 2, 3].find(i => i !== victim) ?? 0;

    // The others elect a leader and keep accepting writes: enough of them to force a snapshot.
    await until('a new leader among the survivors', async () => {
      const lead = await c.leader(survivor);
      return lead !== undefined && lead !== victim ? lead : undefined;
    });
    await until('the killed manager shown unreachable', async () =>
      (await c.nodes(survivor)).find(n => n.hostname === `node${victim}`)?.managerStatus === 'unreachable'
        ? true
        : undefined,
    );
    // With one of three down, taking another out would leave no reachable majority: refused.
    await assert.rejects(c.rpc(survivor, 'Swarm')('Leave', { force: true }), /may result in loss of quorum/);

    let token = '';
    for (let k = 0; k < 60; k++) {
      const r = (await c.rpc(survivor, 'Control')('RotateJoinToken', { role: 'worker' })) as {
        cluster: { workerToken: string };
      };
      token = r.cluster.workerToken;
    }
    assert.notEqual(token, c.initResponse.workerToken);

    // The killed manager restarts from its disk and catches up (its log was compacted away: a snapshot).
    const back = c.start(victim);
    await until('the restarted manager to catch up', async () =>
      (await workerToken(c, victim)) === token ? true : undefined,
    );
    assert.match(back.output(), /installed a snapshot from the leader/);
    assert.equal((await c.nodes(victim)).length, 3);

    // Stop every manager, start them all again: all state is there.
    for (const p of c.procs.values()) await lab.kill9(p);
    for (const i of [1, 2, 3]) c.start(i);
    await until('the restarted cluster to elect a leader', () => c.leader(1));
    assert.equal(await workerToken(c, 2), token);
    assert.deepEqual((await c.nodes(3)).map(n => n.hostname).sort(), ['node1', 'node2', 'node3']);
  },
);
