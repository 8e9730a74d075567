/**
 * One leadership lifecycle, with three in-process managers on loopback: leadership is handed from the
 * leader to a follower whose read barrier the test holds. The moment the old leader hears of the new one
 * its dispatcher refuses sessions, naming the new leader; the new leader serves nothing (sessions "starting",
 * allocating calls waiting) until its barrier is through, then serves: the agents move to it, and its task
 * pipeline turns a new service into tasks.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Agent } from '../../agent/session/agent.ts';
import type { WireTask } from '../../proto/control-types.ts';
import { clientOf, loadShoalPackage } from '../../proto/load.ts';
import type { Daemon } from '../../node/daemon.ts';
import type { Leadership } from '../../server/leader/leadership.ts';
import type { Manager } from '../../server/manager/manager.ts';
import { freePort, harness, until } from './helpers.ts';

const h = harness('shoal-leadership-');
const grpcClients: grpc.Client[] = [];
after(async () => {
  for (const c of grpcClients.splice(0)) c.close();
  await h.cleanup();
});
const dpkg = loadShoalPackage('dispatcher.proto');
const names = ['m1', 'm2', 'm3'] as const;
type Name = (typeof names)[number];
const daemons = new Map<Name, Daemon>();
const addrs = new Map<Name, string>();

const managerOf = (n: Name): Manager => {
  const m = (daemons.get(n) as unknown as { manager?: Manager } | undefined)?.manager;
  assert.ok(m !== undefined, `${n} runs a manager`);
  return m;
};
const leadershipOf = (n: Name): Leadership =>
  (managerOf(n) as unknown as { p: { leadership: Leadership } }).p.leadership;
const agentOf = (n: Name): Agent | undefined =>
  (daemons.get(n) as unknown as { agent?: { session: Agent } }).agent?.session;

before(async () => {
  // A long heartbeat period: the dispatcher's own timer ticks every 500 ms, so a refusal right after the
  // leader changed comes from the lifecycle, not from a dispatcher noticing on its next tick.
  const options = { pollMs: 50, dispatcher: { heartbeatPeriodMs: 5000 } };
  daemons.set('m1', await h.daemon('m1', options));
  addrs.set('m1', `127.0.0.1:${await freePort()}`);
  const init = await h.client('m1', 'Swarm')('Init', { listenAddr: addrs.get('m1'), advertiseAddr: '' });
  for (const n of ['m2', 'm3'] as const) {
    daemons.set(n, await h.daemon(n, options));
    addrs.set(n, `127.0.0.1:${await freePort()}`);
    await h.client(n, 'Swarm')('Join', {
      token: init.managerToken,
      remoteAddr: addrs.get('m1'),
      listenAddr: addrs.get(n),
      advertiseAddr: '',
    });
  }
  await until('every agent in session', () =>
    Promise.resolve(names.every(n => agentOf(n)?.sessionId !== undefined)),
  );
});

/** Opens a dispatcher session on `on` as `as`'s node: 'accepted', or the refusal's status. */
async function openSession(on: Name, as: Name): Promise<'accepted' | grpc.StatusObject> {
  const file = (f: string): Buffer => readFileSync(join(h.root, as, 'certificates', f));
  const c = new (clientOf(dpkg, 'Dispatcher'))(
    addrs.get(on) ?? '',
    grpc.credentials.createSsl(file('swarm-root-ca.crt'), file('swarm-node.key'), file('swarm-node.crt')),
    { 'grpc.ssl_target_name_override': 'swarm-manager', 'grpc.use_local_subchannel_pool': 1 },
  );
  grpcClients.push(c);
  return new Promise(resolve => {
    const s = (c as unknown as { Session(req: object): grpc.ClientReadableStream<unknown> }).Session({});
    s.on('data', () => {
      resolve('accepted');
      s.cancel();
    });
    s.on('error', () => undefined);
    s.on('status', resolve);
  });
}

test('leadership moves: the old leader stops serving at once, the new one serves after its read barrier', async () => {
  const old = names.find(n => managerOf(n).raft.isLeader);
  assert.ok(old !== undefined);
  const next = names.find(n => n !== old) as Name;
  const other = names.find(n => n !== old && n !== next) as Name;
  const nextRaft = managerOf(next).raft;
  const oldTerm = leadershipOf(old).servingTerm;
  assert.equal(oldTerm, managerOf(old).raft.term);

  // The new leader's read barrier waits for the test.
  let release: () => void = () => undefined;
  const gate = new Promise<void>(r => (release = r));
  const barrier = nextRaft.readBarrier.bind(nextRaft);
  nextRaft.readBarrier = () => gate.then(barrier);

  managerOf(old).raft.transferLeadership(nextRaft.id);
  // The old leader: once Raft told it, nothing of its leadership serves any more.
  await until('the old leader stopped serving, and follows the new one', () =>
    Promise.resolve(
      leadershipOf(old).servingTerm === undefined &&
        managerOf(old).raft.leader === nextRaft.id &&
        nextRaft.isLeader,
    ),
  );
  const refused = await openSession(old, other);
  assert.ok(refused !== 'accepted', 'the old leader opened a session');
  assert.equal(refused.code, grpc.status.UNAVAILABLE);
  assert.equal(refused.details, `this manager is not the leader; the leader is at ${addrs.get(next)}`);

  // The new leader, barrier held: it leads in Raft, but serves nothing yet. An allocating call waits.
  let created = false;
  const network = h
    .client(next, 'Control')('CreateNetwork', { spec: { name: 'after-barrier', driver: 'overlay' } })
    .then(r => {
      created = true;
      return r;
    });
  const starting = await openSession(next, other);
  assert.ok(starting !== 'accepted', 'a session was opened before the read barrier');
  assert.equal(starting.details, 'the dispatcher is starting; try again');
  assert.equal(leadershipOf(next).servingTerm, undefined);
  assert.equal(created, false, 'a network was allocated before the read barrier');

  release();
  await network;
  assert.equal(leadershipOf(next).servingTerm, nextRaft.term);
  assert.ok(nextRaft.term > (oldTerm ?? 0));

  // Serving: every agent moves to the new leader, and its task pipeline turns a service into tasks.
  await until(
    'every agent in session with the new leader',
    () => Promise.resolve(names.every(n => agentOf(n)?.manager === addrs.get(next))),
    15_000,
  );
  await h.client(next, 'Control')('CreateService', {
    spec: { name: 'web', mode: 'replicated', replicas: 2, task: { command: ['sleep', '1000'] } },
  });
  await until('two tasks of web placed', async () => {
    const tasks = (await h.client(next, 'Control')('ListTasks', {})).tasks as WireTask[];
    return tasks.filter(t => t.nodeId !== '').length === 2;
  });
  assert.equal(leadershipOf(old).servingTerm, undefined);
  assert.equal(leadershipOf(other).servingTerm, undefined);
});
