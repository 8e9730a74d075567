/**
 * Services become running tasks end to end, on loopback with real daemons (one manager, drained so that
 * it runs no tasks, and three workers with the test executor, a 1 s heartbeat): the orchestrator makes
 * the tasks, the allocator gives them addresses, the scheduler spreads them, the dispatcher hands them to
 * the agents and their states come back. Scale up and down, a global service following a node that joins,
 * a label constraint, a host port two tasks want on one node, a worker stopped (DOWN, its tasks elsewhere)
 * and restarted (READY), drain and pause, a rolling update two at a time, and a failing update rolled back.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestExecutor } from '../../agent/exec/test-executor.ts';
import type { WireNode, WireService, WireTask } from '../../proto/control-types.ts';
import { freePort, harness, until, type Call } from './helpers.ts';
import { retryOutOfSequence } from './out-of-sequence.ts';

/**
 * The daemons share this process's event loop, which a join's RSA key or a loaded machine stalls for
 * hundreds of milliseconds: with 200 ms (DOWN after 600 ms) nodes went DOWN and back in a loop until the
 * session rate limit held them out. 1 s keeps the stopped worker's DOWN within seconds.
 */
const PERIOD = 1000;
const h = harness('shoal-orchestration-');
after(() => h.cleanup());

const ids = new Map<string, string>();
let port = 0;
let workerToken = '';
let control: Call;

async function start(name: string): Promise<void> {
  await h.daemon(name, {
    pollMs: 50,
    // A task whose arguments say `fail` fails as it starts (a broken new version).
    executor: new TestExecutor({
      stepMs: 5,
      fail: t => (t.spec.args.includes('fail') ? 'exit status 1' : undefined),
    }),
    dispatcher: { heartbeatPeriodMs: PERIOD, assignmentBatchMs: 10 },
  });
}

async function join(name: string): Promise<void> {
  await start(name);
  const joined = await h.client(name, 'Swarm')('Join', {
    token: workerToken,
    remoteAddr: `127.0.0.1:${port}`,
    listenAddr: `127.0.0.1:${await freePort()}`,
    advertiseAddr: '',
  });
  ids.set(name, String(joined.nodeId));
}

async function nodes(): Promise<WireNode[]> {
  return (await control('ListNodes', {})).nodes as WireNode[];
}

async function tasksOf(service: string): Promise<WireTask[]> {
  const req = { filters: { serviceIds: [service], nodeIds: [], desiredStates: [] } };
  return (await control('ListTasks', req)).tasks as WireTask[];
}

/** The running tasks of `service` that are meant to run, by node name. */
async function running(service: string): Promise<Map<string, WireTask[]>> {
  const names = new Map([...ids].map(([name, id]) => [id, name]));
  const byNode = new Map<string, WireTask[]>();
  for (const t of await tasksOf(service)) {
    if (t.status.state !== 'running' || t.desiredState !== 'running') continue;
    const name = names.get(t.nodeId) ?? t.nodeId;
    byNode.set(name, [...(byNode.get(name) ?? []), t]);
  }
  return byNode;
}

/** Node name → how many running tasks of `service` it has, once exactly `total` run. */
async function spread(service: string, total: number): Promise<Record<string, number>> {
  let counts: Record<string, number> = {};
  await until(
    `${total} running tasks of ${service}`,
    async () => {
      const byNode = await running(service);
      counts = Object.fromEntries([...byNode].map(([n, ts]) => [n, ts.length]));
      return [...byNode.values()].reduce((sum, ts) => sum + ts.length, 0) === total;
    },
    15_000,
  );
  return counts;
}

async function create(name: string, o: Record<string, unknown> = {}): Promise<WireService> {
  const spec = { name, mode: 'replicated', replicas: 1, task: { command: ['sleep', '1000'] }, ...o };
  return (await control('CreateService', { spec })).service as WireService;
}

async function scale(name: string, replicas: number): Promise<void> {
  await retryOutOfSequence(async () => {
    const s = (await control('GetService', { serviceId: name })).service as WireService;
    await control('UpdateService', { serviceId: s.id, version: s.version, spec: { ...s.spec, replicas } });
  });
}

async function setNode(name: string, o: { availability?: string; labelAdd?: Record<string, string> }) {
  await retryOutOfSequence(async () => {
    const n = (await control('GetNode', { nodeId: ids.get(name) })).node as WireNode;
    await control('UpdateNode', {
      nodeId: n.id,
      version: n.version,
      availability: o.availability ?? '',
      labelAdd: o.labelAdd ?? {},
      labelRm: [],
      desiredRole: '',
    });
  });
}

before(async () => {
  await start('m1');
  port = await freePort();
  const init = await h.client('m1', 'Swarm')('Init', { listenAddr: `127.0.0.1:${port}`, advertiseAddr: '' });
  workerToken = String(init.workerToken);
  ids.set('m1', String(init.nodeId));
  control = h.client('m1', 'Control');
  await setNode('m1', { availability: 'drain' });
  for (const name of ['w1', 'w2', 'w3']) await join(name);
  await until('every node READY', async () => (await nodes()).every(n => n.status === 'ready'));
  await control('CreateNetwork', { spec: { name: 'test', driver: 'overlay' } });
});

test('6 replicas spread 2-2-2 over the workers, each with its own address; scale to 10, then to 2', async () => {
  const web = await create('web', { replicas: 6, networks: ['test'] });
  assert.deepEqual(await spread('web', 6), { w1: 2, w2: 2, w3: 2 });
  const tasks = (await tasksOf('web')).filter(t => t.desiredState === 'running');
  const addresses = tasks.flatMap(t => t.networks.flatMap(n => n.addresses));
  assert.equal(new Set(addresses).size, 6, 'six distinct addresses');
  assert.ok(!addresses.includes(web.endpoint?.virtualIps[0]?.addr ?? ''), 'none is the VIP');
  assert.deepEqual(
    tasks.map(t => t.slot).sort((a, b) => a - b),
    [1, 2, 3, 4, 5, 6],
  );

  await scale('web', 10);
  const ten = await spread('web', 10);
  assert.equal(Math.max(...Object.values(ten)) - Math.min(...Object.values(ten)), 1, JSON.stringify(ten));
  await scale('web', 2);
  await spread('web', 2);
  await until('the scaled-away tasks to go', async () => (await tasksOf('web')).length === 2);
});

test('a global service runs one task per eligible node, and follows a node that joins', async () => {
  await create('agent', { mode: 'global', replicas: 0 });
  assert.deepEqual(await spread('agent', 3), { w1: 1, w2: 1, w3: 1 });
  await join('w4');
  assert.deepEqual(await spread('agent', 4), { w1: 1, w2: 1, w3: 1, w4: 1 });
});

test('a label constraint is honoured; a host port two tasks want on one node leaves one PENDING', async () => {
  await setNode('w2', { labelAdd: { zone: 'a' } });
  await create('zoned', {
    replicas: 3,
    task: { command: ['sleep', '1'], constraints: ['node.labels.zone==a'] },
  });
  assert.deepEqual(await spread('zoned', 3), { w2: 3 });

  await create('hostport', {
    replicas: 2,
    task: { command: ['sleep', '1'], constraints: ['node.labels.zone==a'] },
    endpoint: {
      mode: 'vip',
      ports: [{ protocol: 'tcp', targetPort: 80, publishedPort: 8080, publishMode: 'host' }],
    },
  });
  await spread('hostport', 1);
  await until('the other one PENDING with the reason', async () =>
    (await tasksOf('hostport')).some(
      t =>
        t.status.state === 'pending' &&
        t.status.err ===
          // m1 is drained; w1, w3 and w4 are not in zone a; w2 holds the port.
          'no suitable node (scheduling constraints not satisfied on 3 nodes; 1 node not available for new tasks; host-mode port already in use on 1 node)',
    ),
  );
});

test('a stopped worker goes DOWN and its tasks run elsewhere; restarted, it is READY again', async () => {
  await h.stop('w3');
  const w3 = ids.get('w3');
  await until(
    'w3 DOWN',
    async () => (await nodes()).find(n => n.id === w3)?.status === 'down',
    3 * PERIOD * 1.5 + 2000,
  );
  // web (2 replicas) and agent keep their counts; none of web's runs on w3.
  const web = await spread('web', 2);
  assert.equal(web.w3, undefined);
  await start('w3');
  await until('w3 READY again', async () => (await nodes()).find(n => n.id === w3)?.status === 'ready');
  assert.deepEqual(await spread('agent', 4), { w1: 1, w2: 1, w3: 1, w4: 1 });
});

test('drain moves a node’s tasks away; pause keeps them but takes no new ones', async () => {
  await scale('web', 6);
  await spread('web', 6);
  await setNode('w1', { availability: 'drain' });
  const drained = await spread('web', 6);
  await until('w1 to run none of web', async () => !(await running('web')).has('w1'));
  assert.equal(drained.w1, undefined);

  await setNode('w1', { availability: 'active' });
  await setNode('w4', { availability: 'pause' });
  const before = (await running('web')).get('w4')?.length ?? 0;
  await scale('web', 9);
  const after = await spread('web', 9);
  assert.equal(after.w4 ?? 0, before, 'the paused node keeps its tasks and gets no new one');
});

async function service(name: string): Promise<WireService> {
  return (await control('GetService', { serviceId: name })).service as WireService;
}

async function updateArgs(name: string, args: string[]): Promise<void> {
  await retryOutOfSequence(async () => {
    const s = await service(name);
    const spec = { ...s.spec, task: { ...s.spec.task, args } };
    await control('UpdateService', { serviceId: s.id, version: s.version, spec });
  });
}

test('a rolling update with parallelism 2 and a 1 s delay replaces the tasks two at a time', async () => {
  const update = {
    parallelism: 2,
    delayMs: 1000,
    failureAction: 'rollback',
    monitorMs: 100,
    maxFailureRatio: 0,
    order: 'stop-first',
  };
  await create('roll', { replicas: 4, task: { command: ['sleep', '1000'], args: ['v1'] }, update });
  await spread('roll', 4);
  await updateArgs('roll', ['v2']);
  await until(
    'four v2 tasks running',
    async () => {
      const byNode = await running('roll');
      const live = [...byNode.values()].flat();
      return live.length === 4 && live.every(t => t.spec.args[0] === 'v2');
    },
    15_000,
  );
  const created = (await tasksOf('roll'))
    .filter(t => t.spec.args[0] === 'v2')
    .map(t => t.createdAt)
    .sort((a, b) => a - b);
  assert.equal(created.length, 4);
  const [a = 0, b = 0, c = 0, d = 0] = created;
  assert.ok(b - a < 1000 && d - c < 1000, `two batches of two: ${created.map(t => t - a).join(', ')} ms`);
  assert.ok(c - b >= 1000, `the second batch waits the delay: ${created.map(t => t - a).join(', ')} ms`);
  await until(
    'the update completed',
    async () => (await service('roll')).updateStatus?.state === 'completed',
    15_000,
  );
});

test('a failing new spec with failure action rollback returns to the previous spec', async () => {
  await updateArgs('roll', ['fail']);
  await until(
    'the rollback to complete',
    async () => (await service('roll')).updateStatus?.state === 'rollback_completed',
    20_000,
  );
  const s = await service('roll');
  assert.deepEqual(s.spec.task?.args, ['v2']);
  assert.match(s.updateStatus?.message ?? '', /rollback completed/);
  await until(
    'four v2 tasks running again',
    async () => {
      const live = [...(await running('roll')).values()].flat();
      return live.length === 4 && live.every(t => t.spec.args[0] === 'v2');
    },
    15_000,
  );
});
