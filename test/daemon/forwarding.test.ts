/**
 * Leader-only calls on a follower are served by the leader: three in-process managers on loopback,
 * every manager's read barrier and store writes watched, so a test sees which manager ran a handler and
 * whether it led at the time. Then who may send forwarded-for metadata, a forwarded call that misses the
 * leader, and a follower left without a quorum.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  createCsr,
  createNodeKey,
  randomNodeId,
  signNodeCertificate,
  type NodeRole,
  type RootCa,
} from '../../certs/index.ts';
import { loadShoalPackage } from '../../proto/load.ts';
import { METHOD_ROLES } from '../../server/ca/authorize.ts';
import { actAs, callerOf, FORWARDED_FOR, forwardedFor, type Caller } from '../../server/caller/caller.ts';
import { controlService } from '../../server/controlapi/control-server.ts';
import type { Daemon } from '../../node/daemon.ts';
import type { Manager } from '../../server/manager/manager.ts';
import { NO_LEADER } from '../../server/rpc/forward.ts';
import { LEADER_ONLY } from '../../server/rpc/leader-only.ts';
import { findClusters } from '../../server/store/index.ts';
import { freePort, harness, rootCaOf, stopTaskPipeline, until } from './helpers.ts';

const h = harness('shoal-forwarding-');
const clients: grpc.Client[] = [];
const servers: grpc.Server[] = [];
after(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) s.forceShutdown();
  await h.cleanup();
});

/** Every method of the contract by path (every service of every .proto file), for typed calls made by path. */
const METHODS = new Map<string, grpc.MethodDefinition<unknown, unknown>>();
for (const file of readdirSync(fileURLToPath(new URL('../../proto/', import.meta.url)))) {
  if (!file.endsWith('.proto')) continue;
  for (const v of Object.values(loadShoalPackage(file))) {
    if (typeof v !== 'function' || !('service' in v)) continue;
    for (const m of Object.values((v as grpc.ServiceClientConstructor).service)) METHODS.set(m.path, m);
  }
}

const LIST = '/shoal.v1.Control/ListNodes';
const GET = '/shoal.v1.Control/GetNode';
const UPDATE = '/shoal.v1.Control/UpdateNode';
const REMOVE = '/shoal.v1.Control/RemoveNode';
const ISSUE = '/shoal.v1.NodeCA/IssueNodeCertificate';
const GET_CLUSTER = '/shoal.v1.Control/GetCluster';
const CREATE_CONFIG = '/shoal.v1.Control/CreateConfig';
const LIST_CONFIGS = '/shoal.v1.Control/ListConfigs';

interface Identity {
  keyPem: string;
  certPem: string;
  caller: Caller;
}

interface Outcome {
  code: grpc.status;
  details: string;
  res: Record<string, unknown>;
}

/** A manager handler that ran: on which manager, and whether that manager led when it ran. */
interface Ran {
  on: string;
  what: 'read barrier' | 'store write';
  leader: boolean;
}

const names = ['m1', 'm2', 'm3'] as const;
type Name = (typeof names)[number];
const addrs = new Map<Name, string>();
const ran: Ran[] = [];
let caPem = '';
let clusterCa: RootCa;
let clusterId = '';
let managerId: Identity;
let workerId: Identity;

const daemons = new Map<Name, Daemon>();

async function startDaemon(name: Name): Promise<void> {
  daemons.set(name, await h.daemon(name));
}

/** The manager `name`'s daemon runs (a test may reach into it). */
function managerOf(name: Name): Manager {
  const m = (daemons.get(name) as unknown as { manager?: Manager } | undefined)?.manager;
  assert.ok(m, `${name} runs a manager`);
  return m;
}

/** Records every read barrier and store write on `name`'s manager in `ran`. */
function watch(name: Name): void {
  const m = managerOf(name);
  const read = m.raft.readBarrier.bind(m.raft);
  m.raft.readBarrier = () => {
    ran.push({ on: name, what: 'read barrier', leader: m.raft.isLeader });
    return read();
  };
  const update = m.store.update.bind(m.store);
  m.store.update = (fn, now) => {
    ran.push({ on: name, what: 'store write', leader: m.raft.isLeader });
    return update(fn, now);
  };
}

function mint(role: NodeRole, o: { clusterId?: string } = {}): Identity {
  const { keyPem } = createNodeKey();
  const caller: Caller = { nodeId: randomNodeId(), role, clusterId: o.clusterId ?? clusterId };
  const certPem = signNodeCertificate({ csrPem: createCsr(keyPem), ca: clusterCa, ...caller });
  return { keyPem, certPem, caller };
}

/** A channel to `name`'s manager port, presenting `id` if given; each its own connection. */
function portClient(name: Name, id?: Identity): grpc.Client {
  const ca = Buffer.from(caPem);
  const creds =
    id === undefined
      ? grpc.credentials.createSsl(ca)
      : grpc.credentials.createSsl(ca, Buffer.from(id.keyPem), Buffer.from(id.certPem));
  const addr = addrs.get(name);
  assert.ok(addr);
  const c = new grpc.Client(addr, creds, {
    'grpc.ssl_target_name_override': 'swarm-manager',
    'grpc.use_local_subchannel_pool': 1,
  });
  clients.push(c);
  return c;
}

/** The daemon's local socket as `name`'s daemon would serve it: its manager's `localControl`. */
const localClients = new Map<Name, grpc.Client>();
async function localClient(name: Name): Promise<grpc.Client> {
  const cached = localClients.get(name);
  if (cached !== undefined) return cached;
  const server = new grpc.Server();
  server.addService(controlService, managerOf(name).localControl);
  const path = join(h.root, `${name}-local.sock`);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${path}`, grpc.ServerCredentials.createInsecure(), err =>
      err === null ? resolve() : reject(err),
    ),
  );
  servers.push(server);
  const c = new grpc.Client(`unix:${path}`, grpc.credentials.createInsecure());
  clients.push(c);
  localClients.set(name, c);
  return c;
}

/** One unary call by path; resolves with the status either way. */
function call(
  client: grpc.Client,
  path: string,
  req: object,
  o: { forwardedFor?: string; deadlineMs?: number } = {},
): Promise<Outcome> {
  const def = METHODS.get(path);
  assert.ok(def, `${path} is in the contract`);
  const md = new grpc.Metadata();
  if (o.forwardedFor !== undefined) md.set(FORWARDED_FOR, o.forwardedFor);
  return new Promise(resolve =>
    client.makeUnaryRequest(
      path,
      def.requestSerialize,
      def.responseDeserialize,
      req,
      md,
      { deadline: Date.now() + (o.deadlineMs ?? 10_000) },
      (err, res) =>
        resolve(
          err === null
            ? { code: grpc.status.OK, details: '', res: res as Record<string, unknown> }
            : { code: err.code, details: err.details, res: {} },
        ),
    ),
  );
}

/** Calls and expects OK; returns the reply. */
async function ok(client: grpc.Client, path: string, req: object): Promise<Record<string, unknown>> {
  const o = await call(client, path, req);
  assert.equal(o.code, grpc.status.OK, `${path}: ${grpc.status[o.code]} ${o.details}`);
  return o.res;
}

/** Runs `fn` and returns the handlers that ran meanwhile. */
async function ranDuring(fn: () => Promise<unknown>): Promise<Ran[]> {
  ran.length = 0;
  await fn();
  return ran.splice(0);
}

/** Asserts that exactly one `what` ran, on a manager that led at the time, and not on `follower`. */
function assertServedByLeader(r: Ran[], what: Ran['what'], follower: Name, leader: Name): void {
  assert.deepEqual(
    r.filter(x => x.what === what),
    [{ on: leader, what, leader: true }],
    `one ${what}, on the leader ${leader} (the call was made on ${follower})`,
  );
}

/** Waits until one manager leads and the others follow it; returns the leader and the followers. */
async function roles(among: readonly Name[] = names): Promise<{ leader: Name; followers: Name[] }> {
  let leader: Name | undefined;
  await until('one leader that the other managers follow', () => {
    const lead = among.find(n => managerOf(n).raft.isLeader);
    const id = lead === undefined ? 0 : managerOf(lead).identity.raftId;
    leader = lead;
    return Promise.resolve(lead !== undefined && among.every(n => managerOf(n).raft.leader === id));
  });
  assert.ok(leader);
  const l = leader;
  return { leader: l, followers: among.filter(n => n !== l) };
}

function managerStatuses(res: Record<string, unknown>): Record<string, string> {
  const nodes = res.nodes as { hostname: string; managerStatus: string }[];
  return Object.fromEntries(nodes.map(n => [n.hostname, n.managerStatus]));
}

before(async () => {
  await startDaemon('m1');
  const port1 = await freePort();
  addrs.set('m1', `127.0.0.1:${port1}`);
  const init = await h.client('m1', 'Swarm')('Init', { listenAddr: `127.0.0.1:${port1}`, advertiseAddr: '' });
  const cluster = managerOf('m1').store.view(tx => findClusters(tx))[0];
  assert.ok(cluster);
  caPem = cluster.rootCa.certPem;
  clusterId = cluster.id;
  // The CA key lives only in the replicated cluster object, sealed under the KEK in the managers'
  // folders; a test may reach into both for it.
  clusterCa = rootCaOf(join(h.root, 'm1'), cluster);
  managerId = mint('swarm-manager');
  workerId = mint('swarm-worker');

  await startDaemon('m2');
  const port2 = await freePort();
  addrs.set('m2', `127.0.0.1:${port2}`);
  await h.client('m2', 'Swarm')('Join', {
    token: init.managerToken,
    remoteAddr: addrs.get('m1'),
    listenAddr: `127.0.0.1:${port2}`,
    advertiseAddr: '',
  });
  await roles(['m1', 'm2']);
  // A member that just joined answers GetRootCACertificate (the joiner's first call) once its store
  // holds the cluster object.
  await until('m2 to hold the cluster object', () =>
    Promise.resolve(managerOf('m2').store.view(tx => findClusters(tx)).length === 1),
  );
  // Only the calls under test write here: the task pipeline (which gives joining nodes their ingress
  // address) is stopped.
  for (const n of ['m1', 'm2'] as const) {
    stopTaskPipeline(daemons.get(n) as Daemon);
    watch(n);
  }

  // The third manager joins through a follower: the join (a leader-only call) is served by the leader.
  const { leader, followers } = await roles(['m1', 'm2']);
  const [via] = followers;
  assert.ok(via);
  await startDaemon('m3');
  const port3 = await freePort();
  addrs.set('m3', `127.0.0.1:${port3}`);
  const r = await ranDuring(() =>
    h.client('m3', 'Swarm')('Join', {
      token: init.managerToken,
      remoteAddr: addrs.get(via),
      listenAddr: `127.0.0.1:${port3}`,
      advertiseAddr: '',
    }),
  );
  // Every store write while it joined ran on the leader. There may be more than the certificate's: the
  // joiner's agent may open its session (the dispatcher writes its node READY) before Join returns.
  const writes = r.filter(x => x.what === 'store write');
  assert.ok(writes.length > 0, 'the join wrote');
  assert.deepEqual(
    writes.filter(x => x.on !== leader || !x.leader),
    [],
    `every store write on the leader ${leader} (the join was made on ${via})`,
  );
  stopTaskPipeline(daemons.get('m3') as Daemon);
  watch('m3');
  await roles();
});

test('the leader-only methods are in the method table, and all are unary or server-streaming', () => {
  assert.ok(LEADER_ONLY.size > 0);
  for (const path of LEADER_ONLY) {
    assert.ok(METHOD_ROLES[path] !== undefined, `${path} is in METHOD_ROLES`);
    const def = METHODS.get(path);
    assert.ok(def !== undefined && !def.requestStream, `${path} is unary or server-streaming`);
  }
});

test('callerOf: the forwarded caller only when a manager of the same cluster forwarded the call', () => {
  const fake = (peer: Caller | undefined, forwarded?: string) => {
    const metadata = new grpc.Metadata();
    if (forwarded !== undefined) metadata.set(FORWARDED_FOR, forwarded);
    const subject = peer === undefined ? undefined : { CN: peer.nodeId, OU: peer.role, O: peer.clusterId };
    return {
      getAuthContext: () => (subject === undefined ? {} : { sslPeerCertificate: { subject } }),
      metadata,
    };
  };
  const manager: Caller = { nodeId: 'm', role: 'swarm-manager', clusterId: 'c' };
  const worker: Caller = { nodeId: 'w', role: 'swarm-worker', clusterId: 'c' };
  assert.deepEqual(callerOf(fake(worker)), worker);
  assert.deepEqual(callerOf(fake(manager, forwardedFor(worker))), worker);
  assert.equal(callerOf(fake(manager, forwardedFor(undefined))), undefined);
  assert.equal(callerOf(fake(worker, forwardedFor(manager))), undefined);
  assert.equal(callerOf(fake(undefined, forwardedFor(manager))), undefined);
  assert.equal(callerOf(fake({ ...manager, clusterId: 'other' }, forwardedFor(worker))), undefined);
  assert.equal(callerOf(fake(manager, 'no;such;role')), undefined);
  // A call on the daemon's local socket is its manager's, whatever metadata it carries.
  const local = fake(undefined, forwardedFor(worker));
  actAs(local, manager);
  assert.deepEqual(callerOf(local), manager);
});

test('ListNodes, GetNode, UpdateNode and RemoveNode made on a follower run on the leader', async () => {
  const { leader, followers } = await roles();
  const [follower] = followers;
  assert.ok(follower);
  const viaPort = portClient(follower, managerId);
  const viaSocket = await localClient(follower);
  const atLeader = portClient(leader, managerId);

  for (const client of [viaPort, viaSocket]) {
    let list: Record<string, unknown> = {};
    assertServedByLeader(
      await ranDuring(async () => (list = await ok(client, LIST, {}))),
      'read barrier',
      follower,
      leader,
    );
    // The statuses are the leader's own view of its members.
    assert.deepEqual(managerStatuses(list), managerStatuses(await ok(atLeader, LIST, {})));
    assert.equal(managerStatuses(list)[leader], 'leader');
  }
  let got: Record<string, unknown> = {};
  const followerNodeId = managerOf(follower).identity.nodeId;
  assertServedByLeader(
    await ranDuring(async () => (got = await ok(viaSocket, GET, { nodeId: followerNodeId }))),
    'read barrier',
    follower,
    leader,
  );
  assert.equal((got.node as { managerStatus: string }).managerStatus, 'reachable');

  // A worker joins through the follower (no certificate yet: forwarded as anonymous).
  const cluster = (await ok(atLeader, GET_CLUSTER, {})).cluster as { workerToken: string };
  let issued: Record<string, unknown> = {};
  assertServedByLeader(
    await ranDuring(async () => {
      issued = await ok(portClient(follower), ISSUE, {
        csr: createCsr(createNodeKey().keyPem),
        token: cluster.workerToken,
        hostname: 'w1',
        addr: '',
      });
    }),
    'store write',
    follower,
    leader,
  );
  assert.equal(issued.role, 'swarm-worker');
  const nodeId = String(issued.nodeId);

  let updated: Record<string, unknown> = {};
  assertServedByLeader(
    await ranDuring(async () => {
      updated = await ok(viaPort, UPDATE, { nodeId, availability: 'drain', labelAdd: { zone: 'a' } });
    }),
    'store write',
    follower,
    leader,
  );
  assert.equal((updated.node as { availability: string }).availability, 'drain');
  assertServedByLeader(
    await ranDuring(() => ok(viaSocket, UPDATE, { nodeId, labelRm: ['zone'] })),
    'store write',
    follower,
    leader,
  );

  assertServedByLeader(
    await ranDuring(() => ok(viaPort, REMOVE, { nodeId, force: true })),
    'store write',
    follower,
    leader,
  );
  const gone = await call(viaPort, GET, { nodeId });
  assert.equal(gone.code, grpc.status.NOT_FOUND, gone.details);
});

test('forwarded-for metadata is refused from a worker, from a client without a certificate, from elsewhere', async () => {
  const { leader, followers } = await roles();
  const [follower] = followers;
  assert.ok(follower);
  const asManager = forwardedFor(managerId.caller);
  const refused = async (client: grpc.Client, path: string, forwarded: string, details: RegExp) => {
    const o = await call(client, path, path === ISSUE ? { token: '', csr: '' } : {}, {
      forwardedFor: forwarded,
    });
    assert.equal(o.code, grpc.status.PERMISSION_DENIED, `${path}: ${grpc.status[o.code]} ${o.details}`);
    assert.match(o.details, details);
  };
  const r = await ranDuring(async () => {
    for (const name of [leader, follower]) {
      const worker = portClient(name, workerId);
      const anonymous = portClient(name);
      for (const path of [LIST, ISSUE]) {
        await refused(worker, path, asManager, /unauthorized forwarder role: rpc error: swarm-worker/);
        await refused(anonymous, path, asManager, /only a manager may forward a call/);
        await refused(anonymous, path, forwardedFor(undefined), /only a manager may forward a call/);
      }
    }
    const otherCluster = portClient(leader, mint('swarm-manager', { clusterId: 'other' }));
    await refused(otherCluster, LIST, asManager, /certificate is for cluster other, not this one/);
    const manager = portClient(leader, managerId);
    await refused(manager, LIST, 'not;an;identity', /malformed shoal-forwarded-for metadata/);
    // Only leader-only calls are forwarded: on any other method the metadata is refused too.
    await refused(manager, GET_CLUSTER, asManager, /is not a forwarded method/);
  });
  assert.deepEqual(r, [], 'no handler ran');
});

test('the leader checks the forwarded caller against the method table again', async () => {
  const { leader } = await roles();
  const manager = portClient(leader, managerId);
  const asWorker = await call(manager, LIST, {}, { forwardedFor: forwardedFor(workerId.caller) });
  assert.equal(asWorker.code, grpc.status.PERMISSION_DENIED);
  assert.equal(asWorker.details, 'Permission denied: unauthorized forwarded role: rpc error: swarm-worker');
  const anonymous = await call(manager, LIST, {}, { forwardedFor: forwardedFor(undefined) });
  assert.equal(anonymous.code, grpc.status.UNAUTHENTICATED);
  const asManager = await call(
    manager,
    LIST,
    {},
    { forwardedFor: forwardedFor(mint('swarm-manager').caller) },
  );
  assert.equal(asManager.code, grpc.status.OK, asManager.details);
});

test('a forwarded call that reaches a follower is answered UNAVAILABLE, naming the leader, not forwarded again', async () => {
  const { leader, followers } = await roles();
  const [follower] = followers;
  assert.ok(follower);
  const manager = portClient(follower, managerId);
  let o: Outcome | undefined;
  const r = await ranDuring(async () => {
    o = await call(manager, LIST, {}, { forwardedFor: forwardedFor(managerId.caller) });
  });
  // The one "not the leader" text, as the dispatcher and the log broker give it.
  assert.deepEqual(
    [o?.code, o?.details],
    [grpc.status.UNAVAILABLE, `this manager is not the leader; the leader is at ${addrs.get(leader)}`],
  );
  assert.deepEqual(r, [], 'no manager ran the call');
});

// Last: it stops two of the three managers.
test('without a quorum, leader-only calls, writes and reads on the surviving follower fail with the no-leader text in time', async () => {
  const { leader, followers } = await roles();
  const [survivor, other] = followers;
  assert.ok(survivor !== undefined && other !== undefined);
  const viaPort = portClient(survivor, managerId);
  const viaSocket = await localClient(survivor);
  for (const name of [leader, other]) {
    const d = daemons.get(name);
    assert.ok(d);
    await d.stop();
    h.daemons.splice(h.daemons.indexOf(d), 1);
  }
  const raft = managerOf(survivor).raft;
  await until('the survivor to know no leader', () => Promise.resolve(raft.leader === 0 && !raft.isLeader));
  const deadlineMs = 3000;
  for (const [client, path, req] of [
    [viaPort, LIST, {}],
    [viaSocket, LIST, {}],
    [viaSocket, UPDATE, { nodeId: managerOf(survivor).identity.nodeId, availability: 'active' }],
    [viaPort, REMOVE, { nodeId: 'x', force: true }],
    // Plain writes and linearizable reads too (they waited out their whole 10 s before).
    [viaSocket, CREATE_CONFIG, { name: 'stuck', data: Buffer.from('x'), labels: {} }],
    [viaSocket, LIST_CONFIGS, {}],
  ] as const) {
    const start = Date.now();
    const o = await call(client, path, req, { deadlineMs });
    const took = Date.now() - start;
    assert.deepEqual([o.code, o.details], [grpc.status.UNAVAILABLE, NO_LEADER], path);
    assert.ok(took < deadlineMs, `${path} answered in ${took} ms, within its ${deadlineMs} ms deadline`);
  }
});
