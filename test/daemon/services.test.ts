/**
 * Services and tasks end to end through an in-process shoald's unix socket: the scenario (a VIP on
 * each network, none for dnsrr, an ingress VIP first and dynamic ports 30000, 30001 when publishing),
 * Swarm's defaults, name and port conflicts, lookups and filters, updates (version check, rename refused,
 * reallocation kept or refused whole), removal (tasks marked for removal, VIPs and ports free again), a
 * network in use, task reads over tasks written into the manager's store, and a follower that forwards the
 * allocating calls to the leader. The manager's task pipeline is stopped: this is the API alone.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { WireNetwork, WireService, WireTask } from '../../proto/control-types.ts';
import type { Daemon } from '../../node/daemon.ts';
import type { Manager } from '../../server/manager/manager.ts';
import { createTask, type Task, type TaskState } from '../../server/store/index.ts';
import { freePort, harness, stopTaskPipeline, until, type Call } from './helpers.ts';

const h = harness('shoal-services-');
after(() => h.cleanup());

let control: Call;
let m1: Daemon;
let testNet: WireNetwork;
let ingress: WireNetwork;

function managerOf(d: Daemon): Manager {
  const m = (d as unknown as { manager?: Manager }).manager;
  assert.ok(m !== undefined, 'the daemon runs a manager');
  return m;
}

before(async () => {
  m1 = await h.daemon('m1');
  await h.client('m1', 'Swarm')('Init', { listenAddr: `127.0.0.1:${await freePort()}`, advertiseAddr: '' });
  control = h.client('m1', 'Control');
  // The Control API alone: tasks here are written by hand, and no task takes an address a test expects.
  stopTaskPipeline(m1);
  testNet = (await control('CreateNetwork', { spec: { name: 'test' } })).network as WireNetwork;
  ingress = (await control('GetNetwork', { networkId: 'ingress' })).network as WireNetwork;
});

function spec(name: string, o: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, mode: 'replicated', replicas: 1, task: { command: ['sleep', '1000'] }, ...o };
}

async function create(name: string, o: Record<string, unknown> = {}, via = control): Promise<WireService> {
  return (await via('CreateService', { spec: spec(name, o) })).service as WireService;
}

async function get(ref: string): Promise<WireService> {
  return (await control('GetService', { serviceId: ref })).service as WireService;
}

async function list(filters?: object): Promise<WireService[]> {
  return (await control('ListServices', filters === undefined ? {} : { filters })).services as WireService[];
}

async function update(s: WireService, o: Record<string, unknown>, version = s.version): Promise<WireService> {
  const req = { serviceId: s.id, version, spec: { ...s.spec, ...o } };
  return (await control('UpdateService', req)).service as WireService;
}

function ingressPort(targetPort: number, publishedPort = 0): object {
  return { protocol: 'tcp', targetPort, publishedPort, publishMode: 'ingress' };
}

test('the scenario: a VIP on each network of the spec, Swarm defaults for what is absent', async () => {
  assert.equal(testNet.allocation?.subnet, '10.0.1.0/24');
  const web = await create('web', { replicas: 2, networks: ['test'] });
  assert.deepEqual(web.endpoint, { ports: [], virtualIps: [{ networkId: testNet.id, addr: '10.0.1.2/24' }] });
  assert.equal(web.previousSpec, null);
  assert.deepEqual(web.spec, {
    name: 'web',
    labels: {},
    mode: 'replicated',
    replicas: 2,
    task: {
      command: ['sleep', '1000'],
      args: [],
      env: [],
      constraints: [],
      restart: { condition: 'any', delayMs: 5000, maxAttempts: 0 },
      stopGracePeriodMs: 10_000,
    },
    // Names are resolved to IDs before the spec is stored.
    networks: [testNet.id],
    endpoint: { mode: 'vip', ports: [] },
    update: {
      parallelism: 1,
      delayMs: 0,
      failureAction: 'pause',
      monitorMs: 5000,
      maxFailureRatio: 0,
      order: 'stop-first',
    },
  });
  assert.deepEqual(await get('web'), web);
});

test('replicas 0 is kept; global mode; a network named by ID prefix', async () => {
  const zero = await create('zero', { replicas: 0, networks: [testNet.id.slice(0, 5)] });
  assert.equal(zero.spec.mode, 'replicated');
  assert.equal(zero.spec.replicas, 0);
  assert.deepEqual(zero.spec.networks, [testNet.id]);
  assert.deepEqual(zero.endpoint?.virtualIps, [{ networkId: testNet.id, addr: '10.0.1.3/24' }]);
  const global = await create('everywhere', { mode: 'global', replicas: 0 });
  assert.equal(global.spec.mode, 'global');
  assert.deepEqual(global.endpoint, { ports: [], virtualIps: [] });
});

test('a dnsrr service gets no VIP', async () => {
  const rr = await create('rr', {
    networks: ['test'],
    endpoint: { mode: 'dnsrr', ports: [{ targetPort: 53, publishedPort: 53, publishMode: 'host' }] },
  });
  assert.equal(rr.spec.endpoint?.mode, 'dnsrr');
  assert.deepEqual(rr.endpoint?.virtualIps, []);
  assert.deepEqual(rr.endpoint?.ports, [
    { name: '', protocol: 'tcp', targetPort: 53, publishedPort: 53, publishMode: 'host' },
  ]);
});

test('publishing in ingress mode adds an ingress VIP first; published port 0 gets 30000, then 30001', async () => {
  const pub = await create('pub', { networks: ['test'], endpoint: { ports: [ingressPort(80)] } });
  assert.deepEqual(pub.endpoint?.virtualIps, [
    { networkId: ingress.id, addr: '10.0.0.2/24' },
    { networkId: testNet.id, addr: '10.0.1.4/24' },
  ]);
  assert.deepEqual(pub.endpoint?.ports, [
    { name: '', protocol: 'tcp', targetPort: 80, publishedPort: 30000, publishMode: 'ingress' },
  ]);
  // The spec keeps what was asked: 0.
  assert.equal(pub.spec.endpoint?.ports[0]?.publishedPort, 0);
  const pub2 = await create('pub2', { endpoint: { ports: [ingressPort(80)] } });
  assert.deepEqual(pub2.endpoint?.virtualIps, [{ networkId: ingress.id, addr: '10.0.0.3/24' }]);
  assert.equal(pub2.endpoint?.ports[0]?.publishedPort, 30001);
  // The networks' serial cursors are written with the services: the stored allocation says where they are.
  const stored = (await control('GetNetwork', { networkId: 'ingress' })).network as WireNetwork;
  assert.deepEqual(stored.allocation, ingress.allocation);
});

test('conflicts: a taken name, a published port in use, duplicate ports; nothing is written or taken', async () => {
  const servicesBefore = await list();
  const networksBefore = (await control('ListNetworks', {})).networks;
  const pub = await get('pub');
  await assert.rejects(create('web'), {
    code: grpc.status.ALREADY_EXISTS,
    details: 'name conflicts with an existing object: service web already exists',
  });
  await assert.rejects(create('WEB'), { code: grpc.status.ALREADY_EXISTS });
  await assert.rejects(create('taker', { endpoint: { ports: [ingressPort(8080, 30000)] } }), {
    code: grpc.status.INVALID_ARGUMENT,
    details: `port '30000' is already in use by service 'pub' (${pub.id}) as an ingress port`,
  });
  await assert.rejects(
    create('dup', { endpoint: { ports: [ingressPort(80, 9000), ingressPort(81, 9000)] } }),
    { code: grpc.status.INVALID_ARGUMENT, details: 'EndpointSpec: duplicate published ports provided' },
  );
  assert.deepEqual(await list(), servicesBefore);
  assert.deepEqual((await control('ListNetworks', {})).networks, networksBefore);
  // The refusals took nothing: the next service gets the next address and the next dynamic port.
  const next = await create('next', { networks: ['test'], endpoint: { ports: [ingressPort(90)] } });
  assert.deepEqual(next.endpoint?.virtualIps, [
    { networkId: ingress.id, addr: '10.0.0.4/24' },
    { networkId: testNet.id, addr: '10.0.1.5/24' },
  ]);
  assert.equal(next.endpoint?.ports[0]?.publishedPort, 30002);
});

test('GetService by ID, name or unique prefix; NotFound; ListServices filters', async () => {
  const web = await get('web');
  assert.deepEqual(await get(web.id), web);
  assert.deepEqual(await get(web.id.slice(0, 6)), web);
  await assert.rejects(get('nope'), { code: grpc.status.NOT_FOUND, details: 'service nope not found' });
  await assert.rejects(get(''), { code: grpc.status.INVALID_ARGUMENT });
  const names = (ss: WireService[]): string[] => ss.map(s => s.spec.name).sort();
  assert.deepEqual(names(await list({ names: ['web', 'rr'], idPrefixes: [] })), ['rr', 'web']);
  assert.deepEqual(names(await list({ names: [], idPrefixes: [web.id.slice(0, 8)] })), ['web']);
  assert.deepEqual(await list({ names: ['nope'], idPrefixes: [] }), []);
  assert.ok((await list()).length >= 7);
});

test('UpdateService: a stale version, a rename and a mode change are refused; a scale keeps the endpoint', async () => {
  const web = await get('web');
  await assert.rejects(update(web, { replicas: 3 }, web.version - 1), {
    code: grpc.status.INVALID_ARGUMENT,
    details: 'update out of sequence',
  });
  await assert.rejects(update(web, { name: 'web2' }), {
    code: grpc.status.UNIMPLEMENTED,
    details: 'renaming services is not supported',
  });
  await assert.rejects(update(web, { mode: 'global', replicas: 0 }), {
    code: grpc.status.UNIMPLEMENTED,
    details: 'service mode change is not allowed',
  });
  await assert.rejects(control('UpdateService', { serviceId: 'nope', version: 1, spec: web.spec }), {
    code: grpc.status.NOT_FOUND,
    details: 'service nope not found',
  });
  assert.deepEqual(await get('web'), web);

  const scaled = await update(web, { replicas: 3 });
  assert.equal(scaled.spec.replicas, 3);
  assert.ok(scaled.version > web.version);
  assert.deepEqual(scaled.previousSpec, web.spec);
  assert.deepEqual(scaled.endpoint, web.endpoint);
  // The version read before the update is stale now.
  await assert.rejects(update(web, { replicas: 4 }), { details: 'update out of sequence' });
});

test('UpdateService reallocates when networks or ports change, keeping what still fits', async () => {
  const other = (await control('CreateNetwork', { spec: { name: 'other' } })).network as WireNetwork;
  assert.equal(other.allocation?.subnet, '10.0.2.0/24');
  const web = await get('web');
  const twoNets = await update(web, { networks: ['test', 'other'] });
  assert.deepEqual(twoNets.endpoint?.virtualIps, [
    { networkId: testNet.id, addr: '10.0.1.2/24' },
    { networkId: other.id, addr: '10.0.2.2/24' },
  ]);
  const published = await update(twoNets, { endpoint: { mode: 'vip', ports: [ingressPort(80)] } });
  assert.deepEqual(published.endpoint?.virtualIps, [
    { networkId: ingress.id, addr: '10.0.0.5/24' },
    { networkId: testNet.id, addr: '10.0.1.2/24' },
    { networkId: other.id, addr: '10.0.2.2/24' },
  ]);
  assert.equal(published.endpoint?.ports[0]?.publishedPort, 30003);
  // Back to one network and no ports: the others are freed.
  const back = await update(published, { networks: ['test'], endpoint: null });
  assert.deepEqual(back.endpoint, {
    ports: [],
    virtualIps: [{ networkId: testNet.id, addr: '10.0.1.2/24' }],
  });
  const dnsrr = await update(back, { endpoint: { mode: 'dnsrr', ports: [] } });
  assert.deepEqual(dnsrr.endpoint?.virtualIps, []);
});

test('a refused reallocation writes nothing and keeps the old allocation', async () => {
  const pub = await get('pub');
  const web = await get('web');
  const networksBefore = (await control('ListNetworks', {})).networks;
  // Port 30000 belongs to pub.
  await assert.rejects(
    update(web, { networks: ['test', 'other'], endpoint: { mode: 'vip', ports: [ingressPort(80, 30000)] } }),
    {
      code: grpc.status.INVALID_ARGUMENT,
      details: `port '30000' is already in use by service 'pub' (${pub.id}) as an ingress port`,
    },
  );
  assert.deepEqual(await get('web'), web);
  assert.deepEqual(await get('pub'), pub);
  assert.deepEqual((await control('ListNetworks', {})).networks, networksBefore);
  // And the pools kept it too: the port is still pub's, and web's address on test is still web's.
  await assert.rejects(create('taker', { endpoint: { ports: [ingressPort(80, 30000)] } }), {
    details: `port '30000' is already in use by service 'pub' (${pub.id}) as an ingress port`,
  });
  const vipAgain = await update(web, { endpoint: { mode: 'vip', ports: [] } });
  assert.deepEqual(vipAgain.endpoint?.virtualIps, [{ networkId: testNet.id, addr: '10.0.1.6/24' }]);
});

function task(id: string, serviceId: string, o: Partial<Task> = {}): Task {
  return {
    id,
    meta: { version: { index: 0 }, createdAt: 0, updatedAt: 0 },
    serviceId,
    slot: 1,
    nodeId: '',
    desiredState: 'running',
    status: { state: 'new', timestamp: 1 },
    spec: {
      command: ['sleep', '1000'],
      args: [],
      env: [],
      constraints: [],
      restart: { condition: 'any', delayMs: 5000, maxAttempts: 0 },
      stopGracePeriodMs: 10_000,
    },
    networks: [],
    ...o,
  };
}

async function writeTasks(tasks: Task[]): Promise<void> {
  const m = managerOf(m1);
  await m.store.update(tx => {
    for (const t of tasks) createTask(tx, t);
  }, Date.now());
}

async function listTasks(filters: Partial<Record<'serviceIds' | 'nodeIds' | 'desiredStates', string[]>>) {
  const res = await control('ListTasks', { filters });
  return (res.tasks as WireTask[]).map(t => t.id).sort();
}

test('GetTask and ListTasks over tasks written into the store: filters by service, node, desired state', async () => {
  assert.deepEqual((await control('ListTasks', {})).tasks, []);
  const web = await get('web');
  const rr = await get('rr');
  const state = (s: TaskState): Partial<Task> => ({ desiredState: s });
  await writeTasks([
    task('taskweb1aaaa', web.id, {
      nodeId: 'node-a',
      networks: [{ networkId: testNet.id, addresses: ['10.0.1.200/24'] }],
    }),
    task('taskweb2bbbb', web.id, { slot: 2, nodeId: 'node-b', ...state('shutdown') }),
    task('taskrr1cccc', rr.id, { nodeId: 'node-a' }),
  ]);
  const one = (await control('GetTask', { taskId: 'taskweb1aaaa' })).task as WireTask;
  assert.equal(one.serviceId, web.id);
  assert.equal(one.nodeId, 'node-a');
  assert.equal(one.desiredState, 'running');
  assert.deepEqual(one.status, { state: 'new', timestamp: 1, message: '', err: '' });
  assert.deepEqual(one.networks, [{ networkId: testNet.id, addresses: ['10.0.1.200/24'] }]);
  assert.equal(one.endpoint, null);
  assert.deepEqual(one.spec.restart, { condition: 'any', delayMs: 5000, maxAttempts: 0 });
  assert.equal(((await control('GetTask', { taskId: 'taskrr' })).task as WireTask).id, 'taskrr1cccc');
  await assert.rejects(control('GetTask', { taskId: 'taskweb' }), { code: grpc.status.INVALID_ARGUMENT });
  await assert.rejects(control('GetTask', { taskId: 'nope' }), {
    code: grpc.status.NOT_FOUND,
    details: 'task nope not found',
  });

  assert.deepEqual(await listTasks({}), ['taskrr1cccc', 'taskweb1aaaa', 'taskweb2bbbb']);
  assert.deepEqual(await listTasks({ serviceIds: ['web'] }), ['taskweb1aaaa', 'taskweb2bbbb']);
  assert.deepEqual(await listTasks({ serviceIds: [web.id] }), ['taskweb1aaaa', 'taskweb2bbbb']);
  assert.deepEqual(await listTasks({ serviceIds: [rr.id.slice(0, 7)] }), ['taskrr1cccc']);
  assert.deepEqual(await listTasks({ serviceIds: ['web', 'rr'] }), [
    'taskrr1cccc',
    'taskweb1aaaa',
    'taskweb2bbbb',
  ]);
  assert.deepEqual(await listTasks({ serviceIds: ['nope'] }), []);
  assert.deepEqual(await listTasks({ nodeIds: ['node-a'] }), ['taskrr1cccc', 'taskweb1aaaa']);
  assert.deepEqual(await listTasks({ desiredStates: ['running'] }), ['taskrr1cccc', 'taskweb1aaaa']);
  assert.deepEqual(await listTasks({ serviceIds: ['web'], desiredStates: ['running', 'shutdown'] }), [
    'taskweb1aaaa',
    'taskweb2bbbb',
  ]);
  assert.deepEqual(
    await listTasks({ serviceIds: ['web'], nodeIds: ['node-b'], desiredStates: ['running'] }),
    [],
  );
  await assert.rejects(listTasks({ desiredStates: ['sleeping'] }), {
    code: grpc.status.INVALID_ARGUMENT,
    details: /invalid desired state "sleeping"/,
  });
});

test('a network a service uses cannot be removed', async () => {
  const users = (await list()).filter(s => s.spec.networks.includes(testNet.id)).map(s => s.id);
  assert.ok(users.length > 0);
  await assert.rejects(control('RemoveNetwork', { networkId: 'test' }), (err: grpc.ServiceError) => {
    assert.equal(err.code, grpc.status.FAILED_PRECONDITION);
    const match = /^network (\S+) is in use by service (\S+)$/.exec(err.details);
    assert.ok(match, err.details);
    assert.equal(match[1], testNet.id);
    assert.ok(users.includes(match[2] ?? ''), err.details);
    return true;
  });
  // A network only one service uses names that service.
  const lone = (await control('CreateNetwork', { spec: { name: 'lone' } })).network as WireNetwork;
  const user = await create('lone-user', { networks: ['lone'] });
  await assert.rejects(control('RemoveNetwork', { networkId: 'lone' }), {
    code: grpc.status.FAILED_PRECONDITION,
    details: `network ${lone.id} is in use by service ${user.id}`,
  });
  await control('RemoveService', { serviceId: 'lone-user' });
  await control('RemoveNetwork', { networkId: 'lone' });
});

test('RemoveService deletes the service, marks its tasks for removal and frees its ports', async () => {
  const pub = await get('pub');
  await writeTasks([
    task('taskpub1dddd', pub.id),
    task('taskpub2eeee', pub.id, { desiredState: 'shutdown' }),
  ]);
  await control('RemoveService', { serviceId: 'pub' });
  await assert.rejects(get('pub'), { code: grpc.status.NOT_FOUND });
  await assert.rejects(control('RemoveService', { serviceId: 'pub' }), {
    code: grpc.status.NOT_FOUND,
    details: 'service pub not found',
  });
  const tasks = (await control('ListTasks', { filters: { serviceIds: [pub.id] } })).tasks as WireTask[];
  assert.deepEqual(
    tasks.map(t => [t.id, t.desiredState]),
    [
      ['taskpub1dddd', 'remove'],
      ['taskpub2eeee', 'remove'],
    ],
  );
  // Its port is free for the next service.
  const taker = await create('taker', { endpoint: { ports: [ingressPort(80, 30000)] } });
  assert.equal(taker.endpoint?.ports[0]?.publishedPort, 30000);
});

test('a removed service frees its VIPs: a full subnet takes a new service again', async () => {
  const small = (await control('CreateNetwork', { spec: { name: 'small', subnet: '10.99.0.0/29' } }))
    .network as WireNetwork;
  // .1 is the gateway: .2 to .6 are the five VIPs there are.
  const made: WireService[] = [];
  for (let i = 0; i < 5; i++) made.push(await create(`small${i}`, { networks: ['small'] }));
  assert.deepEqual(
    made.map(s => s.endpoint?.virtualIps[0]?.addr),
    ['10.99.0.2/29', '10.99.0.3/29', '10.99.0.4/29', '10.99.0.5/29', '10.99.0.6/29'],
  );
  await assert.rejects(create('small5', { networks: ['small'] }), {
    code: grpc.status.RESOURCE_EXHAUSTED,
    details: /^could not find an available IP while allocating VIP/,
  });
  await assert.rejects(get('small5'), { code: grpc.status.NOT_FOUND });
  await control('RemoveService', { serviceId: 'small2' });
  const again = await create('small5', { networks: ['small'] });
  assert.deepEqual(again.endpoint?.virtualIps, [{ networkId: small.id, addr: '10.99.0.4/29' }]);
  for (const s of ['small0', 'small1', 'small3', 'small4', 'small5']) {
    await control('RemoveService', { serviceId: s });
  }
  await control('RemoveNetwork', { networkId: 'small' });
});

test('a restarted manager rebuilds its pools from the services and hands out no duplicate', async () => {
  const before = await list();
  await h.stop('m1');
  m1 = await h.daemon('m1');
  stopTaskPipeline(m1);
  control = h.client('m1', 'Control');
  assert.deepEqual(await list(), before);
  const taken = before.flatMap(s => s.endpoint?.virtualIps.map(v => v.addr) ?? []);
  const fresh = await create('after-restart', { networks: ['test'], endpoint: { ports: [ingressPort(80)] } });
  for (const v of fresh.endpoint?.virtualIps ?? []) assert.ok(!taken.includes(v.addr), v.addr);
  const ports = before.flatMap(s => s.endpoint?.ports.map(p => p.publishedPort) ?? []);
  assert.ok(!ports.includes(fresh.endpoint?.ports[0]?.publishedPort ?? 0));
});

test('a follower forwards CreateService, UpdateService and RemoveService to the leader', async () => {
  const tokens = (await control('GetCluster', {})).cluster as { managerToken: string };
  await h.daemon('m2');
  await h.client('m2', 'Swarm')('Join', {
    token: tokens.managerToken,
    remoteAddr: managerOf(m1).identity.addr,
    listenAddr: `127.0.0.1:${await freePort()}`,
    advertiseAddr: '',
  });
  const follower = h.client('m2', 'Control');
  await until('m2 follows m1', async () => {
    // Until m2 has heard from the leader, its linearizable read is refused (UNAVAILABLE): not yet.
    const nodes = await follower('ListNodes', {}).then(
      r => r.nodes as { managerStatus: string }[],
      (err: { code?: number }) => {
        if (err.code === grpc.status.UNAVAILABLE) return [];
        throw err;
      },
    );
    return nodes.length === 2 && managerOf(m1).raft.isLeader;
  });
  const byLeader = await create('by-leader', { networks: ['test'] });
  const viaFollower = await create('via-follower', { networks: ['test'] }, follower);
  // Allocated by the leader's pools: the next address after the leader's own last one.
  const last = (s: WireService): number =>
    Number(s.endpoint?.virtualIps[0]?.addr.split('/')[0]?.split('.')[3]);
  assert.equal(last(viaFollower), last(byLeader) + 1);
  const got = (await follower('GetService', { serviceId: 'via-follower' })).service as WireService;
  assert.deepEqual(got, viaFollower);
  const updated = (
    await follower('UpdateService', {
      serviceId: got.id,
      version: got.version,
      spec: { ...got.spec, replicas: 5 },
    })
  ).service as WireService;
  assert.equal(updated.spec.replicas, 5);
  await follower('RemoveService', { serviceId: 'via-follower' });
  await assert.rejects(get('via-follower'), { code: grpc.status.NOT_FOUND });
});
