/**
 * `shoal service …` in-process against a real daemon on loopback: the issue's scenario (an overlay
 * network `test`, `web` with two replicas on it and its VIP 10.0.1.2/24, a dnsrr service without VIPs,
 * an ingress port taken twice), docker's columns for `ls` and `ps` (with tasks written into the store,
 * since no orchestrator makes them yet), update, scale and rm, and the refusals users see.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Daemon } from '../../node/daemon.ts';
import type { Manager } from '../../server/manager/manager.ts';
import { createTask, type Task } from '../../server/store/index.ts';
import { freePort, harness, stopTaskPipeline } from '../daemon/helpers.ts';
import { runCli, type CliResult } from './run-cli.ts';

const h = harness('shoal-cli-services-');
after(() => h.cleanup());

const shoal = (argv: string[]): Promise<CliResult> => runCli(argv, join(h.root, 'm1.sock'));

/** Runs a command that must succeed; its standard output. */
async function ok(...argv: string[]): Promise<string> {
  const r = await shoal(argv);
  assert.equal(r.code, 0, `shoal ${argv.join(' ')}: ${r.err}`);
  assert.equal(r.err, '');
  return r.out;
}

interface Inspected {
  ID: string;
  Version: { Index: number };
  CreatedAt: string;
  UpdatedAt: string;
  Spec: {
    Name: string;
    Labels: Record<string, string>;
    TaskTemplate: {
      ContainerSpec: { Command?: string[]; Args?: string[]; Env?: string[] };
      Placement: { Constraints?: string[] };
      Networks?: { Target: string }[];
    };
    Mode: { Replicated?: { Replicas: number }; Global?: object };
    UpdateConfig: { Parallelism: number; Delay?: number };
    EndpointSpec: { Mode: string; Ports?: object[] };
  };
  PreviousSpec?: { Mode: { Replicated?: { Replicas: number } } };
  Endpoint: { Spec: object; Ports?: object[]; VirtualIPs?: { NetworkID: string; Addr: string }[] };
}

async function inspect(ref: string): Promise<Inspected> {
  const [s] = JSON.parse(await ok('service', 'inspect', ref)) as Inspected[];
  assert.ok(s);
  return s;
}

let daemon: Daemon;
let testId = '';
let ingressId = '';
let webId = '';

before(async () => {
  daemon = await h.daemon('m1');
  await ok('swarm', 'init', '--listen-addr', `127.0.0.1:${await freePort()}`);
  // The commands' output is checked against tasks written by hand: the manager must not make its own.
  stopTaskPipeline(daemon);
  testId = (await ok('network', 'create', '-d', 'overlay', 'test')).trim();
  ingressId = (await ok('network', 'ls', '-q', '--no-trunc', '--filter', 'name=ingress')).trim();
});

test('service create --name web --replicas 2 --network test -- sleep 1000: its VIP on test is 10.0.1.2/24', async () => {
  const out = await ok(
    'service',
    'create',
    '-d',
    '--name',
    'web',
    '--replicas',
    '2',
    '--network',
    'test',
    '--',
    'sleep',
    '1000',
  );
  assert.match(out, /^[0-9a-z]{25}\n$/);
  webId = out.trim();
  assert.equal(
    await ok('service', 'inspect', '--format', '{{json .Endpoint.VirtualIPs}}', 'web'),
    `[{"NetworkID":"${testId}","Addr":"10.0.1.2/24"}]\n`,
  );
  const s = await inspect(webId.slice(0, 8));
  assert.deepEqual(Object.keys(s), ['ID', 'Version', 'CreatedAt', 'UpdatedAt', 'Spec', 'Endpoint']);
  assert.equal(s.ID, webId);
  assert.match(s.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(s.Spec.Name, 'web');
  assert.deepEqual(s.Spec.Mode, { Replicated: { Replicas: 2 } });
  assert.deepEqual(s.Spec.TaskTemplate.ContainerSpec.Command, ['sleep']);
  assert.deepEqual(s.Spec.TaskTemplate.ContainerSpec.Args, ['1000']);
  assert.deepEqual(s.Spec.TaskTemplate.Networks, [{ Target: testId }]);
  assert.deepEqual(s.Spec.EndpointSpec, { Mode: 'vip' });
  assert.deepEqual(s.Endpoint.Spec, { Mode: 'vip' });
  // Arguments after COMMAND are the task's, even when they look like flags.
  const flagged = await ok('service', 'create', '-d', '--name', 'flags', 'sh', '-c', 'exit 0', '--name', 'x');
  const f = await inspect(flagged.trim());
  assert.equal(f.Spec.Name, 'flags');
  assert.deepEqual(f.Spec.TaskTemplate.ContainerSpec.Args, ['-c', 'exit 0', '--name', 'x']);
  assert.equal(await ok('service', 'rm', 'flags'), 'flags\n');
});

test('--endpoint-mode dnsrr: no VIPs', async () => {
  await ok(
    'service',
    'create',
    '-d',
    '--name',
    'rr',
    '--endpoint-mode',
    'dnsrr',
    '--network',
    'test',
    '--',
    'sleep',
    '1000',
  );
  assert.equal(await ok('service', 'inspect', '--format', '{{json .Endpoint.VirtualIPs}}', 'rr'), 'null\n');
  const s = await inspect('rr');
  assert.deepEqual(s.Endpoint, { Spec: { Mode: 'dnsrr' } });
});

test('-p 9000:80 on two services: the second is refused with Swarm’s text and nothing is created', async () => {
  assert.equal(await ok('service', 'update', '-d', '--publish-add', '9000:80', 'web'), 'web\n');
  const web = await inspect('web');
  assert.deepEqual(web.Endpoint.Ports, [
    { Protocol: 'tcp', TargetPort: 80, PublishedPort: 9000, PublishMode: 'ingress' },
  ]);
  // Publishing in ingress mode adds a VIP on the ingress network.
  assert.deepEqual(web.Endpoint.VirtualIPs?.map(v => v.NetworkID).sort(), [ingressId, testId].sort());
  assert.equal(web.PreviousSpec?.Mode.Replicated?.Replicas, 2);
  const r = await shoal(['service', 'create', '-d', '--name', 'api', '-p', '9000:80', '--', 'sleep', '1000']);
  assert.deepEqual(r, {
    code: 1,
    out: '',
    err: `Error response from daemon: port '9000' is already in use by service 'web' (${webId}) as an ingress port\n`,
  });
  const again = await shoal([
    'service',
    'create',
    '-d',
    '--name',
    'api',
    '--publish',
    'published=9000,target=8080',
    'sleep',
    '1',
  ]);
  assert.equal(again.code, 1);
  assert.match(again.err, /port '9000' is already in use by service 'web'/);
  assert.equal(await ok('service', 'ls', '--format', '{{.Name}}'), 'rr\nweb\n');
});

test('flag mistakes are refused before the daemon is asked', async () => {
  const cases: [string[], string][] = [
    [
      ['-p', '9000:abc'],
      'invalid argument "9000:abc" for "-p, --publish" flag: invalid containerPort: abc\n',
    ],
    [
      ['--publish', 'published=9001'],
      'invalid argument "published=9001" for "-p, --publish" flag: missing mandatory field \'target\'\n',
    ],
    [
      ['--update-delay', '10'],
      'invalid argument "10" for "--update-delay" flag: time: missing unit in duration "10"\n',
    ],
    [['--mode', 'global', '--replicas', '2'], 'replicas can only be used with replicated mode\n'],
  ];
  for (const [flags, err] of cases) {
    assert.deepEqual(await shoal(['service', 'create', '-d', '--name', 'bad', ...flags, 'sleep', '1']), {
      code: 1,
      out: '',
      err,
    });
  }
  const missing = await shoal(['service', 'create', '-d', '--name', 'bad']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /missing required argument 'command'/);
  assert.equal(await ok('service', 'ls', '--format', '{{.Name}}'), 'rr\nweb\n');
});

test('service ls: docker’s columns, -q, --filter, --format', async () => {
  const lines = (await ok('service', 'ls')).split('\n');
  assert.equal(lines[0], 'ID             NAME      MODE         REPLICAS   PORTS');
  assert.match(lines[1] ?? '', /^[0-9a-z]{12} {3}rr {8}replicated {3}0\/1$/);
  assert.equal(lines[2], `${webId.slice(0, 12)}   web       replicated   0/2        *:9000->80/tcp`);
  assert.equal(lines.length, 4);
  assert.equal(await ok('service', 'ls', '-q', '--filter', 'name=we'), `${webId.slice(0, 12)}\n`);
  assert.equal(
    await ok('service', 'ls', '-q', '--no-trunc', '--filter', `id=${webId.slice(0, 4)}`),
    `${webId}\n`,
  );
  assert.equal(
    await ok('service', 'ls', '--format', 'table {{.Name}}\t{{.Replicas}}'),
    'NAME      REPLICAS\nrr        0/1\nweb       0/2\n',
  );
  assert.deepEqual(await shoal(['service', 'ls', '--filter', 'color=red']), {
    code: 1,
    out: '',
    err: "Error response from daemon: invalid filter 'color'\n",
  });
});

function managerOf(d: Daemon): Manager {
  const m = (d as unknown as { manager?: Manager }).manager;
  assert.ok(m !== undefined, 'the daemon runs a manager');
  return m;
}

function task(id: string, slot: number, o: Partial<Task> = {}): Task {
  return {
    id,
    meta: { version: { index: 0 }, createdAt: 0, updatedAt: 0 },
    serviceId: webId,
    slot,
    nodeId: '',
    desiredState: 'running',
    // 3.1 s ago: "Running 3 seconds ago" unless the next command takes 0.9 s to run.
    status: { state: 'running', timestamp: Date.now() - 3_100 },
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

test('service ps: only the header before tasks exist; then docker’s columns, filters and REPLICAS', async () => {
  const header = 'ID        NAME      NODE      DESIRED STATE   CURRENT STATE   ERROR     PORTS\n';
  assert.equal(await ok('service', 'ps', 'web'), header);
  const nodeId = (await ok('node', 'ls', '-q')).trim();
  const m = managerOf(daemon);
  await m.store.update(tx => {
    createTask(tx, task('taskweb1aaaaaaaaaaaaaaaaa', 1, { nodeId }));
    createTask(tx, task('taskweb2bbbbbbbbbbbbbbbbb', 2, { nodeId }));
    createTask(
      tx,
      task('taskweb0ccccccccccccccccc', 1, {
        nodeId,
        desiredState: 'shutdown',
        status: { state: 'failed', timestamp: Date.now() - 300_000, err: 'task: non-zero exit (137)' },
      }),
    );
  }, Date.now());
  const lines = (await ok('service', 'ps', 'web')).split('\n');
  assert.deepEqual(lines, [
    'ID             NAME        NODE      DESIRED STATE   CURRENT STATE           ERROR                         PORTS',
    'taskweb1aaaa   web.1       m1        Running         Running 3 seconds ago',
    'taskweb0cccc    \\_ web.1   m1        Shutdown        Failed 5 minutes ago    "task: non-zero exit (137)"',
    'taskweb2bbbb   web.2       m1        Running         Running 3 seconds ago',
    '',
  ]);
  assert.equal(
    await ok('service', 'ps', '-q', '--no-trunc', '--filter', 'desired-state=running', 'web'),
    'taskweb1aaaaaaaaaaaaaaaaa\ntaskweb2bbbbbbbbbbbbbbbbb\n',
  );
  assert.equal(
    await ok(
      'service',
      'ps',
      '--format',
      '{{.Name}} {{.Node}}',
      '--filter',
      'node=m1',
      '-f',
      'desired-state=shutdown',
      webId,
    ),
    'web.1 m1\n',
  );
  assert.equal(await ok('service', 'ps', 'rr'), header);
  assert.deepEqual(await shoal(['service', 'ps', 'web', 'nope']), {
    code: 1,
    out: '',
    err: 'Error response from daemon: service nope not found\n',
  });
  assert.equal(await ok('service', 'ls', '--filter', 'name=web', '--format', '{{.Replicas}}'), '2/2\n');
});

test('service update --replicas 3, then scale web=5: REPLICAS follows; the version read is sent', async () => {
  const before = await inspect('web');
  assert.equal(
    await ok(
      'service',
      'update',
      '-d',
      '--replicas',
      '3',
      '--env-add',
      'A=1',
      '--update-delay',
      '10s',
      'web',
    ),
    'web\n',
  );
  const after = await inspect('web');
  assert.ok(after.Version.Index > before.Version.Index);
  assert.deepEqual(after.Spec.Mode, { Replicated: { Replicas: 3 } });
  assert.deepEqual(after.Spec.TaskTemplate.ContainerSpec.Env, ['A=1']);
  assert.equal(after.Spec.UpdateConfig.Delay, 10_000_000_000);
  assert.equal(await ok('service', 'ls', '--filter', 'name=web', '--format', '{{.Replicas}}'), '2/3\n');
  assert.equal(await ok('service', 'scale', '-d', 'web=5', 'rr=2'), 'web scaled to 5\nrr scaled to 2\n');
  assert.equal(await ok('service', 'ls', '--format', '{{.Name}} {{.Replicas}}'), 'rr 0/2\nweb 2/5\n');
  // The rest of the spec is kept by both.
  const scaled = await inspect('web');
  assert.deepEqual(scaled.Spec.TaskTemplate.ContainerSpec.Env, ['A=1']);
  assert.deepEqual(scaled.Spec.TaskTemplate.Networks, [{ Target: testId }]);
});

test('concurrent updates: each is applied or refused with "update out of sequence", never lost', async () => {
  const before = await inspect('web');
  const results = await Promise.all(
    [6, 7, 8, 9].map(n =>
      shoal(['service', 'update', '-d', '--replicas', String(n), '--label-add', `n${n}=1`, 'web']),
    ),
  );
  const applied = results.flatMap((r, i) => {
    if (r.code === 0) return [6 + i];
    assert.deepEqual(r, { code: 1, out: '', err: 'Error response from daemon: update out of sequence\n' });
    return [];
  });
  assert.ok(applied.length >= 1);
  const after = await inspect('web');
  // Every applied update read the spec the one before it wrote: the labels of all of them are there.
  assert.deepEqual(
    Object.keys(after.Spec.Labels).sort(),
    applied.map(n => `n${n}`),
  );
  assert.equal(after.Version.Index > before.Version.Index, true);
  await ok(
    'service',
    'update',
    '-d',
    '--replicas',
    '5',
    ...applied.flatMap(n => ['--label-rm', `n${n}`]),
    'web',
  );
});

test('service update: networks by name, constraints, labels, args; the daemon’s refusals', async () => {
  await ok('network', 'create', 'back');
  const backId = (await ok('network', 'ls', '-q', '--no-trunc', '--filter', 'name=back')).trim();
  await ok(
    'service',
    'update',
    '-d',
    '--network-add',
    'back',
    '--network-rm',
    'test',
    '--constraint-add',
    'node.labels.zone==a',
    '--label-add',
    'team=x',
    '--args',
    "-c 'sleep 5'",
    'rr',
  );
  const rr = await inspect('rr');
  assert.deepEqual(rr.Spec.TaskTemplate.Networks, [{ Target: backId }]);
  assert.deepEqual(rr.Spec.TaskTemplate.Placement, { Constraints: ['node.labels.zone==a'] });
  assert.deepEqual(rr.Spec.Labels, { team: 'x' });
  assert.deepEqual(rr.Spec.TaskTemplate.ContainerSpec.Args, ['-c', 'sleep 5']);
  const pretty = await ok('service', 'inspect', '--pretty', 'rr');
  assert.match(pretty, /\nNetworks: back\nEndpoint Mode: {10}dnsrr\n$/);

  const cases: [string[], RegExp][] = [
    [['--network-add', 'back', 'rr'], /^service is already attached to network back\n$/],
    [['--network-add', 'nope', 'rr'], /^Error response from daemon: network nope not found\n$/],
    [
      ['--publish-add', '80', 'rr'],
      /^Error response from daemon: EndpointSpec: port published with ingress mode can't be used with dnsrr mode\n$/,
    ],
    [['--constraint-add', 'node.color==red', 'rr'], /^Error response from daemon: .*node\.color/],
    [['--replicas', '2', 'nope'], /^Error response from daemon: service nope not found\n$/],
  ];
  for (const [args, err] of cases) {
    const r = await shoal(['service', 'update', '-d', ...args]);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.out, '');
    assert.match(r.err, err);
  }
  assert.equal((await inspect('rr')).Version.Index, rr.Version.Index);
});

test('service scale: docker’s errors for a global service, a bad value and a bad specifier', async () => {
  await ok('service', 'create', '-d', '--name', 'agent', '--mode', 'global', '--', 'sleep', '1000');
  assert.deepEqual((await inspect('agent')).Spec.Mode, { Global: {} });
  assert.deepEqual(await shoal(['service', 'scale', '-d', 'agent=2', 'web=1', 'rr=x', 'nope=1']), {
    code: 1,
    out: 'web scaled to 1\n',
    err:
      'agent: scale can only be used with replicated mode\n' +
      'rr: invalid replicas value x: strconv.ParseUint: parsing "x": invalid syntax\n' +
      'nope: Error response from daemon: service nope not found\n',
  });
  const bad = await shoal(['service', 'scale', '-d', 'web']);
  assert.deepEqual(bad, {
    code: 2,
    out: '',
    err: "Invalid scale specifier 'web'.\nSee 'shoal service scale --help'.\n",
  });
  assert.equal(
    await ok('service', 'ls', '--filter', 'mode=global', '--format', '{{.Name}} {{.Mode}} {{.Replicas}}'),
    'agent global 0/0\n',
  );
});

test('service rm prints each removed service and reports each failure', async () => {
  assert.deepEqual(await shoal(['service', 'rm', 'web', webId.slice(0, 5), 'rr', 'agent']), {
    code: 1,
    out: 'web\nrr\nagent\n',
    err: `Error response from daemon: service ${webId.slice(0, 5)} not found\n`,
  });
  assert.equal(await ok('service', 'ls'), 'ID        NAME      MODE      REPLICAS   PORTS\n');
  const r = await shoal(['service', 'inspect', 'web']);
  assert.deepEqual(r, { code: 1, out: '[]\n', err: 'Error response from daemon: service web not found\n' });
  // Its ingress port is free again.
  await ok('service', 'create', '-d', '--name', 'api', '-p', '9000:80', 'sleep', '1');
});

test('service create without --name: docker’s generated name; a name Docker refuses is refused', async () => {
  const id = (await ok('service', 'create', '-d', 'sleep', '1')).trim();
  assert.match((await inspect(id)).Spec.Name, /^[a-z]+_[a-z]+\d?$/);
  assert.deepEqual(await shoal(['service', 'create', '-d', '--name', 'web.1', 'sleep', '1']), {
    code: 1,
    out: '',
    err: 'Error response from daemon: name must be valid as a DNS name component\n',
  });
});
