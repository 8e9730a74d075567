/**
 * The dispatcher and the agents end to end, on loopback with real daemons (1 manager, 2 workers, a 200 ms
 * heartbeat): nodes are READY through their sessions; a stopped worker is DOWN within three heartbeat
 * periods and READY again once restarted; a task written into the manager's store reaches its node's test
 * executor and comes back RUNNING (then SHUTDOWN when asked); a node reporting another node's task is
 * refused and nothing is written; a node opening sessions in a tight loop is rate-limited while another
 * node's session goes on.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TLSSocket } from 'node:tls';
import { TestExecutor } from '../../agent/exec/test-executor.ts';
import type { Agent } from '../../agent/session/agent.ts';
import type { WireNode } from '../../proto/control-types.ts';
import { clientOf, loadShoalPackage, unaryCall } from '../../proto/load.ts';
import type { Daemon } from '../../node/daemon.ts';
import { MAX_HEARTBEATS_PER_PERIOD } from '../../server/dispatcher/dispatcher.ts';
import type { Manager } from '../../server/manager/manager.ts';
import {
  createTask,
  getNode,
  getTask,
  updateTask,
  type Task,
  type TaskState,
} from '../../server/store/index.ts';
import { freePort, harness, nodeCredentials, stopTaskPipeline, until } from './helpers.ts';

const PERIOD = 200;
const h = harness('shoal-dispatcher-');
const grpcClients: grpc.Client[] = [];
after(async () => {
  for (const c of grpcClients.splice(0)) c.close();
  await h.cleanup();
});
const dpkg = loadShoalPackage('dispatcher.proto');

const daemons = new Map<string, Daemon>();
const executors = new Map<string, TestExecutor>();
const ids = new Map<string, string>();
let port = 0;
let workerToken = '';

async function start(name: string): Promise<Daemon> {
  const executor = new TestExecutor({
    stepMs: 5,
    fail: t => (t.spec.args.includes('fail') ? 'exit status 1' : undefined),
  });
  executors.set(name, executor);
  const d = await h.daemon(name, {
    pollMs: 50,
    executor,
    dispatcher: { heartbeatPeriodMs: PERIOD, sessionWindowMs: 2000, assignmentBatchMs: 10 },
  });
  daemons.set(name, d);
  return d;
}

const manager = (): Manager => (daemons.get('m1') as unknown as { manager: Manager }).manager;
const agentOf = (name: string): Agent | undefined =>
  (daemons.get(name) as unknown as { agent?: { session: Agent } }).agent?.session;

async function nodes(): Promise<WireNode[]> {
  return ((await h.client('m1', 'Control')('ListNodes', {})).nodes ?? []) as WireNode[];
}
async function statusOf(name: string): Promise<string | undefined> {
  return (await nodes()).find(n => n.id === ids.get(name))?.status;
}

/** A Dispatcher client presenting `name`'s node certificate. */
function dispatcherAs(name: string): grpc.Client {
  const c = new (clientOf(dpkg, 'Dispatcher'))(`127.0.0.1:${port}`, nodeCredentials(h.root, name), {
    'grpc.ssl_target_name_override': 'swarm-manager',
    'grpc.use_local_subchannel_pool': 1,
  });
  grpcClients.push(c);
  return c;
}

/** Opens a session and reports its first message or its refusal. */
function openSession(c: grpc.Client): Promise<{ sessionId?: string; code?: grpc.status; details?: string }> {
  return new Promise(resolve => {
    const s = (
      c as unknown as { Session(req: object): grpc.ClientReadableStream<{ sessionId: string }> }
    ).Session({
      hostname: 'loop',
    });
    s.on('data', (m: { sessionId: string }) => {
      resolve({ sessionId: m.sessionId });
      s.cancel();
    });
    s.on('error', (e: grpc.ServiceError) => resolve({ code: e.code, details: e.details }));
  });
}

function task(
  id: string,
  nodeId: string,
  o: { args?: string[]; state?: TaskState } = {},
): Omit<Task, 'meta'> {
  return {
    id,
    serviceId: 'svc',
    slot: 1,
    nodeId,
    desiredState: 'running',
    status: { state: o.state ?? 'assigned', timestamp: Date.now() },
    spec: {
      command: ['sleep'],
      args: o.args ?? ['1000'],
      env: [],
      constraints: [],
      restart: { condition: 'any', delayMs: 5000, maxAttempts: 0 },
      stopGracePeriodMs: 10_000,
    },
    networks: [],
  };
}
const stored = (id: string): Task | undefined => manager().store.view(tx => getTask(tx, id));

before(async () => {
  await start('m1');
  port = await freePort();
  const init = await h.client('m1', 'Swarm')('Init', { listenAddr: `127.0.0.1:${port}`, advertiseAddr: '' });
  workerToken = String(init.workerToken);
  ids.set('m1', String(init.nodeId));
  // The tasks here are written by hand, for no service: the orchestrator would take them away.
  stopTaskPipeline(daemons.get('m1') as Daemon);
  for (const name of ['w1', 'w2']) {
    await start(name);
    const joined = await h.client(name, 'Swarm')('Join', {
      token: workerToken,
      remoteAddr: `127.0.0.1:${port}`,
      listenAddr: `127.0.0.1:${await freePort()}`,
      advertiseAddr: '',
    });
    ids.set(name, String(joined.nodeId));
  }
});

test('every node, the manager’s too, holds a session and is READY from where it connects', async () => {
  await until('three sessions', () =>
    Promise.resolve(['m1', 'w1', 'w2'].every(n => agentOf(n)?.sessionId !== undefined)),
  );
  // READY is written with the next write of node states, not before the session opens.
  await until('three READY', async () => (await nodes()).every(n => n.status === 'ready'));
  const listed = await nodes();
  assert.deepEqual(listed.map(n => [n.hostname, n.status, n.addr]).sort(), [
    ['m1', 'ready', '127.0.0.1'],
    ['w1', 'ready', '127.0.0.1'],
    ['w2', 'ready', '127.0.0.1'],
  ]);
  for (const n of ['m1', 'w1', 'w2']) assert.equal(agentOf(n)?.manager, `127.0.0.1:${port}`);
});

// When a silent node expires (three of its periods) is HeartbeatBook's, tested on a fake clock; here the
// whole path: a stopped worker is marked DOWN for its missed heartbeats, and no other node is.
test('a stopped worker is DOWN for its missed heartbeats, and READY again once restarted', async () => {
  await h.stop('w1');
  await until('w1 down', async () => (await statusOf('w1')) === 'down');
  const stored = manager().store.view(tx => getNode(tx, ids.get('w1') ?? ''));
  assert.deepEqual([stored?.status.state, stored?.status.message], ['down', 'heartbeat failure']);
  assert.equal((await statusOf('w2')) ?? '', 'ready', 'the other worker stays READY');

  await start('w1');
  await until('w1 ready again', async () => (await statusOf('w1')) === 'ready', 5000);
});

test('a task written for a node reaches its executor and comes back RUNNING, then SHUTDOWN when asked', async () => {
  const w2 = ids.get('w2') ?? '';
  await manager().store.update(tx => {
    createTask(tx, task('t-run', w2));
    createTask(tx, task('t-fail', w2, { args: ['fail'] }));
    createTask(tx, task('t-pending', w2, { state: 'pending' }));
  }, Date.now());
  const exec = executors.get('w2');
  assert.ok(exec);
  await until('the tasks reach w2’s executor', () =>
    Promise.resolve(exec.tasks().has('t-run') && exec.tasks().has('t-fail')),
  );
  assert.equal(exec.tasks().has('t-pending'), false, 'a task not yet assigned is not sent');
  assert.equal(executors.get('w1')?.tasks().size, 0, 'nor is another node’s');
  await until('t-run running in the store', () =>
    Promise.resolve(stored('t-run')?.status.state === 'running'),
  );
  await until('t-fail failed in the store', () =>
    Promise.resolve(stored('t-fail')?.status.state === 'failed'),
  );
  assert.equal(stored('t-fail')?.status.err, 'exit status 1');

  await manager().store.update(tx => {
    const t = getTask(tx, 't-run');
    assert.ok(t);
    updateTask(tx, { ...t, desiredState: 'shutdown' });
  }, Date.now());
  await until('t-run shut down in the store', () =>
    Promise.resolve(stored('t-run')?.status.state === 'shutdown'),
  );
});

test('a node reporting another node’s task is refused, and nothing is written', async () => {
  const sessionId = agentOf('w1')?.sessionId;
  assert.ok(sessionId !== undefined);
  const before = stored('t-fail');
  const c = dispatcherAs('w1');
  await assert.rejects(
    unaryCall(c, 'UpdateTaskStatus', {
      sessionId,
      updates: [
        { taskId: 't-fail', status: { state: 'complete', timestamp: Date.now(), message: '', err: '' } },
      ],
    }),
    { code: grpc.status.PERMISSION_DENIED, details: 'cannot update a task not assigned this node' },
  );
  // A report of w2's own, answered once its write is applied: reports are written in order, so a write
  // the refused call had queued would have landed by then.
  const w2Session = agentOf('w2')?.sessionId;
  assert.ok(w2Session !== undefined);
  const run = stored('t-run');
  assert.ok(run !== undefined);
  await unaryCall(dispatcherAs('w2'), 'UpdateTaskStatus', {
    sessionId: w2Session,
    updates: [{ taskId: 't-run', status: { ...run.status, timestamp: Date.now() } }],
  });
  assert.deepEqual(stored('t-fail'), before);
  // And without the session, nothing at all.
  await assert.rejects(unaryCall(c, 'UpdateTaskStatus', { sessionId: 'nope', updates: [] }), {
    code: grpc.status.NOT_FOUND,
    details: 'session invalid',
  });
});

test('sessions opened in a tight loop are rate-limited, while another node’s session goes on', async () => {
  const w1Session = agentOf('w1')?.sessionId;
  assert.ok(w1Session !== undefined);
  const c = dispatcherAs('w2');
  const outcomes: (grpc.status | 'ok')[] = [];
  for (let i = 0; i < 8; i++) {
    const o = await openSession(c);
    outcomes.push(o.sessionId !== undefined ? 'ok' : (o.code ?? grpc.status.UNKNOWN));
    if (o.code === grpc.status.RESOURCE_EXHAUSTED) {
      assert.equal(o.details, `node ${ids.get('w2')} exceeded rate limit count of registrations`);
    }
  }
  assert.ok(outcomes.includes(grpc.status.RESOURCE_EXHAUSTED), `outcomes: ${outcomes.join(',')}`);
  assert.ok(outcomes.filter(o => o === 'ok').length <= 3, `outcomes: ${outcomes.join(',')}`);
  // w1 went on: the same session, heartbeating, READY, and still given its tasks.
  await manager().store.update(tx => createTask(tx, task('t-w1', ids.get('w1') ?? '')), Date.now());
  await until('t-w1 running', () => Promise.resolve(stored('t-w1')?.status.state === 'running'));
  assert.equal(agentOf('w1')?.sessionId, w1Session);
  assert.equal(await statusOf('w1'), 'ready');
  // Once the window has passed, w2's own agent gets back in.
  await until(
    'w2 back in session and READY',
    async () => agentOf('w2')?.sessionId !== undefined && (await statusOf('w2')) === 'ready',
    12_000,
  );
});

test('a newer session of a node ends its earlier one with ABORTED', async () => {
  const c = dispatcherAs('w1');
  const first = (
    c as unknown as { Session(req: object): grpc.ClientReadableStream<{ sessionId: string }> }
  ).Session({ hostname: 'first' });
  const ended = new Promise<grpc.ServiceError>(resolve => first.on('error', resolve));
  await new Promise(resolve => first.once('data', resolve));
  // Replaced by ours, or by w1's own agent getting back in: either way a newer one.
  await openSession(c);
  const e = await ended;
  assert.deepEqual([e.code, e.details], [grpc.status.ABORTED, 'session replaced by a newer one']);
  await until('w1 back in session', () => Promise.resolve(agentOf('w1')?.sessionId !== undefined));
});

type HeartbeatStream = grpc.ClientDuplexStream<{ sessionId: string }, { periodMs: number | string }>;

/** A Heartbeats stream of w2's own, beside its agent's; the agent's session ID and how the stream ends. */
async function w2Heartbeats(): Promise<{
  hb: HeartbeatStream;
  sessionId: string;
  ended: Promise<grpc.StatusObject>;
}> {
  await until('w2 in session', () => Promise.resolve(agentOf('w2')?.sessionId !== undefined));
  const sessionId = agentOf('w2')?.sessionId ?? '';
  const hb = (dispatcherAs('w2') as unknown as { Heartbeats(): HeartbeatStream }).Heartbeats();
  hb.on('error', () => undefined);
  const ended = new Promise<grpc.StatusObject>(resolve => hb.on('status', resolve));
  return { hb, sessionId, ended };
}

test('heartbeats on one stream: each answered with a period while the session is current; another session’s ends it NOT_FOUND', async () => {
  const { hb, sessionId, ended } = await w2Heartbeats();
  for (let i = 0; i < 5; i++) {
    const answer = new Promise<{ periodMs: number | string }>(resolve => hb.once('data', resolve));
    hb.write({ sessionId });
    const period = Number((await answer).periodMs);
    assert.ok(period > 0 && period <= 2 * PERIOD, `period ${period}`);
  }
  hb.write({ sessionId: 'nope' });
  const st = await ended;
  assert.deepEqual([st.code, st.details], [grpc.status.NOT_FOUND, 'session invalid']);
  assert.equal(agentOf('w2')?.sessionId, sessionId, 'the agent’s own session went on');
});

test('an assignments stream whose held networks are malformed is refused INVALID_ARGUMENT, and the agent’s session goes on', async () => {
  await until('w2 in session', () => Promise.resolve(agentOf('w2')?.sessionId !== undefined));
  const sessionId = agentOf('w2')?.sessionId ?? '';
  const c = dispatcherAs('w2') as unknown as {
    Assignments(req: object): grpc.ClientReadableStream<unknown>;
  };
  const s = c.Assignments({ sessionId, held: [{ networkId: 'k1', digest: 'not a digest' }] });
  s.on('data', () => assert.fail('no assignments for a malformed request'));
  const st = await new Promise<grpc.StatusObject>(resolve => {
    s.on('error', () => undefined);
    s.on('status', resolve);
  });
  assert.deepEqual(
    [st.code, st.details],
    [grpc.status.INVALID_ARGUMENT, 'held networks: network k1: digest "not a digest" is not 13 hex digits'],
  );
  assert.equal(agentOf('w2')?.sessionId, sessionId);
  assert.equal(await statusOf('w2'), 'ready');
});

test('a heartbeat stream that floods (and reads no answer) is ended RESOURCE_EXHAUSTED, and the agent’s session goes on', async () => {
  const { hb, sessionId, ended } = await w2Heartbeats();
  hb.pause();
  for (let i = 0; i < 20_000; i++) hb.write({ sessionId });
  const st = await ended;
  assert.deepEqual(
    [st.code, st.details],
    [
      grpc.status.RESOURCE_EXHAUSTED,
      `more than ${MAX_HEARTBEATS_PER_PERIOD} heartbeats in one period of ${PERIOD} ms`,
    ],
  );
  assert.equal(agentOf('w2')?.sessionId, sessionId);
  assert.equal(await statusOf('w2'), 'ready');
});

test('the manager port reads a connection’s peer certificate once, not on every call', async () => {
  const c = dispatcherAs('w2');
  const call = (): Promise<unknown> =>
    unaryCall(c, 'Heartbeat', { sessionId: 'nope' }).catch((err: unknown) => err);
  await call(); // the connection is up
  const read = TLSSocket.prototype.getPeerCertificate;
  const reads = new Map<TLSSocket, number>();
  TLSSocket.prototype.getPeerCertificate = function (this: TLSSocket, ...args: [boolean?]) {
    reads.set(this, (reads.get(this) ?? 0) + 1);
    return read.apply(this, args);
  } as typeof read;
  try {
    for (let i = 0; i < 20; i++) {
      // Each call is authenticated (and refused: no such session): the node was read from the certificate.
      const err = (await call()) as grpc.ServiceError;
      assert.equal(err.code, grpc.status.NOT_FOUND);
    }
  } finally {
    TLSSocket.prototype.getPeerCertificate = read;
  }
  // 20 calls read the certificate twice each before (authorization and the handler), all on one socket.
  // Connections other daemons open meanwhile read theirs once, when they arrive: counted per socket.
  const most = Math.max(0, ...reads.values());
  assert.ok(most <= 1, `${most} reads of one socket's certificate`);
});
