/**
 * Needs root (CI runs as root): three managers in the namespace lab; two are gone for good (kill -9),
 * so no quorum can form again (issue 14, point 9). `shoal swarm init --force-new-cluster` on the
 * survivor makes it a one-manager cluster with all its state: it leads, writes commit, the service's
 * tasks run on, and one of the old managers coming back with its old log disturbs nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../cli/run-cli.ts';
import { canRunLab, Lab } from './lab.ts';
import { LabCluster, until } from './lab-cluster.ts';

const lab = new Lab();
const dir = mkdtempSync(join(tmpdir(), 'shoal-force-new-'));
after(async () => {
  await lab.destroy();
  rmSync(dir, { recursive: true, force: true });
});

interface WireTask {
  id: string;
  nodeId: string;
  status: { state: string };
}

test(
  'two of three managers gone for good: --force-new-cluster on the survivor keeps the cluster and its tasks',
  { skip: !canRunLab() && 'needs root and iproute2 (CI runs as root)' },
  async () => {
    const c = new LabCluster(lab, dir, ['--heartbeat-period', '1000']);
    const nodes = await c.form(3);
    const control = c.rpc(1, 'Control');
    await control('CreateConfig', { name: 'before', data: Buffer.from('kept') });
    await control('CreateService', {
      spec: { name: 'keep', mode: 'replicated', replicas: 3, task: { command: ['sleep', '1d'] } },
    });
    const running = async (): Promise<WireTask[]> =>
      ((await control('ListTasks', { filters: { desiredStates: ['running'] } })).tasks as WireTask[]).filter(
        t => t.status.state === 'running',
      );
    await until(
      'the service running',
      async () => ((await running()).length === 3 ? true : undefined),
      30_000,
    );
    const node1 = nodes.find(n => n.hostname === 'node1')?.id;
    const ownTask = (await running()).find(t => t.nodeId === node1);
    assert.ok(ownTask !== undefined, 'a task on the survivor');

    // Two managers gone for good: no write can commit.
    for (const i of [2, 3]) {
      const p = c.procs.get(i);
      assert.ok(p !== undefined);
      await lab.kill9(p);
    }
    await assert.rejects(control('CreateConfig', { name: 'stuck', data: Buffer.from('x') }, 20_000));

    const forced = await runCli(['swarm', 'init', '--force-new-cluster'], c.sock(1));
    assert.equal(forced.code, 0, forced.err);
    assert.match(forced.out, /Swarm initialized: current node \(\w+\) is now a manager/);
    // The cluster is kept as it is: its addresses cannot change with it.
    const changed = await runCli(
      ['swarm', 'init', '--force-new-cluster', '--listen-addr', '198.51.100.1:2378'],
      c.sock(1),
    );
    assert.notEqual(changed.code, 0);
    assert.match(changed.err, /cannot change with it/);

    // It leads alone, with everything it had; writes commit again.
    await control('CreateConfig', { name: 'after', data: Buffer.from('new') });
    const names = ((await control('ListConfigs', {})).configs as { name: string }[]).map(x => x.name).sort();
    assert.deepEqual(names, ['after', 'before']);
    const ls = (await c.nodes(1)).map(n => [n.hostname, n.managerStatus]).sort();
    assert.deepEqual(ls[0], ['node1', 'leader']);
    // Its own task ran on throughout; the gone nodes' tasks come back on it once they are marked down.
    await until(
      'the service whole again',
      async () => {
        const tasks = await running();
        return tasks.length === 3 && tasks.some(t => t.id === ownTask.id) ? true : undefined;
      },
      60_000,
    );

    // An old manager comes back with its old log: it is no member any more and disturbs nothing.
    c.start(2);
    const term = async (): Promise<string | undefined> => ((await c.leader(1)) === 1 ? 'node1' : undefined);
    for (let k = 0; k < 30; k++) {
      await control('CreateConfig', { name: `again${k}`, data: Buffer.from('x') }, 5000);
      assert.equal(await term(), 'node1');
    }
  },
);
