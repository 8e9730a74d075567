/**
 * `shoal service create|scale|update` without `--detach` wait for the service to converge and print
 * docker's progress, in-process against real daemons on loopback (one drained manager, two workers with
 * the test executor). Standard output is not a terminal here, so each command prints the final frame
 * once: the overall count, a running bar per slot (or per node, for a global service), then
 * `verify: Service converged` after the service's update monitor (100 ms in these specs).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TestExecutor } from '../../agent/exec/test-executor.ts';
import type { WireNode, WireTask } from '../../proto/control-types.ts';
import { freePort, harness, until, type Call } from '../daemon/helpers.ts';
import { retryOutOfSequence } from '../daemon/out-of-sequence.ts';
import { runCli, type CliResult } from './run-cli.ts';

const h = harness('shoal-cli-converge-');
after(() => h.cleanup());

const RUNNING = `running   [${'='.repeat(50)}>]`;
const ID = /^[0-9a-z]{25}$/;

let control: Call;
const workers = new Map<string, string>();

const shoal = (argv: string[]): Promise<CliResult> => runCli(argv, join(h.root, 'm1.sock'));

async function ok(...argv: string[]): Promise<string[]> {
  const r = await shoal(argv);
  assert.equal(r.code, 0, `shoal ${argv.join(' ')}: ${r.err}`);
  assert.equal(r.err, '');
  return r.out.split('\n').slice(0, -1);
}

async function start(name: string): Promise<void> {
  await h.daemon(name, {
    pollMs: 50,
    executor: new TestExecutor({ stepMs: 5 }),
    // No node goes down here: a 200 ms heartbeat (DOWN after 600 ms) flapped nodes on a loaded machine
    // (the daemons share this process's event loop), and their tasks moved under the progress display.
    dispatcher: { heartbeatPeriodMs: 1000, assignmentBatchMs: 10 },
  });
}

async function tasksOf(service: string): Promise<WireTask[]> {
  const req = { filters: { serviceIds: [service], nodeIds: [], desiredStates: [] } };
  return (await control('ListTasks', req)).tasks as WireTask[];
}

/** How many tasks of `service` are running and meant to. */
async function running(service: string): Promise<number> {
  return (await tasksOf(service)).filter(t => t.status.state === 'running' && t.desiredState === 'running')
    .length;
}

before(async () => {
  await start('m1');
  const port = await freePort();
  const init = (await ok('swarm', 'init', '--listen-addr', `127.0.0.1:${port}`)).join('\n');
  control = h.client('m1', 'Control');
  const token = /--token (\S+)/.exec(init)?.[1];
  assert.ok(token !== undefined, init);
  // The manager writes its node too just after init (READY, its ingress address): a lost race is retried.
  await retryOutOfSequence(async () => {
    const r = await shoal(['node', 'update', '--availability', 'drain', 'm1']);
    const details = r.err.replace(/^Error response from daemon: /, '').trim();
    if (r.code !== 0) throw Object.assign(new Error(r.err), { details });
  });
  for (const name of ['w1', 'w2']) {
    await start(name);
    const joined = await h.client(name, 'Swarm')('Join', {
      token,
      remoteAddr: `127.0.0.1:${port}`,
      listenAddr: `127.0.0.1:${await freePort()}`,
      advertiseAddr: '',
    });
    workers.set(name, String(joined.nodeId));
  }
  await until('every node READY', async () =>
    ((await control('ListNodes', {})).nodes as WireNode[]).every(n => n.status === 'ready'),
  );
});

test('create --replicas 3 without -d: the ID, then the progress until converged', async () => {
  const out = await ok(
    'service',
    'create',
    '--name',
    'web',
    '--replicas',
    '3',
    '--update-monitor',
    '100ms',
    '--',
    'sleep',
    '1000',
  );
  assert.match(out[0] ?? '', ID);
  assert.deepEqual(out.slice(1), [
    'overall progress: 3 out of 3 tasks',
    `1/3: ${RUNNING}`,
    `2/3: ${RUNNING}`,
    `3/3: ${RUNNING}`,
    'verify: Service converged',
  ]);
  assert.equal(await running('web'), 3, 'the tasks run when the command returns');
});

test('scale web=5 without -d: `web scaled to 5`, then the progress; -d and -q print no progress', async () => {
  assert.deepEqual(await ok('service', 'scale', 'web=5'), [
    'web scaled to 5',
    'overall progress: 5 out of 5 tasks',
    ...[1, 2, 3, 4, 5].map(i => `${i}/5: ${RUNNING}`),
    'verify: Service converged',
  ]);
  assert.equal(await running('web'), 5);

  assert.deepEqual(await ok('service', 'scale', '-d', 'web=2'), ['web scaled to 2']);
  // --quiet waits as well, silently: the service has converged when it returns.
  assert.deepEqual(await ok('service', 'update', '-q', '--replicas', '4', 'web'), ['web']);
  assert.equal(await running('web'), 4);
});

test('update without -d: a rolling update shows the new tasks until they all run', async () => {
  const before = new Set((await tasksOf('web')).map(t => t.id));
  assert.deepEqual(
    await ok('service', 'update', '--args', 'sleep 2000', '--update-parallelism', '2', 'web'),
    [
      'web',
      'overall progress: 4 out of 4 tasks',
      ...[1, 2, 3, 4].map(i => `${i}/4: ${RUNNING}`),
      'verify: Service converged',
    ],
  );
  const live = (await tasksOf('web')).filter(
    t => t.desiredState === 'running' && t.status.state === 'running',
  );
  assert.equal(live.length, 4);
  assert.ok(
    live.every(t => !before.has(t.id) && t.spec.args.join(' ') === 'sleep 2000'),
    'every running task is a new one',
  );
});

test('a global service: one line per node, by short node ID', async () => {
  const out = await ok(
    'service',
    'create',
    '--name',
    'agent',
    '--mode',
    'global',
    '--update-monitor',
    '100ms',
    '--',
    'sleep',
    '1000',
  );
  assert.match(out[0] ?? '', ID);
  const nodeLines = [...workers.values()].sort().map(id => `${id.slice(0, 12)}: ${RUNNING}`);
  assert.deepEqual(out.slice(1), [
    'overall progress: 2 out of 2 tasks',
    ...nodeLines,
    'verify: Service converged',
  ]);
});

test('create -d prints the ID only and returns at once', async () => {
  const out = await ok('service', 'create', '-d', '--name', 'quick', '--replicas', '2', 'sleep', '1');
  assert.equal(out.length, 1);
  assert.match(out[0] ?? '', ID);
});
