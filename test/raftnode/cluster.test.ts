/**
 * Three Raft managers in one process, talking real gRPC on loopback: election, replication through
 * any member, a linearizable read barrier, the leader stopped and a new one elected, the stopped
 * member restarted from what it persisted, catching up, and a new member joining empty, both of them
 * by a snapshot streamed in many chunks.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { MessageType, type NodeId } from '../../server/raft/index.ts';
import { LevelStorage } from '../../server/raftnode/level-storage.ts';
import { RaftNode, type StateMachine } from '../../server/raftnode/raft-node.ts';
import { RAFT_MAX_MESSAGE_BYTES, RaftTransport } from '../../server/raftnode/transport.ts';

const log = pino({ level: 'silent' });
/** Small chunks, so a snapshot of this test's data takes many of them. */
const CHUNK = 16 * 1024;
/** Values large enough that the store's snapshot spans several chunks. */
const VALUE_PAD = 'x'.repeat(1024);
const root = mkdtempSync(join(tmpdir(), 'shoal-raftnode-'));

class Kv implements StateMachine {
  readonly data = new Map<string, string>();
  apply(payload: Uint8Array): unknown {
    const { k, v } = JSON.parse(Buffer.from(payload).toString()) as { k: string; v: string };
    this.data.set(k, v);
    return v;
  }
  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify([...this.data]));
  }
  /** For each snapshot taken: whether the event loop ran between its first piece and its last. */
  readonly loopRanDuringSnapshots: boolean[] = [];
  *snapshotPieces(): Generator<Uint8Array> {
    const whole = this.snapshot();
    let ran = false;
    setImmediate(() => (ran = true));
    const n = 4;
    for (let i = 0; i < n; i++) {
      yield whole.subarray(Math.floor((i * whole.length) / n), Math.floor(((i + 1) * whole.length) / n));
    }
    this.loopRanDuringSnapshots.push(ran);
  }
  restore(data: Uint8Array): void {
    this.data.clear();
    for (const [k, v] of JSON.parse(Buffer.from(data).toString()) as [string, string][]) this.data.set(k, v);
  }
}

interface Member {
  id: NodeId;
  addr: string;
  disk: LevelStorage;
  kv: Kv;
  server: grpc.Server;
  transport: RaftTransport;
  node: RaftNode;
  /** Data sizes of the snapshots this member received. */
  snapshots: number[];
}

const running: Member[] = [];
after(async () => {
  for (const m of [...running]) await stopMember(m);
  rmSync(root, { recursive: true, force: true });
});

async function listen(server: grpc.Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err === null ? resolve(p) : reject(err),
    ),
  );
}

function raftServer(): grpc.Server {
  return new grpc.Server({ 'grpc.max_receive_message_length': RAFT_MAX_MESSAGE_BYTES });
}

async function startMember(
  id: NodeId,
  port: number,
  disk: LevelStorage,
  start: { bootstrap: Map<NodeId, string> } | { peers: Map<NodeId, string> } | undefined,
  server = raftServer(),
): Promise<Member> {
  const kv = new Kv();
  // The transport exists before the node it feeds.
  const ref: { node?: RaftNode } = {};
  const snapshots: number[] = [];
  const transport = new RaftTransport(
    {
      id,
      credentials: { client: grpc.credentials.createInsecure() },
      // Insecure loopback: no certificates to tell senders apart, so this test allows every sender.
      senderAllowed: () => true,
      snapshotChunkBytes: CHUNK,
    },
    {
      onMessage: m => {
        if (m.type === MessageType.Snap) snapshots.push(m.snapshot?.data.byteLength ?? 0);
        ref.node?.step(m);
      },
      onUnreachable: p => ref.node?.reportUnreachable(p),
      onSnapshotStatus: (p, ok) => ref.node?.reportSnapshot(p, ok),
      onDropped: ms => ref.node?.dropped(ms),
      onPeerLost: p => ref.node?.peerLost(p),
    },
    log,
  );
  transport.register(server);
  const bound = port === 0 ? await listen(server) : await listen(server, port);
  const addr = `127.0.0.1:${bound}`;
  const node = new RaftNode({
    id,
    addr,
    storage: disk,
    transport,
    stateMachine: kv,
    log,
    tickMs: 20,
    snapshotEvery: 50,
    ...start,
  });
  ref.node = node;
  const m: Member = { id, addr, disk, kv, server, transport, node, snapshots };
  running.push(m);
  return m;
}

async function stopMember(m: Member): Promise<void> {
  m.node.stop();
  m.transport.close();
  m.server.forceShutdown();
  running.splice(running.indexOf(m), 1);
  await m.disk.close();
}

/** Polls a condition the cluster must reach; fails with `what` if it does not within the deadline. */
async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise(r => setTimeout(r, 10));
  }
}

function leaderOf(members: Member[]): Member | undefined {
  return members.find(m => m.node.isLeader);
}

function put(m: Member, k: string, v: string): Promise<unknown> {
  return m.node.propose(Buffer.from(JSON.stringify({ k, v: `${v}${VALUE_PAD}` })));
}

function get(m: Member, k: string): string | undefined {
  return m.kv.data.get(k)?.slice(0, -VALUE_PAD.length);
}

test('three managers elect, replicate, survive the leader stopping; a restarted and a new member catch up by snapshot', async () => {
  // Bind first so every founder knows every address before bootstrapping.
  const servers = [raftServer(), raftServer(), raftServer()];
  const ports = await Promise.all(servers.map(s => listen(s)));
  const bootstrap = new Map<NodeId, string>(ports.map((p, i) => [i + 1, `127.0.0.1:${p}`]));
  for (const s of servers) s.forceShutdown();
  const dirs = [1, 2, 3].map(id => join(root, `m${id}`));
  let members = await Promise.all(
    [1, 2, 3].map(async (id, i) =>
      startMember(id, ports[i] ?? 0, await LevelStorage.open(dirs[i] ?? ''), { bootstrap }),
    ),
  );
  for (const m of members) m.node.start();

  await until('a leader', () => leaderOf(members) !== undefined);
  const first = leaderOf(members);
  assert.ok(first !== undefined);
  const follower = members.find(m => m !== first);
  assert.ok(follower !== undefined);

  // Writes through the leader and through a follower (forwarded) are applied everywhere, in order.
  for (let i = 0; i < 20; i++)
    assert.equal(await put(i % 2 === 0 ? first : follower, `k${i}`, `v${i}`), `v${i}${VALUE_PAD}`);
  await follower.node.readBarrier();
  assert.equal(get(follower, 'k19'), 'v19');

  // A write fenced to a term goes in only through that term's leader: never forwarded, never later.
  const fenced = (m: Member, k: string, term: number): Promise<unknown> =>
    m.node.propose(Buffer.from(JSON.stringify({ k, v: 'fenced' })), { term });
  assert.equal(await fenced(first, 'f1', first.node.term), 'fenced');
  await assert.rejects(fenced(follower, 'f2', first.node.term), /leadership changed/);
  await assert.rejects(fenced(first, 'f3', first.node.term - 1), /leadership changed/);
  await first.node.readBarrier();
  assert.equal(get(first, 'f2'), undefined);
  assert.equal(get(first, 'f3'), undefined);

  // The leader goes away: the others elect a new one and keep accepting writes.
  await stopMember(first);
  members = members.filter(m => m !== first);
  await until('a new leader', () => leaderOf(members) !== undefined);
  const second = leaderOf(members);
  assert.ok(second !== undefined && second.id !== first.id);
  for (let i = 20; i < 120; i++) await put(second, `k${i}`, `v${i}`);

  // The old leader restarts from its disk alone; it catches up (by snapshot: the log was compacted).
  const back = await startMember(
    first.id,
    Number(first.addr.split(':')[1]),
    await LevelStorage.open(first.disk.dir),
    undefined,
  );
  back.node.start();
  await until('the restarted member to catch up', () => get(back, 'k119') === 'v119');
  assert.equal(back.kv.data.size, 121); // k0..k119 and f1
  await back.node.readBarrier();
  assert.equal(back.node.voters().length, 3);
  assert.ok(
    back.snapshots.some(n => n > 4 * CHUNK),
    `a snapshot of several chunks reached the restarted member (got ${back.snapshots.join(', ')})`,
  );

  // A new member joins with an empty disk: the leader streams it the snapshot and it catches up.
  members = [...members, back];
  const leader = leaderOf(members);
  assert.ok(leader !== undefined);
  const fresh = await startMember(4, 0, await LevelStorage.open(join(root, 'm4')), {
    peers: new Map(members.map(m => [m.id, m.addr])),
  });
  fresh.node.start();
  await leader.node.addMember(fresh.id, fresh.addr);
  await put(leader, 'k120', 'v120');
  await until('the new member to catch up', () => get(fresh, 'k120') === 'v120');
  assert.equal(fresh.kv.data.size, 122); // k0..k120 and f1
  assert.ok(
    fresh.snapshots.some(n => n > 4 * CHUNK),
    `a snapshot of several chunks reached the new member (got ${fresh.snapshots.join(', ')})`,
  );
  await fresh.node.readBarrier();
  assert.equal(fresh.node.voters().length, 4);

  // Snapshots were taken in pieces (whose bytes the members above restored), with the event loop running
  // between them: a manager answers heartbeats while it snapshots a large store.
  const taken = [first, ...members, fresh].flatMap(m => m.kv.loopRanDuringSnapshots);
  assert.ok(taken.length > 0, 'no snapshot was taken');
  assert.ok(taken.every(Boolean), `the loop ran during ${taken.filter(Boolean).length} of ${taken.length}`);
});
