/**
 * Needs root (CI runs as root): the first five minutes on three lab nodes, each with one address besides
 * lo. `shoal swarm init --advertise-addr` on node 1, then on nodes 2 and 3 exactly the join commands it
 * printed (`swarm init`'s for a worker, `swarm join-token manager`'s for a manager), no address flags:
 * each node advertises the address its route to node 1 starts from, and the cluster forms.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { WireNode } from '../../proto/control-types.ts';
import { runCli } from '../cli/run-cli.ts';
import { canRunLab, Lab } from './lab.ts';
import { LabCluster, until } from './lab-cluster.ts';

const lab = new Lab();
const dir = mkdtempSync(join(tmpdir(), 'shoal-lab-join-'));
after(async () => {
  await lab.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** The `shoal swarm join …` line a command printed, as the argv a person would run. */
function printedJoin(out: string): string[] {
  const line = /^ {4}(shoal swarm join --token \S+ \S+)$/m.exec(out)?.[1];
  assert.ok(line !== undefined, `no join command in:\n${out}`);
  return line.split(' ').slice(1);
}

test(
  'lab: the join commands swarm init prints work as printed on the other nodes',
  { skip: !canRunLab() && 'needs root and iproute2 (CI runs as root)' },
  async () => {
    const c = new LabCluster(lab, dir);
    lab.create(3);
    for (const i of [1, 2, 3]) c.start(i);
    await until('the daemons’ sockets', () =>
      Promise.resolve([1, 2, 3].every(i => existsSync(c.sock(i))) || undefined),
    );
    const shoal = async (i: number, argv: string[]): Promise<string> => {
      const r = await runCli(argv, c.sock(i));
      assert.equal(r.code, 0, `node ${i}: shoal ${argv.join(' ')}: ${r.err}`);
      return r.out;
    };
    const init = await shoal(1, ['swarm', 'init', '--advertise-addr', Lab.addr(1)]);
    const worker = printedJoin(init);
    assert.equal(worker.at(-1), `${Lab.addr(1)}:2377`);
    const manager = printedJoin(await shoal(1, ['swarm', 'join-token', 'manager']));

    assert.equal(await shoal(2, manager), 'This node joined a swarm as a manager.\n');
    assert.equal(await shoal(3, worker), 'This node joined a swarm as a worker.\n');

    const nodes = await until('three nodes, two managers reachable', async () => {
      const { nodes: all } = (await c.rpc(1, 'Control')('ListNodes')) as { nodes: WireNode[] };
      const managers = all.filter(n => n.managerStatus === 'leader' || n.managerStatus === 'reachable');
      return all.length === 3 && managers.length === 2 ? all : undefined;
    });
    for (const i of [1, 2, 3]) {
      const n = nodes.find(x => x.hostname === `node${i}`);
      assert.equal(n?.addr.replace(/:\d+$/, ''), Lab.addr(i), `node${i}`);
    }
    // The joined manager serves the cluster: a write through it is seen on node 1.
    await c.rpc(2, 'Control')('CreateNetwork', { spec: { name: 'printed', driver: 'overlay' } });
    const { networks } = (await c.rpc(1, 'Control')('ListNetworks')) as {
      networks: { spec: { name: string } }[];
    };
    assert.ok(networks.some(n => n.spec.name === 'printed'));
  },
);
