/**
 * Promotion and demotion end to end on loopback. A promoted worker renews into a manager certificate,
 * joins Raft (RaftMembership.Join) and serves node ls as a Reachable manager; demoted, it leaves Raft
 * and runs as a worker again, keeping its node ID. The last manager is not demoted, nor one whose
 * removal would lose quorum; a demoted leader hands leadership over first.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { readIdentity } from '../../certs/index.ts';
import type { Daemon } from '../../node/daemon.ts';
import { WORKER_NOT_A_MANAGER } from '../../node/errors.ts';
import type { Manager } from '../../server/manager/manager.ts';
import { freePort, harness, until } from './helpers.ts';

const h = harness('shoal-roles-');
after(() => h.cleanup());

interface WireNode {
  id: string;
  hostname: string;
  role: string;
  status: string;
  managerStatus: string;
}

const running = new Map<string, Daemon>();
const ports = new Map<string, number>();
/** Each daemon's log messages, to tell who did what. */
const logs = new Map<string, string[]>();

async function daemon(name: string): Promise<Daemon> {
  const lines: string[] = [];
  logs.set(name, lines);
  const d = await h.daemon(name, {
    log: pino(
      { level: 'info' },
      { write: (s: string) => lines.push(String((JSON.parse(s) as { msg: unknown }).msg)) },
    ),
    pollMs: 50,
  });
  running.set(name, d);
  return d;
}

async function stopDaemon(name: string): Promise<void> {
  running.delete(name);
  await h.stop(name);
}

const swarm = (name: string): ReturnType<typeof h.client> => h.client(name, 'Swarm');
const control = (name: string): ReturnType<typeof h.client> => h.client(name, 'Control');
const ls = async (name: string): Promise<WireNode[]> =>
  ((await control(name)('ListNodes', {}).catch(() => ({ nodes: [] }))).nodes ?? []) as WireNode[];
const info = (name: string): Promise<Record<string, unknown>> => swarm(name)('Info', {});
const nodeIdOf = async (name: string): Promise<string> => String((await info(name)).nodeId);
const certRole = (name: string): string =>
  readIdentity(readFileSync(join(h.root, name, 'certificates', 'swarm-node.crt'), 'utf8')).role;
const managerOf = (name: string): Manager | undefined =>
  (running.get(name) as unknown as { manager: Manager | undefined } | undefined)?.manager;

async function init(name: string): Promise<{ worker: string; manager: string }> {
  await daemon(name);
  ports.set(name, await freePort());
  const r = await swarm(name)('Init', { listenAddr: `127.0.0.1:${ports.get(name)}`, advertiseAddr: '' });
  return { worker: String(r.workerToken), manager: String(r.managerToken) };
}

async function joinAs(name: string, token: string, via: string): Promise<void> {
  await daemon(name);
  ports.set(name, await freePort());
  await swarm(name)('Join', {
    token,
    remoteAddr: `127.0.0.1:${ports.get(via)}`,
    listenAddr: `127.0.0.1:${ports.get(name)}`,
    advertiseAddr: '',
  });
}

function setRole(via: string, nodeId: string, desiredRole: 'manager' | 'worker'): Promise<unknown> {
  return control(via)('UpdateNode', {
    nodeId,
    version: 0,
    desiredRole,
    availability: '',
    labelAdd: {},
    labelRm: [],
  });
}

/** `name`'s row in node ls as `via` answers it: [role, manager status]. */
async function row(via: string, name: string): Promise<[string, string] | undefined> {
  const n = (await ls(via)).find(x => x.hostname === name);
  return n && [n.role, n.managerStatus];
}

test('promote a worker to a Reachable manager, demote it back to a worker; the last manager stays', async () => {
  const tokens = await init('a1');
  await joinAs('aw', tokens.worker, 'a1');
  const a1 = await nodeIdOf('a1');
  const aw = await nodeIdOf('aw');

  await assert.rejects(setRole('a1', a1, 'worker'), {
    code: grpc.status.FAILED_PRECONDITION,
    details: 'attempting to demote the last manager of the swarm',
  });
  await assert.rejects(setRole('a1', aw, 'admin' as 'worker'), { code: grpc.status.INVALID_ARGUMENT });

  await setRole('a1', aw, 'manager');
  await until('the promoted worker to run a manager', async () => (await info('aw')).isManager === true);
  assert.equal(await nodeIdOf('aw'), aw, 'the node keeps its ID');
  assert.equal(certRole('aw'), 'swarm-manager');
  await until('node ls through the promoted node', async () => (await ls('aw')).length === 2);
  await until('the promoted node to be a Reachable manager', async () => {
    const r = await row('a1', 'aw');
    return r?.[0] === 'manager' && r[1] === 'reachable';
  });
  assert.deepEqual(await row('aw', 'a1'), ['manager', 'leader']);
  assert.equal(managerOf('a1')?.raft.voters().length, 2);

  await setRole('a1', aw, 'worker');
  await until('the demoted node to stop its manager', async () => (await info('aw')).isManager === false);
  assert.equal(await nodeIdOf('aw'), aw, 'the node keeps its ID');
  assert.equal(certRole('aw'), 'swarm-worker');
  assert.deepEqual(await row('a1', 'aw'), ['worker', '']);
  assert.equal(managerOf('a1')?.raft.voters().length, 1);
  // Its manager is out of service before it is stopped and its Raft log removed.
  await until('its Raft log to be gone', async () => !existsSync(join(h.root, 'aw', 'raft')));
  await assert.rejects(control('aw')('ListNodes', {}), { details: WORKER_NOT_A_MANAGER });
  // The single manager writes alone again: its quorum is itself.
  await control('a1')('RotateJoinToken', { role: 'worker' });
});

test('demoting the leader moves leadership first; a demotion that would lose quorum is refused', async () => {
  const tokens = await init('b1');
  await joinAs('b2', tokens.manager, 'b1');
  await joinAs('b3', tokens.manager, 'b1');
  const b1 = await nodeIdOf('b1');
  await until('b1 to lead two reachable managers', async () => {
    const status = (await ls('b1')).map(n => `${n.hostname} ${n.managerStatus}`).sort();
    return status.join() === 'b1 leader,b2 reachable,b3 reachable';
  });

  await setRole('b1', b1, 'worker');
  await until('the demoted leader to stop its manager', async () => (await info('b1')).isManager === false);
  await until('b2 and b3 to see b1 as a worker, with one of them leading', async () => {
    const nodes = await ls('b2');
    const leader = nodes.find(n => n.managerStatus === 'leader')?.hostname;
    return nodes.find(n => n.hostname === 'b1')?.role === 'worker' && (leader === 'b2' || leader === 'b3');
  });
  assert.deepEqual(await row('b2', 'b1'), ['worker', '']);
  assert.equal(managerOf('b2')?.raft.voters().length, 2);
  // b1 handed leadership over; the next leader, not b1, took b1 out of Raft.
  assert.ok(logs.get('b1')?.includes('demoting the leader: transferring leadership'));
  assert.equal(logs.get('b1')?.includes('demoted manager removed from raft'), false);
  const remover = ['b2', 'b3'].filter(n => logs.get(n)?.includes('demoted manager removed from raft'));
  assert.equal(remover.length, 1);
  assert.equal(certRole('b1'), 'swarm-worker');

  // Promoted again, b1 rejoins Raft under a new ID with an empty log: three managers.
  await setRole('b2', b1, 'manager');
  await until('b1 to manage again', async () => (await info('b1')).isManager === true);
  await until('three reachable managers', async () => {
    const nodes = await ls('b2');
    return nodes.filter(n => n.role === 'manager' && n.managerStatus !== 'unreachable').length === 3;
  });

  // With a follower down, removing the other one would leave the leader alone of two: refused.
  const leader = (await ls('b2')).find(n => n.managerStatus === 'leader')?.hostname ?? '';
  const [down, other] = ['b1', 'b2', 'b3'].filter(n => n !== leader);
  assert.ok(down !== undefined && other !== undefined);
  await stopDaemon(down);
  await until(`${down} unreachable`, async () => (await row(leader, down))?.[1] === 'unreachable', 30_000);
  await assert.rejects(setRole(leader, await nodeIdOf(other), 'worker'), {
    code: grpc.status.FAILED_PRECONDITION,
    details: "can't remove member from the raft: this would result in a loss of quorum",
  });
  assert.equal(managerOf(leader)?.raft.voters().length, 3);
  assert.equal((await info(other)).isManager, true);
});
