/**
 * shoald end to end on loopback, in-process: swarm init, node list over the local socket, a restart
 * from the data folder alone, two managers joining with the manager token over mTLS, and the
 * join-token errors users see.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Daemon } from '../../node/daemon.ts';
import type { Manager } from '../../server/manager/manager.ts';
import { freePort, harness, until } from './helpers.ts';

const { daemons, daemon, client, cleanup } = harness('shoal-daemon-');
after(cleanup);

interface WireNode {
  hostname: string;
  status: string;
  managerStatus: string;
  role: string;
}

test('init, restart from disk, managers join with the token, token errors', async () => {
  const d1 = await daemon('m1');
  const port1 = await freePort();
  const init = await client('m1', 'Swarm')('Init', { listenAddr: `127.0.0.1:${port1}`, advertiseAddr: '' });
  assert.match(String(init.workerToken), /^SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}$/);
  assert.equal(init.addr, `127.0.0.1:${port1}`);

  const ls = async (name: string): Promise<WireNode[]> =>
    (await client(name, 'Control')('ListNodes', {})).nodes as WireNode[];
  let nodes = await ls('m1');
  assert.deepEqual(
    nodes.map(n => [n.hostname, n.status, n.managerStatus, n.role]),
    [['m1', 'ready', 'leader', 'manager']],
  );

  // Everything is in the data folder: stop, start again, same cluster.
  await d1.stop();
  daemons.splice(daemons.indexOf(d1), 1);
  const restarted = await daemon('m1');
  await until(
    'the restarted manager to lead',
    async () => (await ls('m1').catch(() => []))[0]?.managerStatus === 'leader',
  );

  // Join errors, exactly as users see them.
  const join2 = client('m2', 'Swarm');
  await daemon('m2');
  const port2 = await freePort();
  const bad = (token: string): Promise<unknown> =>
    join2('Join', {
      token,
      remoteAddr: `127.0.0.1:${port1}`,
      listenAddr: `127.0.0.1:${port2}`,
      advertiseAddr: '',
    });
  await assert.rejects(bad('SWMTKN-1-nope'), /invalid join token/);
  const digest = String(init.managerToken).split('-')[2];
  await assert.rejects(
    bad(`SWMTKN-1-${digest}-${'0'.repeat(25)}`),
    /A valid join token is necessary to join this cluster/,
  );
  await assert.rejects(
    bad(`SWMTKN-1-${'1'.repeat(50)}-${'0'.repeat(25)}`),
    /remote CA does not match fingerprint\. Expected: 1{50}/,
  );

  // Two managers join with the manager token; the cluster shows three, one leader.
  await join2('Join', {
    token: init.managerToken,
    remoteAddr: `127.0.0.1:${port1}`,
    listenAddr: `127.0.0.1:${port2}`,
    advertiseAddr: '',
  });
  await daemon('m3');
  await client('m3', 'Swarm')('Join', {
    token: init.managerToken,
    remoteAddr: `127.0.0.1:${port1}`,
    listenAddr: `127.0.0.1:${await freePort()}`,
    advertiseAddr: '',
  });
  await until(
    'three managers seen from the newest',
    async () => (await ls('m3').catch(() => [])).length === 3,
  );
  nodes = await ls('m3');
  assert.deepEqual(nodes.map(n => n.managerStatus).sort(), ['leader', 'reachable', 'reachable']);

  // A manager that leaves is taken out of Raft: the other two keep a quorum of two and keep writing.
  await client('m3', 'Swarm')('Leave', { force: true });
  await until('two managers left', async () => (await ls('m1').catch(() => [])).length === 2);
  assert.equal((await client('m3', 'Swarm')('Info', {})).state, 'inactive');
  await client('m1', 'Control')('RotateJoinToken', { role: 'worker' });
  const voters = (d: Daemon): number => (d as unknown as { manager: Manager }).manager.raft.voters().length;
  await until('m3 out of the Raft configuration', () => Promise.resolve(voters(restarted) === 2));
});

test("init at Swarm's Raft timing (1 s ticks): the first election takes 10-20 s, and init waits for it", async () => {
  await daemon('slow', { tickMs: 1000 });
  const port = await freePort();
  const init = await client('slow', 'Swarm')('Init', { listenAddr: `127.0.0.1:${port}`, advertiseAddr: '' });
  assert.match(String(init.workerToken), /^SWMTKN-1-/);
  const nodes = (await client('slow', 'Control')('ListNodes', {})).nodes as WireNode[];
  assert.deepEqual(
    nodes.map(n => [n.hostname, n.managerStatus]),
    [['slow', 'leader']],
  );
});
