/**
 * The Raft transport on loopback gRPC: snapshots in chunks (and the receiver's strictness about them),
 * the sender check against the caller's certificate, batches split under the message limit, and the
 * events the Raft driver hears (dropped messages, a lost peer).
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { pino, type Logger } from 'pino';
import {
  createCsr,
  createNodeKey,
  createRootCa,
  randomClusterId,
  randomNodeId,
  signNodeCertificate,
  type RootCa,
} from '../../certs/index.ts';
import { managerServerCredentials, nodeClientCredentials } from '../../server/ca/certificate-provider.ts';
import { EntryType, MessageType, type Message, type NodeId } from '../../server/raft/index.ts';
import { storeSenderCheck } from '../../server/raftnode/sender-check.ts';
import { SnapshotAssembler, snapshotChunks } from '../../server/raftnode/snapshot-stream.ts';
import {
  RAFT_MAX_MESSAGE_BYTES,
  raftService,
  RaftTransport,
  type TransportEvents,
  type TransportOptions,
} from '../../server/raftnode/transport.ts';
import { toWire, type WireSnapshotChunk } from '../../server/raftnode/wire.ts';
import { createNode } from '../../server/store/index.ts';
import { singleStore } from '../store/fake-proposers.ts';
import { newNode } from '../store/fixtures.ts';

const silent = pino({ level: 'silent' });
const CHUNK = 16 * 1024;

const closers: (() => void)[] = [];
after(() => {
  for (const close of closers.splice(0).reverse()) close();
});

/** Polls `cond` until it holds; fails naming `what` past the deadline. */
async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for: ${what}`);
    await new Promise(r => setTimeout(r, 10));
  }
}

function msg(o: Partial<Message> = {}): Message {
  return {
    type: MessageType.Heartbeat,
    to: 2,
    from: 1,
    term: 1,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    ...o,
  };
}

function snap(data: Uint8Array, o: Partial<Message> = {}): Message {
  return msg({
    type: MessageType.Snap,
    snapshot: { metadata: { index: 10, term: 1, confState: { voters: [1, 2] } }, data },
    ...o,
  });
}

/** What a transport's events saw. */
class Recorder implements TransportEvents {
  readonly messages: Message[] = [];
  readonly unreachable: NodeId[] = [];
  readonly snapshotStatus: [NodeId, boolean][] = [];
  readonly dropped: Message[][] = [];
  readonly lost: NodeId[] = [];
  onMessage(m: Message): void {
    this.messages.push(m);
  }
  onUnreachable(peer: NodeId): void {
    this.unreachable.push(peer);
  }
  onSnapshotStatus(peer: NodeId, ok: boolean): void {
    this.snapshotStatus.push([peer, ok]);
  }
  onDropped(messages: Message[]): void {
    this.dropped.push(messages);
  }
  onPeerLost(peer: NodeId): void {
    this.lost.push(peer);
  }
}

const allowAll = (): boolean => true;

interface Endpoint {
  transport: RaftTransport;
  events: Recorder;
  server: grpc.Server;
  addr: string;
}

async function listen(
  server: grpc.Server,
  creds = grpc.ServerCredentials.createInsecure(),
  port = 0,
): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, creds, (err, p) => (err === null ? resolve(p) : reject(err))),
  );
}

function raftServer(): grpc.Server {
  return new grpc.Server({ 'grpc.max_receive_message_length': RAFT_MAX_MESSAGE_BYTES });
}

/** A transport serving the Raft service on its own loopback port. */
async function endpoint(
  o: Partial<TransportOptions> & { serverCreds?: grpc.ServerCredentials; log?: Logger } = {},
): Promise<Endpoint> {
  const events = new Recorder();
  const { serverCreds, log, ...rest } = o;
  const transport = new RaftTransport(
    {
      id: 2,
      credentials: { client: grpc.credentials.createInsecure() },
      // Insecure loopback unless a test says otherwise: no certificates, so every sender is allowed.
      senderAllowed: allowAll,
      snapshotChunkBytes: CHUNK,
      ...rest,
    },
    events,
    log ?? silent,
  );
  const server = raftServer();
  transport.register(server);
  const port = await listen(server, serverCreds);
  closers.push(() => {
    transport.close();
    server.forceShutdown();
  });
  return { transport, events, server, addr: `127.0.0.1:${port}` };
}

/** A Snapshot call written by hand, chunk by chunk; resolves with its final status. */
function rawSnapshotCall(addr: string, chunks: WireSnapshotChunk[]): Promise<grpc.StatusObject> {
  const client = new grpc.Client(addr, grpc.credentials.createInsecure());
  closers.push(() => client.close());
  const serialize = (c: WireSnapshotChunk): Buffer => {
    const fn = raftService.Snapshot?.requestSerialize;
    assert.ok(fn !== undefined);
    return fn(c);
  };
  return new Promise(resolve => {
    const call = client.makeClientStreamRequest<WireSnapshotChunk, Buffer>(
      '/shoal.v1.Raft/Snapshot',
      serialize,
      b => b,
      () => undefined,
    );
    call.on('status', resolve);
    call.on('error', () => undefined);
    for (const c of chunks) call.write(c);
    call.end();
  });
}

const header = (m: Message, dataLength: number): WireSnapshotChunk => ({
  header: {
    message: toWire({ ...m, snapshot: { ...(m.snapshot ?? assert.fail()), data: new Uint8Array(0) } }),
    dataLength,
  },
});
const piece = (offset: number, data: Uint8Array): WireSnapshotChunk => ({ data: { offset, data } });

test('snapshotChunks: a header, then the data in order in pieces of at most the chunk size', () => {
  const data = randomBytes(5 * CHUNK + 100);
  const chunks = [...snapshotChunks(snap(data), CHUNK)];
  assert.equal(chunks.length, 1 + 6);
  const [first, ...rest] = chunks;
  assert.equal(first?.header?.dataLength, data.byteLength);
  assert.equal(first.header.message?.snapshot?.data.byteLength, 0);
  let offset = 0;
  for (const c of rest) {
    assert.equal(c.data?.offset, offset);
    assert.ok(c.data.data.byteLength <= CHUNK);
    offset += c.data.data.byteLength;
  }
  assert.equal(offset, data.byteLength);
  // And the assembler puts them back together.
  const a = new SnapshotAssembler(1024 * 1024);
  for (const c of chunks) a.push(c);
  assert.deepEqual(Buffer.from(a.finish().snapshot?.data ?? []), data);
});

test('a MsgSnap travels in chunks on its own call and arrives whole; the sender reports success', async () => {
  const b = await endpoint();
  const a = await endpoint({ id: 1 });
  a.transport.setPeer(2, b.addr);
  const data = randomBytes(8 * CHUNK + 123);
  const m = snap(data, { term: 3 });
  a.transport.send([msg({ commit: 1 }), m, msg({ commit: 2 })]);
  await until('the snapshot status', () => a.events.snapshotStatus.length === 1);
  assert.deepEqual(a.events.snapshotStatus, [[2, true]]);
  const got = b.events.messages.find(x => x.type === MessageType.Snap);
  assert.ok(got !== undefined, 'the snapshot was stepped before the call was acknowledged');
  assert.deepEqual({ ...got, snapshot: undefined }, { ...m, snapshot: undefined });
  assert.deepEqual(got.snapshot?.metadata, m.snapshot?.metadata);
  assert.deepEqual(Buffer.from(got.snapshot?.data ?? []), data);
  await until('the batched messages', () => b.events.messages.length === 3);
  assert.deepEqual(
    b.events.messages.filter(x => x.type === MessageType.Heartbeat).map(x => x.commit),
    [1, 2],
  );
});

test('malformed snapshot streams end with INVALID_ARGUMENT, nothing is stepped, and the receiver keeps working', async () => {
  const cap = 4 * CHUNK;
  const b = await endpoint({ maxSnapshotBytes: cap });
  const m = snap(new Uint8Array(0));
  const bytes = (n: number): Uint8Array => randomBytes(n);
  const cases: [string, WireSnapshotChunk[], RegExp][] = [
    ['no chunk at all', [], /ended before its header/],
    ['data before the header', [piece(0, bytes(10)), header(m, 10)], /data before the header/],
    ['two headers', [header(m, 10), header(m, 10)], /a second header/],
    [
      'more data than announced',
      [header(m, 10), piece(0, bytes(8)), piece(8, bytes(8))],
      /more data than the 10 bytes/,
    ],
    ['fewer bytes than announced', [header(m, 100), piece(0, bytes(50))], /ended after 50 of 100 bytes/],
    [
      'a header beyond the cap',
      [header(m, cap + 1)],
      new RegExp(`${cap + 1} bytes announced, more than the cap`),
    ],
    [
      'a gap in the offsets',
      [header(m, 20), piece(0, bytes(10)), piece(12, bytes(8))],
      /offset 12, expected 10/,
    ],
    ['an empty data chunk', [header(m, 20), piece(0, bytes(0))], /an empty data chunk/],
    [
      'a header that is no MsgSnap',
      [{ header: { message: toWire(msg()), dataLength: 0 } }],
      /must carry a MsgSnap/,
    ],
    [
      'a header carrying data',
      [{ header: { message: toWire(snap(bytes(3))), dataLength: 3 } }],
      /must not carry snapshot data/,
    ],
    ['a chunk with neither', [{} as WireSnapshotChunk], /either a header or data/],
  ];
  for (const [name, chunks, details] of cases) {
    const s = await rawSnapshotCall(b.addr, chunks);
    assert.equal(s.code, grpc.status.INVALID_ARGUMENT, `${name}: ${grpc.status[s.code]} ${s.details}`);
    assert.match(s.details, details, name);
  }
  assert.equal(b.events.messages.length, 0, 'nothing from a malformed stream was stepped');

  // The same receiver still takes a good snapshot, by hand and from a transport, and batches.
  const data = bytes(cap);
  const ok = await rawSnapshotCall(b.addr, [
    header(m, cap),
    piece(0, data.subarray(0, 100)),
    piece(100, data.subarray(100)),
  ]);
  assert.equal(ok.code, grpc.status.OK, ok.details);
  assert.deepEqual(Buffer.from(b.events.messages[0]?.snapshot?.data ?? []), data);
  const a = await endpoint({ id: 1 });
  a.transport.setPeer(2, b.addr);
  a.transport.send([snap(data), msg({ commit: 9 })]);
  // The receiver steps the snapshot before it acknowledges the call: the sender hears of it after.
  await until(
    'a good snapshot and a batch, and the sender told',
    () => b.events.messages.length === 3 && a.events.snapshotStatus.length === 1,
  );
  assert.deepEqual(a.events.snapshotStatus, [[2, true]]);

  // A snapshot over the receiver's cap fails, and the sender hears so.
  const c = await endpoint({ id: 1, maxSnapshotBytes: 2 * cap });
  c.transport.setPeer(2, b.addr);
  c.transport.send([snap(bytes(cap + 1))]);
  await until('the refused snapshot reported', () => c.events.snapshotStatus.length === 1);
  assert.deepEqual(c.events.snapshotStatus, [[2, false]]);
});

test('a receiver holds at most two arriving snapshots; a cancelled one frees its place', async () => {
  const b = await endpoint();
  const m = snap(new Uint8Array(0));
  const client = new grpc.Client(b.addr, grpc.credentials.createInsecure());
  closers.push(() => client.close());
  const serialize = (c: WireSnapshotChunk): Buffer =>
    raftService.Snapshot?.requestSerialize(c) ?? assert.fail();
  // Two calls announce 100 bytes, send some, and stay open.
  const open = [0, 1].map(() => {
    const call = client.makeClientStreamRequest<WireSnapshotChunk, Buffer>(
      '/shoal.v1.Raft/Snapshot',
      serialize,
      buf => buf,
      () => undefined,
    );
    call.on('error', () => undefined);
    call.write(header(m, 100));
    call.write(piece(0, randomBytes(10)));
    return call;
  });
  // A third is refused once both are in (until then it fails only for being short).
  const third = async (): Promise<grpc.StatusObject> => rawSnapshotCall(b.addr, [header(m, 100)]);
  let s = await third();
  const deadline = Date.now() + 5000;
  while (s.code !== grpc.status.RESOURCE_EXHAUSTED && Date.now() < deadline) {
    assert.equal(s.code, grpc.status.INVALID_ARGUMENT, s.details);
    s = await third();
  }
  assert.equal(s.code, grpc.status.RESOURCE_EXHAUSTED, s.details);
  assert.match(s.details, /2 snapshots are already arriving/);

  for (const call of open) call.cancel();
  const data = randomBytes(100);
  let ok = await rawSnapshotCall(b.addr, [header(m, 100), piece(0, data)]);
  while (ok.code !== grpc.status.OK && Date.now() < deadline) {
    assert.equal(ok.code, grpc.status.RESOURCE_EXHAUSTED, ok.details);
    ok = await rawSnapshotCall(b.addr, [header(m, 100), piece(0, data)]);
  }
  assert.equal(ok.code, grpc.status.OK, ok.details);
  assert.equal(b.events.messages.length, 1);
});

/** A cluster CA and a manager identity under it. */
function managerCert(ca: RootCa, clusterId: string): { nodeId: string; certPem: string; keyPem: string } {
  const { keyPem } = createNodeKey();
  const nodeId = randomNodeId();
  const certPem = signNodeCertificate({
    csrPem: createCsr(keyPem),
    ca,
    nodeId,
    role: 'swarm-manager',
    clusterId,
  });
  return { nodeId, certPem, keyPem };
}

test('messages are stepped only when addressed here and sent as a Raft ID the caller certificate owns', async () => {
  const ca = createRootCa();
  const clusterId = randomClusterId();
  const server = managerCert(ca, clusterId);
  const client = managerCert(ca, clusterId);
  const asked: [string | undefined, NodeId][] = [];
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (s: string) => void lines.push(s) });
  // The caller's certificate names its node; only Raft ID 1 belongs to it.
  const b = await endpoint({
    senderAllowed: (nodeId, from) => {
      asked.push([nodeId, from]);
      return nodeId === client.nodeId && from === 1;
    },
    serverCreds: managerServerCredentials(ca.certPem, server.certPem, server.keyPem),
    log,
  });
  const a = await endpoint({
    id: 1,
    credentials: {
      client: nodeClientCredentials(ca.certPem, client.certPem, client.keyPem),
      serverName: 'swarm-manager',
    },
  });
  a.transport.setPeer(2, b.addr);
  a.transport.setPeer(5, b.addr); // the same server under another member's ID: a misaddressed message

  // Forged and misaddressed messages go first on the same stream, then a good one: once that is in,
  // the others were processed (a stream is ordered) and must not have been stepped.
  a.transport.send([msg({ from: 3, commit: 1 })]);
  a.transport.send([msg({ from: 3, commit: 2 }), msg({ from: 4, commit: 3 })]);
  a.transport.send([msg({ from: 1, commit: 4 })]);
  await until('the good message', () => b.events.messages.length > 0);
  assert.deepEqual(
    b.events.messages.map(m => [m.from, m.commit]),
    [[1, 4]],
  );
  assert.ok(
    asked.every(([nodeId]) => nodeId === client.nodeId),
    'the predicate saw the certificate CN',
  );
  assert.equal(
    lines.filter(l => l.includes('dropping refused raft messages')).length,
    1,
    'one warning per stream',
  );

  a.transport.send([msg({ to: 5, commit: 5 }), msg({ to: 5, commit: 6 })]);
  a.transport.send([msg({ commit: 7 })]);
  await until('the next good message', () => b.events.messages.length > 1);
  assert.deepEqual(
    b.events.messages.map(m => m.commit),
    [4, 7],
  );

  // A forged snapshot is refused outright; a genuine one goes through.
  a.transport.send([snap(randomBytes(3 * CHUNK), { from: 3 })]);
  await until('the forged snapshot refused', () => a.events.snapshotStatus.length === 1);
  assert.deepEqual(a.events.snapshotStatus, [[2, false]]);
  assert.ok(
    lines.some(l => l.includes('PERMISSION_DENIED') && l.includes('may not send as raft member 3')),
    'the refusal is logged with its reason',
  );
  a.transport.send([snap(randomBytes(3 * CHUNK))]);
  await until('the genuine snapshot', () => a.events.snapshotStatus.length === 2);
  assert.deepEqual(a.events.snapshotStatus[1], [2, true]);
  assert.deepEqual(
    b.events.messages.map(m => [m.type, m.from]),
    [
      [MessageType.Heartbeat, 1],
      [MessageType.Heartbeat, 1],
      [MessageType.Snap, 1],
    ],
  );
});

test('storeSenderCheck: a node speaks only as its own Raft ID, or as an unclaimed member when it has no node object', async () => {
  const { store } = singleStore();
  await store.update(tx => {
    createNode(tx, newNode('m1', { role: 'manager', managerStatus: { raftId: 1, addr: '127.0.0.1:1' } }));
    createNode(tx, newNode('w1'));
  }, 0);
  const members = new Set<NodeId>([1, 7]);
  const allowed = storeSenderCheck(store, id => members.has(id));
  assert.equal(allowed('m1', 1), true);
  assert.equal(allowed('m1', 7), false, 'not as another member');
  assert.equal(allowed('w1', 7), false, 'a node object without a Raft ID speaks for none');
  assert.equal(allowed(undefined, 1), false, 'no certificate, no sender');
  // No node object here (a member that is leaving, or peers seen from a newcomer's empty store).
  assert.equal(allowed('gone', 7), true, 'as a member no node object claims');
  assert.equal(allowed('gone', 1), false, 'not as a member another node object claims');
  assert.equal(allowed('gone', 9), false, 'not as a non-member');
  // A member removed (demoted, or left behind by a forced new cluster) whose node object still names
  // its Raft ID is not heard any more: back with its old log, it could win votes and overwrite ours.
  members.delete(1);
  assert.equal(allowed('m1', 1), false, 'not a removed member');
});

test('batches over the message limit are split; a single append over it travels in chunks and arrives whole', async () => {
  const b = await endpoint();
  const a = await endpoint({ id: 1 });
  a.transport.setPeer(2, b.addr);
  const entry = (index: number, size: number): Message =>
    msg({
      type: MessageType.App,
      index: index - 1,
      entries: [{ term: 1, index, type: EntryType.Normal, data: new Uint8Array(size) }],
    });
  const mib = 1024 * 1024;
  const big = Array.from({ length: 20 }, (_, i) => entry(i + 1, mib));
  a.transport.send(big);
  await until('every message of the large batch', () => b.events.messages.length === 20, 20_000);
  assert.deepEqual(
    b.events.messages.map(m => m.entries[0]?.index),
    big.map(m => m.entries[0]?.index),
  );
  // An entry stored before proposals were limited: it must still reach the followers, or nothing after
  // it could commit.
  const huge = entry(21, RAFT_MAX_MESSAGE_BYTES + 1);
  huge.entries[0]?.data.fill(7);
  a.transport.send([huge, msg({ commit: 9 })]);
  await until('the huge append and the message beside it', () => b.events.messages.length === 22, 30_000);
  assert.deepEqual(a.events.dropped, []);
  const got = b.events.messages.find(m => m.entries[0]?.index === 21);
  assert.ok(got !== undefined);
  assert.deepEqual({ ...got, entries: [] }, { ...huge, entries: [] });
  assert.equal(got.entries[0]?.data.byteLength, RAFT_MAX_MESSAGE_BYTES + 1);
  assert.ok(got.entries[0]?.data.every(x => x === 7));
  assert.equal(b.events.messages.find(m => m.commit === 9)?.type, MessageType.Heartbeat);
});

test('an append in chunks must be the message its header announced', async () => {
  const b = await endpoint();
  const app = msg({ type: MessageType.App, index: 4, entries: [] });
  const other = msg({ type: MessageType.App, index: 5, entries: [] });
  const encode = (m: Message): Buffer => {
    const fn = raftService.Stream?.requestSerialize;
    assert.ok(fn !== undefined);
    return fn({ messages: [toWire(m)] });
  };
  const lying = encode(other);
  const status = await rawSnapshotCall(b.addr, [
    { header: { message: toWire(app), dataLength: lying.byteLength } },
    { data: { offset: 0, data: lying } },
  ]);
  assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
  assert.match(status.details, /not the one the header announced/);
  const garbage = Buffer.from('not protobuf at all, not at all');
  const bad = await rawSnapshotCall(b.addr, [
    { header: { message: toWire(app), dataLength: garbage.byteLength } },
    { data: { offset: 0, data: garbage } },
  ]);
  assert.equal(bad.code, grpc.status.INVALID_ARGUMENT);
  assert.equal(b.events.messages.length, 0);
  // The real thing is stepped.
  const good = encode(app);
  const ok = await rawSnapshotCall(b.addr, [
    { header: { message: toWire(app), dataLength: good.byteLength } },
    { data: { offset: 0, data: good } },
  ]);
  assert.equal(ok.code, grpc.status.OK);
  assert.equal(b.events.messages[0]?.index, 4);
});

test('messages to an unknown peer are reported dropped, and a snapshot among them failed', async () => {
  const a = await endpoint({ id: 1 });
  const m = [msg({ to: 9 }), snap(new Uint8Array(1), { to: 9 })];
  a.transport.send(m);
  assert.deepEqual(a.events.dropped, [m]);
  assert.deepEqual(a.events.unreachable, [9]);
  assert.deepEqual(a.events.snapshotStatus, [[9, false]]);
});

test('onPeerLost fires once each time a ready peer goes away, and not when the transport closes', async () => {
  const b = await endpoint();
  const port = Number(b.addr.split(':')[1]);
  const a = await endpoint({ id: 1 });
  a.transport.setPeer(2, b.addr);
  await until('connected', () => a.transport.connected(2));
  assert.deepEqual(a.events.lost, []);

  b.server.forceShutdown();
  await until('the peer lost', () => a.events.lost.length > 0);
  assert.deepEqual(a.events.lost, [2]);

  // The peer comes back on its port: the channel reconnects by itself, without another loss on the way.
  const again = raftServer();
  b.transport.register(again);
  await listen(again, grpc.ServerCredentials.createInsecure(), port);
  closers.push(() => again.forceShutdown());
  await until('reconnected', () => a.transport.connected(2));
  assert.deepEqual(a.events.lost, [2]);

  again.forceShutdown();
  await until('the peer lost again', () => a.events.lost.length > 1);
  assert.deepEqual(a.events.lost, [2, 2]);

  const c = await endpoint();
  a.transport.setPeer(3, c.addr);
  await until('connected to another', () => a.transport.connected(3));
  a.transport.close(); // synchronous: the channel shuts down inside close()
  assert.deepEqual(a.events.lost, [2, 2]);
});
