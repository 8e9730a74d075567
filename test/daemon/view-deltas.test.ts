/**
 * Network views sent as deltas, end to end on loopback with real daemons (3 managers, 1 worker, test
 * executors): every agent's view — made from a full view and the deltas after it — equals the one
 * networkViewFor computes from the leader's store, after services, networks and scaling change it; and
 * it stays so across a leader change, where every agent re-opens its stream with the new leader and
 * starts from a full view again (its deltas chain from that one, not from the old leader's).
 */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { after, before, test } from 'node:test';
import type { AssignedTask, Executor, StatusListener } from '../../agent/exec/executor.ts';
import { TestExecutor } from '../../agent/exec/test-executor.ts';
import type { Agent } from '../../agent/session/agent.ts';
import type { WireService } from '../../proto/control-types.ts';
import type { NetworkView } from '../../proto/dispatcher-types.ts';
import { DEFAULT_GATEWAY_SUBNET } from '../../server/allocator/index.ts';
import { networkViewFor } from '../../server/dispatcher/network-view.ts';
import type { Daemon } from '../../node/daemon.ts';
import type { Manager } from '../../server/manager/manager.ts';
import { findClusters, findNetworks, findNodes, findServices, findTasks } from '../../server/store/index.ts';
import { freePort, harness, nodeCredentials, until } from './helpers.ts';
import { clientOf, loadShoalPackage } from '../../proto/load.ts';
import { retryOutOfSequence } from './out-of-sequence.ts';

/** The test executor, keeping the view it was handed last. */
class ViewRecorder implements Executor {
  readonly inner = new TestExecutor({ stepMs: 5 });
  view: NetworkView | undefined;
  views = 0;
  apply(tasks: readonly AssignedTask[], view: NetworkView): void {
    this.view = view;
    this.views++;
    this.inner.apply(tasks);
  }
  onStatus(listener: StatusListener): () => void {
    return this.inner.onStatus(listener);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const PERIOD = 1000;
const NAMES = ['m1', 'm2', 'm3', 'w1'];
const h = harness('shoal-view-deltas-');
after(() => h.cleanup());

const daemons = new Map<string, Daemon>();
const recorders = new Map<string, ViewRecorder>();
const ids = new Map<string, string>();
const running = new Set<string>();

async function start(name: string): Promise<void> {
  const executor = new ViewRecorder();
  recorders.set(name, executor);
  daemons.set(
    name,
    await h.daemon(name, {
      pollMs: 50,
      executor,
      // Views of more than a few entities go in parts: every view below is cut (view-parts.ts).
      dispatcher: { heartbeatPeriodMs: PERIOD, viewPartEntities: 3 },
    }),
  );
  running.add(name);
}

const daemonOf = (name: string): unknown => daemons.get(name);
const managerOf = (name: string): Manager | undefined =>
  running.has(name) ? (daemonOf(name) as { manager?: Manager } | undefined)?.manager : undefined;
const agentOf = (name: string): Agent | undefined =>
  (daemonOf(name) as { agent?: { session: Agent } } | undefined)?.agent?.session;
const leader = (): string | undefined => [...running].find(n => managerOf(n)?.raft.isLeader === true);

/** Each running node's view as the leader's store makes it from scratch, and as its agent holds it. */
function views(): { name: string; want: NetworkView; held: NetworkView | undefined }[] {
  const lead = managerOf(leader() ?? '');
  if (lead === undefined) return [];
  const inputs = lead.store.view(tx => ({
    nodes: findNodes(tx),
    networks: findNetworks(tx),
    services: findServices(tx),
    tasks: findTasks(tx),
    gatewaySubnet: findClusters(tx)[0]?.gatewaySubnet ?? DEFAULT_GATEWAY_SUBNET,
  }));
  return [...running].map(name => ({
    name,
    want: networkViewFor(ids.get(name) ?? '', inputs),
    held: recorders.get(name)?.view,
  }));
}

async function viewsCorrect(what: string): Promise<void> {
  await until(
    what,
    () => {
      const v = views();
      return Promise.resolve(v.length > 0 && v.every(x => isDeepStrictEqual(x.held, x.want)));
    },
    20_000,
  );
  for (const { name, want, held } of views()) assert.deepEqual(held, want, `${name}: ${what}`);
}

async function control(method: string, req: object): Promise<Record<string, unknown>> {
  return h.client(leader() ?? 'm1', 'Control')(method, req);
}

async function allRunning(service: string, replicas: number): Promise<void> {
  await until(
    `${service}: ${replicas} running`,
    async () => {
      const tasks = ((await control('ListTasks', { filters: { serviceIds: [service] } })).tasks ?? []) as {
        status: { state: string } | null;
        desiredState: string;
      }[];
      return (
        tasks.filter(t => t.status?.state === 'running' && t.desiredState === 'running').length === replicas
      );
    },
    20_000,
  );
}

async function scale(name: string, replicas: number): Promise<void> {
  await retryOutOfSequence(async () => {
    const s = (await control('GetService', { serviceId: name })).service as WireService;
    await control('UpdateService', { serviceId: s.id, version: s.version, spec: { ...s.spec, replicas } });
  });
}

before(async () => {
  await start('m1');
  const port = await freePort();
  const init = await h.client('m1', 'Swarm')('Init', { listenAddr: `127.0.0.1:${port}`, advertiseAddr: '' });
  ids.set('m1', String(init.nodeId));
  for (const name of ['m2', 'm3', 'w1']) {
    await start(name);
    const joined = await h.client(name, 'Swarm')('Join', {
      token: String(name === 'w1' ? init.workerToken : init.managerToken),
      remoteAddr: `127.0.0.1:${port}`,
      listenAddr: `127.0.0.1:${await freePort()}`,
      advertiseAddr: '',
    });
    ids.set(name, String(joined.nodeId));
  }
  await until('every agent in session', () =>
    Promise.resolve(NAMES.every(n => agentOf(n)?.sessionId !== undefined)),
  );
});

test('every agent’s view, made from deltas, equals the view from scratch as services and networks change', async () => {
  await viewsCorrect('views before any service');
  await control('CreateNetwork', { spec: { name: 'front', driver: 'overlay' } });
  await control('CreateNetwork', { spec: { name: 'back', driver: 'overlay' } });
  const task = { command: ['sleep', '1000'] };
  await control('CreateService', {
    spec: {
      name: 'web',
      mode: 'replicated',
      replicas: 6,
      task,
      networks: ['front'],
      endpoint: { mode: 'vip', ports: [{ protocol: 'tcp', targetPort: 80, publishedPort: 8080 }] },
    },
  });
  await control('CreateService', {
    spec: { name: 'db', mode: 'replicated', replicas: 2, task, networks: ['front', 'back'] },
  });
  await allRunning('web', 6);
  await allRunning('db', 2);
  await viewsCorrect('views with two services');
  const before = NAMES.map(n => recorders.get(n)?.views ?? 0);
  await scale('web', 9);
  await allRunning('web', 9);
  await viewsCorrect('views after scaling up');
  assert.ok(
    NAMES.some((n, i) => (recorders.get(n)?.views ?? 0) > (before[i] ?? 0)),
    'the agents were sent something',
  );
  await control('RemoveService', { serviceId: 'db' });
  await scale('web', 3);
  await allRunning('web', 3);
  await viewsCorrect('views after a service removed and scaling down');
});

test('across a leader change, every agent starts from a full view with the new leader, and stays correct', async () => {
  const old = leader();
  assert.ok(old !== undefined);
  const sessions = new Map(NAMES.map(n => [n, agentOf(n)?.sessionId]));
  await h.stop(old);
  running.delete(old);
  daemons.delete(old);
  await until(
    'a new leader, with every agent in a new session with it',
    () => {
      const lead = leader();
      return Promise.resolve(
        lead !== undefined &&
          [...running].every(n => {
            const a = agentOf(n);
            return a?.sessionId !== undefined && a.sessionId !== sessions.get(n);
          }),
      );
    },
    30_000,
  );
  await viewsCorrect('views with the new leader');
  await scale('web', 5);
  await allRunning('web', 5);
  await control('CreateService', {
    spec: {
      name: 'cache',
      mode: 'replicated',
      replicas: 2,
      task: { command: ['sleep', '1000'] },
      networks: ['back'],
    },
  });
  await allRunning('cache', 2);
  await viewsCorrect('views after changes under the new leader');
});

test('a stream re-opened with what the agent holds is not sent it again, and the view stays correct', async () => {
  await viewsCorrect('views before');
  const agent = agentOf('w1');
  assert.ok(agent?.sessionId !== undefined && agent.manager !== undefined);
  const held = agent.heldNetworks();
  assert.ok(held.length > 0, 'w1 holds networks');
  const keptBefore = agent.networksKept;
  // A session of w1's own ends its agent's (ABORTED): the agent opens a new one with what it holds.
  const c = new (clientOf(loadShoalPackage('dispatcher.proto'), 'Dispatcher'))(
    agent.manager,
    nodeCredentials(h.root, 'w1'),
    { 'grpc.ssl_target_name_override': 'swarm-manager', 'grpc.use_local_subchannel_pool': 1 },
  );
  try {
    const session = c.Session({ hostname: 'w1' });
    session.on('error', () => undefined);
    await new Promise(resolve => session.once('data', resolve));
    session.cancel();
  } finally {
    c.close();
  }
  await until('w1 back in session, its networks kept', () =>
    Promise.resolve(agent.sessionId !== undefined && agent.networksKept >= keptBefore + held.length),
  );
  assert.equal(agent.networksKept, keptBefore + held.length, 'every network it held was kept');
  await viewsCorrect('views after w1 re-opened with what it held');
});
