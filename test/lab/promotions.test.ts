/**
 * Needs root (CI runs as root): five shoald processes in the namespace lab, one manager and four
 * workers. Two workers are promoted at once (`shoal node promote node2 node3`), then demoted at once,
 * three rounds with different pairs. Each round every promoted node becomes a Reachable manager, the
 * cluster keeps accepting writes, and the demoted ones go back to workers (issue 14, point 3: two
 * joins at once once left the first joiner unanswered and the cluster without a quorum).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { canRunLab, Lab } from './lab.ts';
import { LabCluster, until, type WireNode } from './lab-cluster.ts';

const lab = new Lab();
const dir = mkdtempSync(join(tmpdir(), 'shoal-lab-'));
after(async () => {
  await lab.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test(
  'lab: workers promoted two at a time and demoted two at a time, three rounds; every change lands and the cluster keeps writing',
  { skip: !canRunLab() && 'needs root and iproute2 (CI runs as root)' },
  async () => {
    const c = new LabCluster(lab, dir, ['--poll-ms', '200']);
    try {
      await promoteAndDemote(c);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${c.logs()}`, { cause: err });
    }
  },
);

async function promoteAndDemote(c: LabCluster): Promise<void> {
  lab.create(5);
  for (const i of [1, 2, 3, 4, 5]) c.start(i);
  await until(
    'the daemons’ sockets',
    async () => [1, 2, 3, 4, 5].every(i => existsSync(c.sock(i))) || undefined,
  );
  const init = await c.rpc(1, 'Swarm')('Init', { listenAddr: '198.51.100.1:2377', advertiseAddr: '' });
  for (const i of [2, 3, 4, 5]) {
    await c.rpc(i, 'Swarm')('Join', {
      token: init.workerToken,
      remoteAddr: '198.51.100.1:2377',
      listenAddr: `198.51.100.${i}:2377`,
      advertiseAddr: '',
    });
  }
  const ids = new Map<number, string>();
  await until('five nodes', async () => {
    const nodes = await c.nodes(1);
    if (nodes.length !== 5) return undefined;
    for (const n of nodes) ids.set(Number(n.hostname.replace('node', '')), n.id);
    return true;
  });
  const setRole = (i: number, desiredRole: 'manager' | 'worker'): Promise<unknown> =>
    c.rpc(1, 'Control')('UpdateNode', {
      nodeId: ids.get(i),
      version: 0,
      desiredRole,
      availability: '',
      labelAdd: {},
      labelRm: [],
    });
  const statuses = async (): Promise<Map<string, string>> =>
    new Map((await c.nodes(1)).map((n: WireNode) => [n.hostname, n.managerStatus]));

  for (const pair of [
    [2, 3],
    [4, 5],
    [3, 4],
  ]) {
    await Promise.all(pair.map(i => setRole(i, 'manager')));
    await until(
      `node${pair[0]} and node${pair[1]} Reachable managers`,
      async () => {
        const s = await statuses();
        return pair.every(i => s.get(`node${i}`) === 'reachable') && s.get('node1') === 'leader'
          ? true
          : undefined;
      },
      60_000,
    );
    // The bigger cluster commits: a write through a promoted node, once it has caught up (until then
    // it answers UNAVAILABLE: the cluster is still starting).
    await until(
      `a write through node${pair[0]}`,
      async () => (await c.rpc(pair[0] ?? 0, 'Control')('RotateJoinToken', { role: 'worker' })) && true,
      30_000,
    );

    await Promise.all(pair.map(i => setRole(i, 'worker')));
    await until(
      `node${pair[0]} and node${pair[1]} workers again`,
      async () => {
        const s = await statuses();
        return pair.every(i => s.get(`node${i}`) === '') ? true : undefined;
      },
      60_000,
    );
    await c.rpc(1, 'Control')('RotateJoinToken', { role: 'worker' });
  }

  // Demoted and promoted again before it could notice (paused meanwhile): its old Raft member stays
  // removed, so it must see that and join as a new one.
  await Promise.all([2, 3].map(i => setRole(i, 'manager')));
  await until('node2 and node3 Reachable managers', async () => {
    const s = await statuses();
    return s.get('node2') === 'reachable' && s.get('node3') === 'reachable' ? true : undefined;
  });
  const paused = c.procs.get(3)?.child;
  assert.ok(paused !== undefined);
  paused.kill('SIGSTOP');
  try {
    await setRole(3, 'worker');
    await until('node3 out of Raft', async () => ((await statuses()).get('node3') === '' ? true : undefined));
    await setRole(3, 'manager');
  } finally {
    paused.kill('SIGCONT');
  }
  await until(
    'node3 a Reachable manager again',
    async () => ((await statuses()).get('node3') === 'reachable' ? true : undefined),
    60_000,
  );
  await until(
    'a write through node3',
    async () => (await c.rpc(3, 'Control')('RotateJoinToken', { role: 'worker' })) && true,
    30_000,
  );
  await Promise.all([2, 3].map(i => setRole(i, 'worker')));
  await until('node2 and node3 workers again', async () => {
    const s = await statuses();
    return s.get('node2') === '' && s.get('node3') === '' ? true : undefined;
  });

  const s = await statuses();
  assert.deepEqual([...s].sort(), [
    ['node1', 'leader'],
    ['node2', ''],
    ['node3', ''],
    ['node4', ''],
    ['node5', ''],
  ]);
}
