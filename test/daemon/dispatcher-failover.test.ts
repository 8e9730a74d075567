/**
 * Sessions across managers, with real daemons on loopback (3 managers, 1 worker, a 1 s heartbeat): a
 * follower refuses a session with UNAVAILABLE naming the leader; stopping the manager that holds the
 * worker's session (the leader: only it serves sessions) moves the worker to the new leader, and the
 * worker stays READY through the election and the new leader's grace window.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Agent } from '../../agent/session/agent.ts';
import type { WireNode } from '../../proto/control-types.ts';
import { LEADER_ADDR_METADATA } from '../../proto/dispatcher-types.ts';
import { clientOf, loadShoalPackage } from '../../proto/load.ts';
import type { Daemon } from '../../node/daemon.ts';
import type { Manager } from '../../server/manager/manager.ts';
import { getNode, nodeTable, type Node } from '../../server/store/index.ts';
import { freePort, harness, until } from './helpers.ts';

/**
 * The daemons share this process's event loop, which a loaded machine stalls for hundreds of
 * milliseconds: with 200 ms (DOWN after 600 ms) the worker was seen DOWN for a moment although in session.
 */
const PERIOD = 1000;
const h = harness('shoal-dispatcher-failover-');
const grpcClients: grpc.Client[] = [];
after(async () => {
  for (const c of grpcClients.splice(0)) c.close();
  await h.cleanup();
});
const dpkg = loadShoalPackage('dispatcher.proto');

const daemons = new Map<string, Daemon>();
const addrs = new Map<string, string>();
let workerId = '';

async function start(name: string): Promise<Daemon> {
  const d = await h.daemon(name, { pollMs: 50, dispatcher: { heartbeatPeriodMs: PERIOD } });
  daemons.set(name, d);
  return d;
}
const managerOf = (name: string): Manager | undefined =>
  (daemons.get(name) as unknown as { manager?: Manager } | undefined)?.manager;
const agentOf = (name: string): Agent | undefined =>
  (daemons.get(name) as unknown as { agent?: { session: Agent } }).agent?.session;
const nameAt = (addr: string | undefined): string | undefined => [...addrs].find(([, a]) => a === addr)?.[0];
/** The running manager that leads, by name. */
const leader = (): string | undefined => [...daemons.keys()].find(n => managerOf(n)?.raft.isLeader === true);

async function workerStatus(via: string): Promise<string | undefined> {
  const listed = (await h.client(via, 'Control')('ListNodes', {})).nodes as WireNode[];
  return listed.find(n => n.id === workerId)?.status;
}

before(async () => {
  await start('m1');
  addrs.set('m1', `127.0.0.1:${await freePort()}`);
  const init = await h.client('m1', 'Swarm')('Init', { listenAddr: addrs.get('m1'), advertiseAddr: '' });
  for (const name of ['m2', 'm3', 'w1']) {
    await start(name);
    addrs.set(name, `127.0.0.1:${await freePort()}`);
    const joined = await h.client(name, 'Swarm')('Join', {
      token: String(name === 'w1' ? init.workerToken : init.managerToken),
      remoteAddr: addrs.get('m1'),
      listenAddr: addrs.get(name),
      advertiseAddr: '',
    });
    if (name === 'w1') workerId = String(joined.nodeId);
  }
});

test('a follower refuses a session, naming the leader', async () => {
  await until('every agent in session', () =>
    Promise.resolve(['m1', 'm2', 'm3', 'w1'].every(n => agentOf(n)?.sessionId !== undefined)),
  );
  const lead = leader();
  const follower = ['m1', 'm2', 'm3'].find(n => n !== lead);
  assert.ok(lead !== undefined && follower !== undefined);
  for (const n of ['m1', 'm2', 'm3', 'w1']) assert.equal(agentOf(n)?.manager, addrs.get(lead), n);

  const file = (f: string): Buffer => readFileSync(join(h.root, 'w1', 'certificates', f));
  const c = new (clientOf(dpkg, 'Dispatcher'))(
    addrs.get(follower) ?? '',
    grpc.credentials.createSsl(file('swarm-root-ca.crt'), file('swarm-node.key'), file('swarm-node.crt')),
    { 'grpc.ssl_target_name_override': 'swarm-manager', 'grpc.use_local_subchannel_pool': 1 },
  );
  grpcClients.push(c);
  const refusal = await new Promise<grpc.StatusObject>(resolve => {
    const s = (c as unknown as { Session(req: object): grpc.ClientReadableStream<unknown> }).Session({});
    s.on('data', () => assert.fail('a follower opened a session'));
    s.on('error', () => undefined);
    s.on('status', resolve);
  });
  assert.equal(refusal.code, grpc.status.UNAVAILABLE);
  assert.equal(refusal.details, `this manager is not the leader; the leader is at ${addrs.get(lead)}`);
  assert.deepEqual(refusal.metadata.get(LEADER_ADDR_METADATA), [addrs.get(lead)]);
});

test('stopping the manager holding a worker’s session: the worker moves to the new leader and stays READY', async () => {
  const holder = nameAt(agentOf('w1')?.manager);
  assert.ok(holder !== undefined && holder !== 'w1');
  const before = agentOf('w1')?.sessionId;
  await h.stop(holder);
  daemons.delete(holder);
  const rest = ['m1', 'm2', 'm3'].filter(n => n !== holder);

  await until(
    'w1 in session with another manager',
    () => {
      const a = agentOf('w1');
      return Promise.resolve(
        a?.sessionId !== undefined && a.sessionId !== before && a.manager !== addrs.get(holder),
      );
    },
    15_000,
  );
  const now = nameAt(agentOf('w1')?.manager);
  assert.ok(now !== undefined && rest.includes(now));
  await until('the new holder leads', () => Promise.resolve(managerOf(now)?.raft.isLeader === true));

  // Every status the new leader writes for w1 from now on, until the stopped manager's node is DOWN:
  // that takes the new leader's grace window and three missed heartbeat periods, so w1, heartbeating all
  // along, must have stayed READY through the same span.
  const store = managerOf(now)?.store;
  assert.ok(store !== undefined);
  const written: string[] = [];
  const watch = store.watch({ tables: [nodeTable.name] });
  void (async () => {
    for await (const e of watch) if (e.object.id === workerId) written.push((e.object as Node).status.state);
  })().catch(() => undefined);
  const stoppedId = JSON.parse(readFileSync(join(h.root, holder, 'state.json'), 'utf8')) as {
    identity: { nodeId: string };
  };
  try {
    await until(
      'the stopped manager DOWN',
      () =>
        Promise.resolve(store.view(tx => getNode(tx, stoppedId.identity.nodeId))?.status.state === 'down'),
      15_000,
    );
  } finally {
    watch.close();
  }
  assert.deepEqual(
    written.filter(s => s !== 'ready'),
    [],
    'w1 stayed READY through the grace window',
  );
  assert.equal(await workerStatus(now), 'ready');
});
