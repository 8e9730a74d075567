/**
 * `shoal service logs` across the cluster, on loopback with real daemons (2 managers, 1 worker): the CLI
 * on the follower manager → its forwarder → the leader's log broker → each node's agent (subscription
 * within its dispatcher session) → PublishLogs → the CLI. The tasks are the test executor's (imaginary);
 * their output files are written by the test, and each agent reads them as it would a real task's.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { LogTask, TaskLogSource } from '../../agent/exec/executor.ts';
import { TestExecutor } from '../../agent/exec/test-executor.ts';
import type { WireService, WireTask } from '../../proto/control-types.ts';
import { clientOf, loadShoalPackage } from '../../proto/load.ts';
import type { WireSubscribeLogsMessage, WireSubscriptionMessage } from '../../proto/logs-types.ts';
import { runCli } from '../cli/run-cli.ts';
import { freePort, harness, until } from '../daemon/helpers.ts';

const h = harness('shoal-logs-');
after(() => h.cleanup());

/** Node name → the tasks whose output that node "keeps" (files under the test's folder). */
const kept = new Map<string, LogTask[]>();
const sock = (name: string): string => join(h.root, `${name}.sock`);
const control = (name: string): ReturnType<typeof h.client> => h.client(name, 'Control');

function source(name: string): TaskLogSource {
  return { logTasks: () => kept.get(name) ?? [] };
}

async function start(name: string): Promise<void> {
  await h.daemon(name, { pollMs: 50, executor: new TestExecutor({ stepMs: 5 }), taskLogs: source(name) });
}

async function join_(name: string, token: string): Promise<void> {
  await start(name);
  const port = await freePort();
  await h.client(name, 'Swarm')('Join', {
    token,
    remoteAddr: `127.0.0.1:${ports.m1}`,
    listenAddr: `127.0.0.1:${port}`,
    advertiseAddr: '',
  });
}

const ports = { m1: 0 };
let web: WireService;
let tasks: WireTask[];
/** Task id → the node (daemon name) it runs on. */
const nodeOf = new Map<string, string>();

/** Gives a task output files on its node, with these lines written. */
function write(t: WireTask, stream: 'stdout' | 'stderr', text: string): void {
  const node = nodeOf.get(t.id) ?? '';
  const dir = join(h.root, 'logs', t.id);
  mkdirSync(dir, { recursive: true });
  const entry = {
    id: t.id,
    serviceId: t.serviceId,
    stdout: join(dir, 'stdout'),
    stderr: join(dir, 'stderr'),
  };
  const list = kept.get(node) ?? [];
  if (!list.some(x => x.id === t.id)) kept.set(node, [...list, entry]);
  appendFileSync(entry[stream], text);
}

before(async () => {
  await start('m1');
  ports.m1 = await freePort();
  const init = await h.client('m1', 'Swarm')('Init', {
    listenAddr: `127.0.0.1:${ports.m1}`,
    advertiseAddr: '',
  });
  await join_('m2', String(init.managerToken));
  await join_('w1', String(init.workerToken));
  await until('3 nodes ready', async () => {
    const nodes = ((await control('m1')('ListNodes', {})).nodes ?? []) as { status: string }[];
    return nodes.length === 3 && nodes.every(n => n.status === 'ready');
  });
  const nodes = ((await control('m1')('ListNodes', {})).nodes ?? []) as { id: string; hostname: string }[];
  const spec = { name: 'web', mode: 'replicated', replicas: 3, task: { command: ['sleep', '1000'] } };
  web = (await control('m1')('CreateService', { spec })).service as WireService;
  await until('3 tasks running, one per node', async () => {
    const filters = { serviceIds: [web.id], nodeIds: [], desiredStates: [] };
    tasks = ((await control('m1')('ListTasks', { filters })).tasks ?? []) as WireTask[];
    return tasks.length === 3 && tasks.every(t => t.status.state === 'running');
  });
  for (const t of tasks) nodeOf.set(t.id, nodes.find(n => n.id === t.nodeId)?.hostname ?? '');
  assert.deepEqual([...new Set(nodeOf.values())].sort(), ['m1', 'm2', 'w1']);
  for (const t of tasks) {
    write(t, 'stdout', `one from ${nodeOf.get(t.id)}\ntwo from ${nodeOf.get(t.id)}\n`);
    write(t, 'stderr', `warn from ${nodeOf.get(t.id)}\n`);
  }
});

const prefix = (t: WireTask): string => `web.${t.slot}.${t.id.slice(0, 12)}@${nodeOf.get(t.id)}    | `;
const sorted = (s: string): string[] =>
  s
    .split('\n')
    .filter(l => l !== '')
    .sort();

test('service logs on a follower manager: every node’s tasks, docker’s prefix, stderr on stderr', async () => {
  const r = await runCli(['service', 'logs', 'web'], sock('m2'));
  assert.equal(r.code, 0, r.err);
  const expected = tasks.flatMap(t => [
    `${prefix(t)}one from ${nodeOf.get(t.id)}`,
    `${prefix(t)}two from ${nodeOf.get(t.id)}`,
  ]);
  assert.deepEqual(sorted(r.out), expected.sort());
  assert.deepEqual(sorted(r.err), tasks.map(t => `${prefix(t)}warn from ${nodeOf.get(t.id)}`).sort());
  // Each task's lines keep their order.
  for (const t of tasks) {
    const mine = r.out.split('\n').filter(l => l.startsWith(prefix(t)));
    assert.deepEqual(mine, [
      `${prefix(t)}one from ${nodeOf.get(t.id)}`,
      `${prefix(t)}two from ${nodeOf.get(t.id)}`,
    ]);
  }
});

test('--tail, a task by ID prefix, --no-trunc, --no-task-ids and --raw', async () => {
  const tail = await runCli(['service', 'logs', '--tail', '1', 'web'], sock('m1'));
  assert.deepEqual(sorted(tail.out), tasks.map(t => `${prefix(t)}two from ${nodeOf.get(t.id)}`).sort());
  const t = tasks.find(x => nodeOf.get(x.id) === 'w1');
  assert.ok(t !== undefined);
  const one = await runCli(['service', 'logs', '--no-trunc', t.id.slice(0, 10)], sock('m1'));
  assert.equal(
    one.out,
    `web.${t.slot}.${t.id}@w1    | one from w1\nweb.${t.slot}.${t.id}@w1    | two from w1\n`,
  );
  const ids = await runCli(['service', 'logs', '--no-task-ids', '-n', '1', t.id], sock('m1'));
  assert.equal(ids.out, `web.${t.slot}@w1    | two from w1\n`);
  const raw = await runCli(['service', 'logs', '--raw', '--tail', '1', t.id], sock('m1'));
  assert.equal(raw.out, 'two from w1\n');
  const zero = await runCli(['service', 'logs', '--tail', '0', 'web'], sock('m1'));
  assert.equal(zero.out, '');
});

test('a large log comes through whole and in order (read and sent in chunks, with flow control)', async () => {
  const t = tasks.find(x => nodeOf.get(x.id) === 'm2');
  assert.ok(t !== undefined);
  const big = Array.from({ length: 100_000 }, (_, i) => `big line ${i} ${'z'.repeat(40)}`);
  write(t, 'stdout', `${big.join('\n')}\n`);
  const r = await runCli(['service', 'logs', '--raw', t.id], sock('m1'));
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split('\n').filter(Boolean);
  assert.equal(lines.length, 2 + big.length);
  assert.deepEqual(lines.slice(2), big);
});

test('bad refs and flags, and a worker, get docker’s errors', async () => {
  const none = await runCli(['service', 'logs', 'nosuch'], sock('m1'));
  assert.equal(none.code, 1);
  assert.equal(none.err, 'Error response from daemon: No such service or task: nosuch\n');
  const badTail = await runCli(['service', 'logs', '--tail', 'x', 'web'], sock('m1'));
  assert.equal(badTail.code, 1);
  assert.match(badTail.err, /invalid value "x" for flag --tail/);
  const worker = await runCli(['service', 'logs', 'web'], sock('w1'));
  assert.equal(worker.code, 1);
  assert.match(worker.err, /This node is not a swarm manager/);
});

test('--follow: new output of every node arrives until the client goes', async () => {
  const pkg = loadShoalPackage('logs.proto');
  const client = new (clientOf(pkg, 'Logs'))(`unix:${sock('m2')}`, grpc.credentials.createInsecure());
  const call = (
    client as unknown as { SubscribeLogs(req: object): grpc.ClientReadableStream<WireSubscribeLogsMessage> }
  ).SubscribeLogs({ selector: { serviceIds: [web.id], taskIds: [] }, options: { follow: true, tail: 0 } });
  const got: string[] = [];
  call.on('data', (m: WireSubscribeLogsMessage) => {
    for (const l of m.messages) got.push(`${l.context?.nodeHostname ?? ''}:${l.data.toString()}`);
  });
  let ended: grpc.status | undefined;
  call.on('error', (e: grpc.ServiceError) => (ended = e.code));
  try {
    // The subscription reaches the agents asynchronously: write until each node's line comes through.
    await until(
      'a new line from each node',
      async () => {
        for (const t of tasks) write(t, 'stdout', `live ${nodeOf.get(t.id)}\n`);
        await new Promise(r => setTimeout(r, 150));
        return ['m1', 'm2', 'w1'].every(n => got.includes(`${n}:live ${n}`));
      },
      10_000,
    );
    assert.ok(!got.some(l => l.includes('one from')), 'tail 0: nothing from before');
  } finally {
    call.cancel();
    client.close();
  }
  await until('the stream ends as cancelled', () => Promise.resolve(ended === grpc.status.CANCELLED));
});

test('a node whose agent is gone: the logs end with what the others had, naming it', async () => {
  await h.stop('w1');
  const r = await runCli(['service', 'logs', '--tail', '1', 'web'], sock('m1'));
  assert.equal(r.code, 0, r.err);
  const w1 = tasks.find(x => nodeOf.get(x.id) === 'w1');
  assert.ok(w1 !== undefined);
  assert.deepEqual(
    sorted(r.out),
    tasks
      .filter(t => t !== w1)
      .map(t => `${prefix(t)}live ${nodeOf.get(t.id)}`)
      .sort(),
  );
  assert.match(r.err, /incomplete log stream: the logs of node\(s\) w1 could not be retrieved/);
});

test('an agent publishes only its own selected tasks, for subscriptions sent to it', async () => {
  // w1's certificate, its daemon stopped: this client is w1's agent now.
  const file = (f: string): Buffer => readFileSync(join(h.root, 'w1', 'certificates', f));
  const creds = grpc.credentials.createSsl(
    file('swarm-root-ca.crt'),
    file('swarm-node.key'),
    file('swarm-node.crt'),
  );
  const opts = { 'grpc.ssl_target_name_override': 'swarm-manager' };
  const dispatcher = new (clientOf(loadShoalPackage('dispatcher.proto'), 'Dispatcher'))(
    `127.0.0.1:${ports.m1}`,
    creds,
    opts,
  );
  const broker = new (clientOf(loadShoalPackage('logs.proto'), 'LogBroker'))(`127.0.0.1:${ports.m1}`, creds, {
    ...opts,
    channelOverride: dispatcher.getChannel(),
  }) as unknown as {
    ListenSubscriptions(req: object): grpc.ClientReadableStream<WireSubscriptionMessage>;
    PublishLogs(cb: (err: grpc.ServiceError | null) => void): grpc.ClientWritableStream<object>;
  };
  const session = (
    dispatcher as unknown as { Session(r: object): grpc.ClientReadableStream<{ sessionId: string }> }
  ).Session({
    hostname: 'w1',
  });
  const subs: WireSubscriptionMessage[] = [];
  let listen: grpc.ClientReadableStream<WireSubscriptionMessage> | undefined;
  const follower = new (clientOf(loadShoalPackage('logs.proto'), 'Logs'))(
    `unix:${sock('m1')}`,
    grpc.credentials.createInsecure(),
  );
  let follow: grpc.ClientReadableStream<WireSubscribeLogsMessage> | undefined;
  try {
    const sessionId = await new Promise<string>((resolve, reject) => {
      session.once('data', (m: { sessionId: string }) => resolve(m.sessionId));
      session.once('error', reject);
    });
    // A stale session is refused.
    const stale = broker.ListenSubscriptions({ sessionId: 'nope' });
    const refused = await new Promise<grpc.ServiceError>(resolve => stale.once('error', resolve));
    assert.equal(refused.code, grpc.status.NOT_FOUND);
    listen = broker.ListenSubscriptions({ sessionId });
    listen.on('data', (m: WireSubscriptionMessage) => subs.push(m));
    listen.on('error', () => undefined);
    // With follow, the subscription reaches every connected agent, this one included.
    follow = (
      follower as unknown as {
        SubscribeLogs(req: object): grpc.ClientReadableStream<WireSubscribeLogsMessage>;
      }
    ).SubscribeLogs({ selector: { serviceIds: [web.id], taskIds: [] }, options: { follow: true, tail: 0 } });
    follow.on('error', () => undefined);
    const got: WireSubscribeLogsMessage[] = [];
    follow.on('data', (m: WireSubscribeLogsMessage) => got.push(m));
    const sub = await waitUntil('the subscription', () => subs.find(m => !m.close));
    const publish = (msg: object): Promise<grpc.ServiceError | null> =>
      new Promise(resolve => {
        const call = broker.PublishLogs(resolve);
        call.write(msg);
        call.end();
      });
    const line = (taskId: string): object => ({
      context: { serviceId: web.id, nodeId: '', taskId, taskName: 'forged', nodeHostname: 'forged' },
      stream: 'stdout',
      data: Buffer.from('x'),
    });
    const m1Task = tasks.find(t => nodeOf.get(t.id) === 'm1');
    const w1Task = tasks.find(t => nodeOf.get(t.id) === 'w1');
    assert.ok(m1Task !== undefined && w1Task !== undefined);
    // m1's own agent publishes its task first: the broker has named it for m1, not for anyone.
    write(m1Task, 'stdout', 'from the real m1\n');
    await waitUntil('m1’s line', () =>
      got.flatMap(x => x.messages).find(l => l.data.toString() === 'from the real m1'),
    );
    const other = await publish({ subscriptionId: sub.id, messages: [line(m1Task.id)], close: false });
    assert.equal(other?.code, grpc.status.PERMISSION_DENIED);
    assert.match(other?.details ?? '', /is not a selected task of this node/);
    const badStream = await publish({
      subscriptionId: sub.id,
      messages: [{ ...line(w1Task.id), stream: 'stdin' }],
      close: false,
    });
    assert.equal(badStream?.code, grpc.status.INVALID_ARGUMENT);
    // Its own task goes through, named by the store, not by what the agent said.
    assert.equal(await publish({ subscriptionId: sub.id, messages: [line(w1Task.id)], close: false }), null);
    const m = await waitUntil('the line', () =>
      got.flatMap(x => x.messages).find(l => l.context?.taskId === w1Task.id),
    );
    assert.deepEqual(m.context, {
      serviceId: web.id,
      nodeId: w1Task.nodeId,
      taskId: w1Task.id,
      taskName: `web.${w1Task.slot}.${w1Task.id}`,
      nodeHostname: 'w1',
    });
  } finally {
    follow?.cancel();
    listen?.cancel();
    session.cancel();
    follower.close();
    dispatcher.close();
  }
});

async function waitUntil<T>(what: string, f: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 8000;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 20));
  }
}
