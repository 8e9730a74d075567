/**
 * The manager port against oversized and hostile input, from outside: each method's request limit
 * (refused RESOURCE_EXHAUSTED before the request is read in, the limit named), answers that repeat
 * only a bounded part of a request, Raft's larger frames still passing between managers, and
 * connections that never finish their TLS handshake or HTTP/2 preface (closed after a deadline, and
 * capped). The memory test runs shoald as a process of its own, to measure it alone.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { createCsr, createNodeKey, randomNodeId, signNodeCertificate } from '../../certs/index.ts';
import type { Daemon } from '../../node/daemon.ts';
import type { DaemonOptions } from '../../node/daemon-options.ts';
import { MAX_ANONYMOUS_REQUEST_BYTES, MAX_REQUEST_BYTES } from '../../server/limits/limits.ts';
import type { Manager } from '../../server/manager/manager.ts';
import type { ManagerPort } from '../../server/manager/manager-port.ts';
import { createConfig, findClusters, getConfig } from '../../server/store/index.ts';
import { freePort, harness, rootCaOf, socketClient, until, type SocketClient } from './helpers.ts';
import { residentMemory, shoaldProcesses } from './shoald-process.ts';

const h = harness('shoal-port-limits-');
const procs = shoaldProcesses();
const sockets: Socket[] = [];
const closers: (() => void)[] = [];
after(async () => {
  try {
    for (const s of sockets.splice(0)) s.destroy();
    for (const close of closers.splice(0)) close();
    await procs.cleanup();
  } finally {
    await h.cleanup();
  }
});

const NODE_STATUS = '/shoal.v1.NodeCA/NodeCertificateStatus';
const LIST_NODES = '/shoal.v1.Control/ListNodes';
const MiB = 1024 * 1024;

function varint(v: number): Buffer {
  const out: number[] = [];
  for (; v >= 0x80; v = Math.floor(v / 0x80)) out.push((v % 0x80) | 0x80);
  out.push(v);
  return Buffer.from(out);
}

/** A protobuf message of exactly `size` bytes: one length-delimited field `tag` (its key byte(s)) of 'a's. */
function messageOf(tag: Buffer, size: number): Buffer {
  for (let k = 1; k <= 4; k++) {
    const n = size - tag.length - k;
    if (varint(n).length === k) return Buffer.concat([tag, varint(n), Buffer.alloc(n, 'a')]);
  }
  throw new Error(`no message of ${size} bytes`);
}
/** Field 1, a string (node_id of NodeCertificateStatusRequest, service of HealthCheckRequest). */
const FIELD_1 = Buffer.from([0x0a]);
/** Field 1000, which no request has: decoders skip it, so any method takes it as padding. */
const FIELD_1000 = varint((1000 << 3) | 2);

/** `body` as one gRPC message on the wire: not compressed, its length, its bytes. */
function framed(body: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

interface Outcome {
  code: grpc.status;
  details: string;
}

/** One unary call with `body` as the request's bytes; the status it ends with. */
function rawCall(client: grpc.Client, path: string, body: Buffer): Promise<Outcome> {
  const same = (b: Buffer): Buffer => b;
  return new Promise(resolve => {
    client
      .makeUnaryRequest(path, same, same, body, { deadline: Date.now() + 10_000 }, () => undefined)
      .on('status', (s: grpc.StatusObject) => resolve({ code: s.code, details: s.details }));
  });
}

interface Cluster {
  daemon: Daemon;
  manager: Manager;
  port: number;
  caPem: string;
  control: SocketClient;
  /** A client of the manager port with no certificate, or with a manager certificate of this cluster. */
  client(as: 'anonymous' | 'manager'): grpc.Client;
}

/** A one-manager cluster in this process. */
async function cluster(name: string, options: Partial<DaemonOptions> = {}): Promise<Cluster> {
  const daemon = await h.daemon(name, options);
  const port = await freePort();
  await h.client(name, 'Swarm')('Init', { listenAddr: `127.0.0.1:${port}`, advertiseAddr: '' });
  const manager = (daemon as unknown as { manager: Manager }).manager;
  const c = manager.store.view(tx => findClusters(tx))[0];
  assert.ok(c !== undefined, 'the cluster object exists after init');
  const control = socketClient(join(h.root, `${name}.sock`), 'Control');
  closers.push(() => control.close());
  const caPem = c.rootCa.certPem;
  const client = (as: 'anonymous' | 'manager'): grpc.Client => {
    const ca = Buffer.from(caPem);
    let creds = grpc.credentials.createSsl(ca);
    if (as === 'manager') {
      const { keyPem } = createNodeKey();
      const certPem = signNodeCertificate({
        csrPem: createCsr(keyPem),
        ca: rootCaOf(join(h.root, name), c),
        nodeId: randomNodeId(),
        role: 'swarm-manager',
        clusterId: c.id,
      });
      creds = grpc.credentials.createSsl(ca, Buffer.from(keyPem), Buffer.from(certPem));
    }
    const g = new grpc.Client(`127.0.0.1:${port}`, creds, {
      'grpc.ssl_target_name_override': 'swarm-manager',
      'grpc.use_local_subchannel_pool': 1,
    });
    closers.push(() => g.close());
    return g;
  };
  return { daemon, manager, port, caPem, control, client };
}

/**
 * A hostile unary call on an HTTP/2 session of its own making: `frame` (a whole gRPC message, shared
 * by every call, never copied) is sent until the server answers; the status it answered.
 */
function hostileCall(session: ClientHttp2Session, path: string, frame: Buffer): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let done = false;
    const status = (headers: Record<string, unknown>): void => {
      if (done || headers['grpc-status'] === undefined) return;
      done = true;
      req.close(); // no need to send the rest
      resolve({
        code: Number(headers['grpc-status']),
        details: decodeURIComponent(String(headers['grpc-message'] ?? '')),
      });
    };
    req.on('response', status);
    req.on('trailers', status);
    req.on('error', () => undefined);
    req.on('close', () => (done ? undefined : reject(new Error(`${path}: closed without a status`))));
    req.resume();
    req.end(frame);
  });
}

test('40 concurrent 15 MiB requests without a certificate are refused unread; shoald keeps serving', async () => {
  const dataDir = join(h.root, 'big');
  const socket = join(h.root, 'big.sock');
  const p = procs.start(dataDir, socket);
  const swarm = socketClient(socket, 'Swarm', 5000);
  const control = socketClient(socket, 'Control', 5000);
  closers.push(
    () => swarm.close(),
    () => control.close(),
  );
  await procs.ready(p, socket);
  const port = await freePort();
  await swarm.call('Init', { listenAddr: `127.0.0.1:${port}`, advertiseAddr: '' });
  const ca = readFileSync(join(dataDir, 'certificates', 'swarm-root-ca.crt'));
  // The client holds what it has not sent yet: Node's default (10 MB) would fail the streams here.
  const session = http2Connect(`https://127.0.0.1:${port}`, {
    ca,
    servername: 'swarm-manager',
    maxSessionMemory: 1024,
  });
  session.on('error', () => undefined);
  closers.push(() => session.destroy());
  const pid = p.child.pid;
  assert.ok(pid !== undefined);

  // A small request answers (and warms the path up) before the memory is read.
  const small = await hostileCall(session, NODE_STATUS, framed(messageOf(FIELD_1, 30)));
  assert.equal(small.code, grpc.status.NOT_FOUND, small.details);
  const before = residentMemory(pid).now;

  const huge = framed(messageOf(FIELD_1, 15 * MiB));
  const outcomes = await within(
    'the 40 answers',
    Promise.all(Array.from({ length: 40 }, () => hostileCall(session, NODE_STATUS, huge))),
    60_000,
  );
  for (const o of outcomes) {
    assert.equal(o.code, grpc.status.RESOURCE_EXHAUSTED, o.details);
    assert.equal(
      o.details,
      `request too large: ${NODE_STATUS} takes at most 64 KiB (65536 bytes) per message`,
    );
  }
  // A behaviour bound, not a measurement: reading them in would take 600 MB and more.
  const growth = residentMemory(pid).peak - before;
  assert.ok(growth < 300 * MiB, `shoald grew by ${Math.round(growth / MiB)} MB`);

  const old = ((await control.call('GetCluster', {})).cluster as { workerToken: string }).workerToken;
  const rotated = (await control.call('RotateJoinToken', { role: 'worker' })).cluster as {
    workerToken: string;
  };
  assert.notEqual(rotated.workerToken, old);
  assert.ok(p.running(), `shoald exited: ${p.stderr()}`);
  p.child.kill('SIGTERM');
  assert.deepEqual(await p.exited, { code: 0, signal: null });
  assert.equal(p.stderr(), '');
});

test('each method takes requests up to its own limit: 64 KiB without a certificate, 1.5 MiB on the Control API', async () => {
  const c = await cluster('sizes');
  const anonymous = c.client('anonymous');
  const manager = c.client('manager');
  assert.equal(MAX_REQUEST_BYTES, 1.5 * MiB);

  const atControl = await rawCall(manager, LIST_NODES, messageOf(FIELD_1000, MAX_REQUEST_BYTES));
  assert.equal(atControl.code, grpc.status.OK, atControl.details);
  const overControl = await rawCall(manager, LIST_NODES, messageOf(FIELD_1000, MAX_REQUEST_BYTES + 1));
  assert.deepEqual(overControl, {
    code: grpc.status.RESOURCE_EXHAUSTED,
    details: `request too large: ${LIST_NODES} takes at most 1.5 MiB (1572864 bytes) per message`,
  });

  // Without a certificate: the size check passes at the limit (the node is not found), not above it.
  const id = messageOf(FIELD_1, MAX_ANONYMOUS_REQUEST_BYTES);
  const atCa = await rawCall(anonymous, NODE_STATUS, id);
  assert.equal(atCa.code, grpc.status.NOT_FOUND);
  // …and the answer repeats a bounded part of the ID.
  assert.equal(atCa.details, `node "${'a'.repeat(40)}…" not found`);
  const overCa = await rawCall(anonymous, NODE_STATUS, messageOf(FIELD_1, MAX_ANONYMOUS_REQUEST_BYTES + 1));
  assert.equal(overCa.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(overCa.details, /takes at most 64 KiB/);

  // A library's handler repeating its request (health: the service name) is cut short too.
  const health = await rawCall(anonymous, '/grpc.health.v1.Health/Check', messageOf(FIELD_1, 60_000));
  assert.equal(health.code, grpc.status.NOT_FOUND);
  assert.ok(health.details.length <= 1025, `${health.details.length} characters`);
  assert.ok(health.details.endsWith('…'));

  // The port still answers.
  assert.equal((await rawCall(manager, LIST_NODES, Buffer.alloc(0))).code, grpc.status.OK);
});

test('a Raft entry larger than a Control API request still reaches the other manager', async () => {
  const m1 = await cluster('raft1');
  const token = String(
    ((await m1.control.call('GetCluster', {})).cluster as { managerToken: string }).managerToken,
  );
  const d2 = await h.daemon('raft2');
  await h.client('raft2', 'Swarm')('Join', {
    token,
    remoteAddr: `127.0.0.1:${m1.port}`,
    listenAddr: `127.0.0.1:${await freePort()}`,
    advertiseAddr: '',
  });
  const m2 = (d2 as unknown as { manager: Manager }).manager;
  await until('two voters', async () => m1.manager.raft.voters().length === 2);
  // Written before requests were bounded, say: an entry of 4 MiB. It commits only with the second
  // manager's vote, so the MsgApp that carries it went through that manager's port.
  const id = randomNodeId();
  const data = 'A'.repeat(4 * MiB);
  await m1.manager.store.update(
    tx => createConfig(tx, { id, spec: { name: 'big', data, labels: {} } }),
    Date.now(),
    { maxBytes: Number.POSITIVE_INFINITY },
  );
  await until('the entry applied on the second manager', async () =>
    m2.store.view(tx => getConfig(tx, id)?.spec.data.length === data.length),
  );
});

/** A TCP connection to `port` that sends nothing; `closed` resolves when the server hangs up. */
function silent(port: number): { socket: Socket; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  return held(socket);
}

/** A TLS connection that asks for HTTP/2 and then sends `bytes` (maybe nothing) and no more. */
function stalledTls(
  port: number,
  bytes = Buffer.alloc(0),
  alpn = true,
): ReturnType<typeof held> & {
  secured: Promise<void>;
} {
  const socket = tlsConnect({
    host: '127.0.0.1',
    port,
    rejectUnauthorized: false,
    servername: 'swarm-manager',
    ...(alpn ? { ALPNProtocols: ['h2'] } : {}),
  });
  const secured = new Promise<void>(resolve =>
    socket.once('secureConnect', () => {
      if (bytes.length > 0) socket.write(bytes);
      resolve();
    }),
  );
  return { ...held(socket), secured };
}

function held(socket: Socket): { socket: Socket; closed: Promise<void> } {
  socket.on('error', () => undefined); // the server hanging up is the expected outcome
  socket.resume(); // read, so that the hang-up is seen
  sockets.push(socket);
  return { socket, closed: new Promise(resolve => socket.once('close', () => resolve())) };
}

async function within<T>(what: string, p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

test('connections that do not finish their TLS handshake and HTTP/2 preface in time are closed', async () => {
  const c = await cluster('slow', { managerPort: { handshakeTimeoutMs: 1000 } });
  const conns = [
    ...Array.from({ length: 10 }, () => silent(c.port)),
    ...Array.from({ length: 3 }, () => stalledTls(c.port)),
    // Half the HTTP/2 magic, then silence.
    ...Array.from({ length: 2 }, () => stalledTls(c.port, Buffer.from('PRI * HTTP'))),
  ];
  // Not asking for HTTP/2 at all: closed as soon as the handshake shows it.
  const noAlpn = stalledTls(c.port, Buffer.alloc(0), false);
  await within('the connection without ALPN h2 to be closed', noAlpn.closed, 5000);
  await within('the stalled connections to be closed', Promise.all(conns.map(x => x.closed)), 15_000);
  const root = await rawCall(c.client('anonymous'), '/shoal.v1.CA/GetRootCACertificate', Buffer.alloc(0));
  assert.equal(root.code, grpc.status.OK, root.details);
});

test('at most maxHandshakes connections on their way; more are closed at once, clients still get through', async () => {
  const c = await cluster('capped', { managerPort: { handshakeTimeoutMs: 120_000, maxHandshakes: 12 } });
  const port = (c.manager as unknown as { p: { managerPort: ManagerPort } }).p.managerPort;
  const pending = async (n: number): Promise<void> =>
    until(`${n} connections on their way`, async () => port.handshaking === n);
  // The daemon's own agent dials this port too: its session first, so that it takes no slot below.
  await until(
    'the manager’s own agent in session',
    async () => c.daemon.agentSession?.sessionId !== undefined,
  );
  await pending(0);

  const tls = Array.from({ length: 3 }, () => stalledTls(c.port));
  await Promise.all(tls.map(x => x.secured));
  const holding = [...Array.from({ length: 8 }, () => silent(c.port)), ...tls];
  await pending(11);

  // One slot left: a new client, with or without a certificate, gets through while they are held.
  const anonymous = c.client('anonymous');
  const manager = c.client('manager');
  const root = await rawCall(anonymous, '/shoal.v1.CA/GetRootCACertificate', Buffer.alloc(0));
  assert.equal(root.code, grpc.status.OK, root.details);
  const listed = await rawCall(manager, LIST_NODES, Buffer.alloc(0));
  assert.equal(listed.code, grpc.status.OK, listed.details);
  await pending(11);

  holding.push(silent(c.port));
  await pending(12);
  const refused = Array.from({ length: 3 }, () => silent(c.port));
  await within('the connections over the cap to be closed', Promise.all(refused.map(x => x.closed)), 5000);
  assert.equal(port.handshaking, 12);
  assert.ok(
    holding.every(x => !x.socket.destroyed),
    'the connections under the cap are still open',
  );
  // Clients already connected are not on their way: they go on.
  assert.equal((await rawCall(manager, LIST_NODES, Buffer.alloc(0))).code, grpc.status.OK);

  // Connections that go away free their slots.
  for (const x of holding) x.socket.destroy();
  await pending(0);
});
