/**
 * The pure parts of `shoal service`: docker's flag parsing (Go durations, `-p`/`--publish` in both
 * syntaxes with docker's error texts, shell words for `--args`), the specs `create` and `update` send,
 * and what `ls`, `ps` and `inspect` print (PORTS ranges, REPLICAS, task names, CURRENT STATE, the
 * inspect JSON and its `--format` paths).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WirePortConfig, WireService, WireServiceSpec, WireTask } from '../../proto/control-types.ts';
import { CommandFailedError } from '../../bin/cli/command-context.ts';
import { compileValueTemplate, goPrint, TemplateError } from '../../bin/cli/format.ts';
import {
  currentState,
  INSPECT_ROOTS,
  inspectService,
  prettyService,
  serviceRow,
  servicePorts,
  taskRows,
} from '../../bin/cli/service-commands.ts';
import {
  buildServiceSpec,
  formatDuration,
  parseDuration,
  parsePublish,
  parsePublishes,
  parseScale,
  parseUint,
  shellWords,
  updateServiceSpec,
  type CreateFlags,
  type UpdateFlags,
} from '../../bin/cli/service-spec.ts';

function port(targetPort: number, publishedPort: number, over: Partial<WirePortConfig> = {}): WirePortConfig {
  return { name: '', protocol: 'tcp', targetPort, publishedPort, publishMode: 'ingress', ...over };
}

test('durations: Go’s syntax and texts, in milliseconds', () => {
  const ok: [string, number][] = [
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['0', 0],
    ['0s', 0],
    ['2h45m', 9_900_000],
    ['1500us', 2],
    ['.5s', 500],
    ['1.s', 1000],
  ];
  for (const [text, ms] of ok) assert.equal(parseDuration(text), ms, text);
  const bad: [string, string][] = [
    ['', 'time: invalid duration ""'],
    ['10', 'time: missing unit in duration "10"'],
    ['10x', 'time: unknown unit "x" in duration "10x"'],
    ['s', 'time: invalid duration "s"'],
    ['1m.s', 'time: invalid duration "1m.s"'],
    ['-1s', 'duration cannot be negative'],
  ];
  for (const [text, message] of bad) assert.throws(() => parseDuration(text), { message }, text);
});

test('durations print as Go’s Duration.String', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [500, '500ms'],
    [1500, '1.5s'],
    [10_000, '10s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
    [5_430_250, '1h30m30.25s'],
  ];
  for (const [ms, text] of cases) assert.equal(formatDuration(ms), text);
});

test('parseUint: strconv’s texts', () => {
  assert.equal(parseUint('65535', 16), 65535);
  assert.throws(() => parseUint('65536', 16), {
    message: 'strconv.ParseUint: parsing "65536": value out of range',
  });
  assert.throws(() => parseUint('-1', 64), { message: 'strconv.ParseUint: parsing "-1": invalid syntax' });
  assert.throws(() => parseUint('', 64), { message: 'strconv.ParseUint: parsing "": invalid syntax' });
});

test('-p short syntax: docker’s forms', () => {
  assert.deepEqual(parsePublish('9000:80'), [port(80, 9000)]);
  assert.deepEqual(parsePublish('80'), [port(80, 0)]);
  assert.deepEqual(parsePublish(':80'), [port(80, 0)]);
  assert.deepEqual(parsePublish('9000:80/udp'), [port(80, 9000, { protocol: 'udp' })]);
  assert.deepEqual(parsePublish('9000:80/UDP'), [port(80, 9000, { protocol: 'udp' })]);
  assert.deepEqual(parsePublish('9000:80/'), [port(80, 9000)]);
  assert.deepEqual(parsePublish('8000-8001:80-81'), [port(80, 8000), port(81, 8001)]);
  // One target on a range of published ports: published on each.
  assert.deepEqual(parsePublish('8000-8002:80'), [port(80, 8000), port(80, 8001), port(80, 8002)]);
  assert.deepEqual(parsePublish('80-81'), [port(80, 0), port(81, 0)]);
});

test('--publish long syntax: docker’s keys and defaults', () => {
  assert.deepEqual(parsePublish('published=9000,target=80'), [port(80, 9000)]);
  assert.deepEqual(parsePublish('target=80'), [port(80, 0)]);
  assert.deepEqual(parsePublish('Published=53,Target=53,protocol=udp,mode=host'), [
    port(53, 53, { protocol: 'udp', publishMode: 'host' }),
  ]);
  assert.deepEqual(parsePublish('target=80,published=81,name=web'), [port(80, 81, { name: 'web' })]);
});

test('-p/--publish: docker’s errors, in docker’s flag wording', () => {
  const bad: [string, string][] = [
    ['published=9000', "missing mandatory field 'target'"],
    ['target=80,mode=bridge', "invalid publish mode value (bridge): must be either 'ingress' or 'host'"],
    ['target=80,protocol=sctp', "invalid protocol value 'sctp'"],
    ['target=abc', 'strconv.ParseUint: parsing "abc": invalid syntax'],
    ['target=80,published=70000', 'strconv.ParseUint: parsing "70000": value out of range'],
    ['target=80,color=red', 'invalid field key: color'],
    ['target=80,=x', 'invalid field: =x'],
    ['9000:abc', 'invalid containerPort: abc'],
    ['abc:80', 'invalid hostPort: abc'],
    ['70000:80', 'invalid hostPort: 70000'],
    ['9000:', 'no port specified: 9000:<empty>'],
    ['9000:80/sctp', 'invalid proto: sctp'],
    ['8000-8001:80-82', 'invalid ranges specified for container and host Ports: 80-82 and 8000-8001'],
    ['82-80', 'invalid containerPort: 82-80'],
    ['127.0.0.1:9000:80', 'hostip is not supported'],
  ];
  for (const [value, message] of bad) assert.throws(() => parsePublish(value), { message }, value);
  assert.throws(() => parsePublishes(['9000:80', '9000:abc'], '-p, --publish'), {
    name: 'CommandFailedError',
    message: 'invalid argument "9000:abc" for "-p, --publish" flag: invalid containerPort: abc',
  });
});

test('shell words for --args', () => {
  assert.deepEqual(shellWords(`a 'b c'  "d \\"e\\"" f\\ g ''`), ['a', 'b c', 'd "e"', 'f g', '']);
  assert.deepEqual(shellWords('   '), []);
  assert.throws(() => shellWords('a "b'), { message: 'invalid command line string' });
});

const NO_FLAGS: CreateFlags = { network: [], publish: [], constraint: [], env: [], label: [] };

test('service create: docker’s defaults spelled out, then the flags', () => {
  assert.deepEqual(buildServiceSpec({ ...NO_FLAGS, name: 'web' }, 'sleep', ['1000']), {
    name: 'web',
    labels: {},
    mode: 'replicated',
    replicas: 1,
    task: {
      command: ['sleep'],
      args: ['1000'],
      env: [],
      constraints: [],
      restart: { condition: 'any', delayMs: 5000, maxAttempts: 0 },
      stopGracePeriodMs: 10_000,
    },
    networks: [],
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
  const spec = buildServiceSpec(
    {
      name: 'api',
      replicas: '3',
      network: ['test', 'back'],
      publish: ['9000:80', 'target=53,protocol=udp,mode=host'],
      constraint: ['node.role==manager'],
      env: ['A=1', 'B'],
      label: ['team=x', 'solo'],
      endpointMode: 'vip',
      updateParallelism: '2',
      updateDelay: '1m30s',
      updateFailureAction: 'rollback',
      updateOrder: 'start-first',
      restartCondition: 'on-failure',
      restartDelay: '500ms',
      restartMaxAttempts: '4',
      stopGracePeriod: '3s',
    },
    'nc',
    ['-l', '80'],
  );
  assert.equal(spec.replicas, 3);
  assert.deepEqual(spec.networks, ['test', 'back']);
  assert.deepEqual(spec.labels, { team: 'x', solo: '' });
  assert.deepEqual(spec.task, {
    command: ['nc'],
    args: ['-l', '80'],
    env: ['A=1', 'B'],
    constraints: ['node.role==manager'],
    restart: { condition: 'on-failure', delayMs: 500, maxAttempts: 4 },
    stopGracePeriodMs: 3000,
  });
  assert.deepEqual(spec.endpoint?.ports, [
    port(80, 9000),
    port(53, 0, { protocol: 'udp', publishMode: 'host' }),
  ]);
  assert.deepEqual(spec.update, {
    parallelism: 2,
    delayMs: 90_000,
    failureAction: 'rollback',
    monitorMs: 5000,
    maxFailureRatio: 0,
    order: 'start-first',
  });
  const global = buildServiceSpec({ ...NO_FLAGS, mode: 'global', endpointMode: 'dnsrr' }, 'sleep', []);
  assert.equal(global.mode, 'global');
  assert.equal(global.replicas, 0);
  assert.equal(global.endpoint?.mode, 'dnsrr');
});

test('service create: refusals in docker’s words', () => {
  const bad: [Partial<CreateFlags>, string][] = [
    [{ mode: 'global', replicas: '2' }, 'replicas can only be used with replicated mode'],
    [{ mode: 'job' }, 'invalid argument "job" for "--mode" flag: must be one of "replicated", "global"'],
    [
      { replicas: 'two' },
      'invalid argument "two" for "--replicas" flag: strconv.ParseUint: parsing "two": invalid syntax',
    ],
    [
      { updateDelay: '10' },
      'invalid argument "10" for "--update-delay" flag: time: missing unit in duration "10"',
    ],
    [
      { endpointMode: 'rr' },
      'invalid argument "rr" for "--endpoint-mode" flag: must be one of "vip", "dnsrr"',
    ],
    [{ label: ['=x'] }, 'invalid argument "=x" for "-l, --label" flag: empty key'],
    [{ env: ['=x'] }, 'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x'],
    [
      { updateMaxFailureRatio: '1.5' },
      'invalid argument "1.5" for "--update-max-failure-ratio" flag: must be a number between 0 and 1',
    ],
  ];
  for (const [flags, message] of bad) {
    assert.throws(
      () => buildServiceSpec({ ...NO_FLAGS, ...flags }, 'sleep', []),
      (err: Error) => {
        assert.ok(err instanceof CommandFailedError);
        assert.equal(err.message, message);
        return true;
      },
    );
  }
});

const NO_UPDATE: UpdateFlags = {
  envAdd: [],
  envRm: [],
  constraintAdd: [],
  constraintRm: [],
  networkAdd: [],
  networkRm: [],
  publishAdd: [],
  publishRm: [],
  labelAdd: [],
  labelRm: [],
};

function readSpec(over: Partial<WireServiceSpec> = {}): WireServiceSpec {
  return {
    ...buildServiceSpec(
      { ...NO_FLAGS, name: 'web', env: ['A=1', 'B=2'], constraint: ['node.role==manager'], label: ['x=1'] },
      'sleep',
      ['1000'],
    ),
    networks: ['netid1'],
    ...over,
  };
}

test('service update: each flag changes its field, as docker’s update does', () => {
  const current = readSpec({ endpoint: { mode: 'vip', ports: [port(80, 9000), port(443, 9443)] } });
  const next = updateServiceSpec(
    current,
    {
      ...NO_UPDATE,
      replicas: '3',
      args: "-c 'sleep 5'",
      envAdd: ['B=3', 'C=4'],
      envRm: ['A'],
      constraintAdd: ['node.labels.zone==a'],
      constraintRm: ['node.role==manager'],
      networkAdd: ['back'],
      networkRm: ['test'],
      publishAdd: ['8080:8080', '9443:443'],
      publishRm: ['80'],
      labelAdd: ['y=2'],
      labelRm: ['x'],
      updateDelay: '10s',
      updateParallelism: '0',
    },
    new Map([
      ['test', 'netid1'],
      ['back', 'netid0'],
    ]),
  );
  assert.equal(next.replicas, 3);
  assert.deepEqual(next.task?.args, ['-c', 'sleep 5']);
  assert.deepEqual(next.task?.env, ['B=3', 'C=4']);
  assert.deepEqual(next.task?.constraints, ['node.labels.zone==a']);
  assert.deepEqual(next.networks, ['netid0']);
  assert.deepEqual(next.endpoint?.ports, [port(8080, 8080), port(443, 9443)]);
  assert.deepEqual(next.labels, { y: '2' });
  assert.equal(next.update?.delayMs, 10_000);
  assert.equal(next.update?.parallelism, 0);
  // Untouched fields stay as read; the read spec itself is not changed.
  assert.equal(next.name, 'web');
  assert.deepEqual(next.task?.command, ['sleep']);
  assert.deepEqual(current.task?.env, ['A=1', 'B=2']);
});

test('service update: a spec read with defaults left empty is completed, not broken', () => {
  const sparse: WireServiceSpec = {
    name: 'web',
    labels: {},
    mode: '',
    replicas: 2,
    task: { command: ['sleep'], args: [], env: [], constraints: [], restart: null, stopGracePeriodMs: 0 },
    networks: [],
    endpoint: null,
    update: null,
  };
  const next = updateServiceSpec(sparse, { ...NO_UPDATE, endpointMode: 'dnsrr' }, new Map());
  assert.equal(next.mode, 'replicated');
  assert.deepEqual(next.endpoint, { mode: 'dnsrr', ports: [] });
  assert.deepEqual(next.task?.restart, { condition: 'any', delayMs: 5000, maxAttempts: 0 });
  assert.equal(next.update?.failureAction, 'pause');
});

test('service update: refusals', () => {
  assert.throws(
    () => updateServiceSpec(readSpec({ mode: 'global' }), { ...NO_UPDATE, replicas: '2' }, new Map()),
    {
      message: 'replicas can only be used with replicated mode',
    },
  );
  assert.throws(
    () =>
      updateServiceSpec(readSpec(), { ...NO_UPDATE, networkAdd: ['test'] }, new Map([['test', 'netid1']])),
    { message: 'service is already attached to network test' },
  );
  assert.throws(() => updateServiceSpec(readSpec(), { ...NO_UPDATE, publishAdd: ['x:80'] }, new Map()), {
    message: 'invalid argument "x:80" for "--publish-add" flag: invalid hostPort: x',
  });
});

test('service scale arguments', () => {
  assert.deepEqual(parseScale('web=5'), { service: 'web', replicas: '5' });
  assert.deepEqual(parseScale('a=b=c'), { service: 'a', replicas: 'b=c' });
  for (const bad of ['web', '=5', 'web=']) assert.equal(parseScale(bad), undefined, bad);
});

test('PORTS: ingress ports sorted, consecutive ones merged, host-mode ones left out', () => {
  assert.equal(servicePorts([]), '');
  assert.equal(servicePorts([port(80, 9000)]), '*:9000->80/tcp');
  assert.equal(
    servicePorts([
      port(81, 8001),
      port(80, 8000),
      port(53, 53, { protocol: 'udp' }),
      port(22, 2222, { publishMode: 'host' }),
    ]),
    '*:8000-8001->80-81/tcp, *:53->53/udp',
  );
  // Published ports out of step with their targets break the range.
  assert.equal(servicePorts([port(80, 8000), port(80, 8001)]), '*:8000-8001->80/tcp');
  assert.equal(servicePorts([port(90, 8000), port(80, 8001)]), '*:8000->90/tcp, *:8001->80/tcp');
});

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);

function service(over: Partial<WireService> = {}, spec: Partial<WireServiceSpec> = {}): WireService {
  return {
    id: 'svc0000000000000000000001',
    version: 12,
    spec: { ...readSpec(), replicas: 2, ...spec },
    previousSpec: null,
    endpoint: { ports: [], virtualIps: [{ networkId: 'netid1', addr: '10.0.1.2/24' }] },
    updateStatus: null,
    createdAt: T0,
    updatedAt: T0 + 1500,
    ...over,
  };
}

function task(over: Partial<WireTask> = {}): WireTask {
  return {
    id: 'task000000000000000000001',
    version: 3,
    serviceId: 'svc0000000000000000000001',
    slot: 1,
    nodeId: 'node1',
    desiredState: 'running',
    status: { state: 'running', timestamp: T0, message: '', err: '' },
    spec: { command: ['sleep'], args: [], env: [], constraints: [], restart: null, stopGracePeriodMs: 0 },
    networks: [],
    endpoint: null,
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

test('service ls row: REPLICAS counts running tasks on live nodes over the desired count', () => {
  const tasks = [
    task(),
    task({ id: 't2', slot: 2, nodeId: 'node2' }),
    task({ id: 't3', slot: 3, status: { state: 'pending', timestamp: T0, message: '', err: '' } }),
    task({ id: 't4', serviceId: 'other' }),
  ];
  const row = serviceRow(
    service({ endpoint: { ports: [port(80, 9000)], virtualIps: [] } }),
    tasks,
    new Set(['node1']),
  );
  assert.deepEqual(row, {
    ID: 'svc000000000',
    Name: 'web',
    Mode: 'replicated',
    Replicas: '1/2',
    Ports: '*:9000->80/tcp',
  });
  const global = serviceRow(
    service({}, { mode: 'global', replicas: 0 }),
    [
      task({ slot: 0 }),
      task({
        id: 't2',
        slot: 0,
        nodeId: 'node2',
        desiredState: 'shutdown',
        status: { state: 'shutdown', timestamp: T0, message: '', err: '' },
      }),
    ],
    new Set(['node1', 'node2']),
    false,
  );
  assert.deepEqual([global.ID, global.Mode, global.Replicas], ['svc0000000000000000000001', 'global', '1/1']);
});

test('service ps rows: names, order, history indent, states and errors as docker shows them', () => {
  const now = T0 + 3_500;
  const tasks = [
    task({
      id: 'old1000000000000000000001',
      createdAt: T0 - 10,
      desiredState: 'shutdown',
      status: {
        state: 'failed',
        timestamp: T0 - 120_000,
        message: '',
        err: 'task: non-zero exit (1): the process ended badly',
      },
    }),
    task({ id: 'slot10', slot: 10, nodeId: 'gone' }),
    task({ id: 'new1000000000000000000001' }),
    task({
      id: 'slot2',
      slot: 2,
      nodeId: '',
      status: { state: 'pending', timestamp: now - 200, message: '', err: '' },
    }),
  ];
  const rows = taskRows(
    tasks,
    new Map([['svc0000000000000000000001', 'web']]),
    new Map([['node1', 'manager1']]),
    {
      nowMs: now,
      trunc: true,
      indent: true,
    },
  );
  assert.deepEqual(
    rows.map(r => [r.ID, r.Name, r.Node, r.DesiredState, r.CurrentState, r.Error]),
    [
      ['new100000000', 'web.1', 'manager1', 'Running', 'Running 3 seconds ago', ''],
      [
        'old100000000',
        ' \\_ web.1',
        'manager1',
        'Shutdown',
        'Failed 2 minutes ago',
        '"task: non-zero exit (1): the …"',
      ],
      ['slot2', 'web.2', '', 'Running', 'Pending less than a second ago', ''],
      ['slot10', 'web.10', 'gone', 'Running', 'Running 3 seconds ago', ''],
    ],
  );
  const full = taskRows(tasks.slice(0, 1), new Map(), new Map(), { nowMs: now, trunc: false, indent: false });
  assert.equal(full[0]?.Error, '"task: non-zero exit (1): the process ended badly"');
  assert.equal(full[0]?.ID, 'old1000000000000000000001');
  // A global task is named after its node.
  assert.equal(
    taskRows([task({ slot: 0 })], new Map([['svc0000000000000000000001', 'agent']]), new Map(), {
      nowMs: now,
      trunc: true,
      indent: true,
    })[0]?.Name,
    'agent.node1',
  );
  assert.equal(currentState(task(), T0 + 90_000), 'Running about a minute ago');
  assert.equal(currentState(task(), T0 + 2 * 3_600_000), 'Running 2 hours ago');
});

test('service inspect: docker’s object', () => {
  const s = service(
    {
      endpoint: {
        ports: [port(80, 9000)],
        virtualIps: [
          { networkId: 'ingressid', addr: '10.0.0.2/24' },
          { networkId: 'netid1', addr: '10.0.1.2/24' },
        ],
      },
    },
    {
      endpoint: { mode: 'vip', ports: [port(80, 9000)] },
      update: {
        parallelism: 1,
        delayMs: 10_000,
        failureAction: 'pause',
        monitorMs: 5000,
        maxFailureRatio: 0,
        order: 'stop-first',
      },
    },
  );
  assert.deepEqual(inspectService(s), {
    ID: 'svc0000000000000000000001',
    Version: { Index: 12 },
    CreatedAt: '2024-01-02T03:04:05.000Z',
    UpdatedAt: '2024-01-02T03:04:06.500Z',
    Spec: {
      Name: 'web',
      Labels: { x: '1' },
      TaskTemplate: {
        ContainerSpec: {
          Command: ['sleep'],
          Args: ['1000'],
          Env: ['A=1', 'B=2'],
          StopGracePeriod: 10_000_000_000,
        },
        RestartPolicy: { Condition: 'any', Delay: 5_000_000_000, MaxAttempts: 0 },
        Placement: { Constraints: ['node.role==manager'] },
        Networks: [{ Target: 'netid1' }],
      },
      Mode: { Replicated: { Replicas: 2 } },
      UpdateConfig: {
        Parallelism: 1,
        Delay: 10_000_000_000,
        FailureAction: 'pause',
        Monitor: 5_000_000_000,
        MaxFailureRatio: 0,
        Order: 'stop-first',
      },
      EndpointSpec: {
        Mode: 'vip',
        Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 9000, PublishMode: 'ingress' }],
      },
    },
    Endpoint: {
      Spec: {
        Mode: 'vip',
        Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 9000, PublishMode: 'ingress' }],
      },
      Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 9000, PublishMode: 'ingress' }],
      VirtualIPs: [
        { NetworkID: 'ingressid', Addr: '10.0.0.2/24' },
        { NetworkID: 'netid1', Addr: '10.0.1.2/24' },
      ],
    },
  });
  // dnsrr: no VirtualIPs at all (Go's omitempty); a previous spec when there is one; a global mode.
  const dnsrr = inspectService(
    service(
      { endpoint: { ports: [], virtualIps: [] }, previousSpec: readSpec() },
      { mode: 'global', endpoint: { mode: 'dnsrr', ports: [] } },
    ),
  );
  assert.deepEqual(dnsrr.Endpoint, { Spec: { Mode: 'dnsrr' } });
  assert.deepEqual((dnsrr.Spec as Record<string, unknown>).Mode, { Global: {} });
  assert.equal((dnsrr.PreviousSpec as Record<string, unknown>).Name, 'web');
  // UpdateStatus once an update ran: RFC 3339 times, CompletedAt only once completed.
  const updating = { state: 'updating', startedAt: T0, completedAt: 0, message: 'update in progress' };
  assert.deepEqual(inspectService(service({ updateStatus: updating })).UpdateStatus, {
    State: 'updating',
    StartedAt: '2024-01-02T03:04:05.000Z',
    Message: 'update in progress',
  });
  const done = { ...updating, state: 'completed', completedAt: T0 + 1000, message: 'update completed' };
  assert.equal(
    (inspectService(service({ updateStatus: done })).UpdateStatus as Record<string, unknown>).CompletedAt,
    '2024-01-02T03:04:06.000Z',
  );
});

test('inspect --format: paths, json, and a typo refused before anything is printed', () => {
  const obj = inspectService(service());
  const render = (f: string): string => compileValueTemplate(f, INSPECT_ROOTS).render(obj);
  assert.equal(render('{{json .Endpoint.VirtualIPs}}'), '[{"NetworkID":"netid1","Addr":"10.0.1.2/24"}]');
  assert.equal(render('{{.Spec.Name}}-{{ .Spec.Mode.Replicated.Replicas }}'), 'web-2');
  assert.equal(render('{{.Spec.Labels}} {{.Spec.TaskTemplate.ContainerSpec.Env}}'), 'map[x:1] [A=1 B=2]');
  assert.equal(render('{{json .Endpoint.Ports}} {{.Endpoint.Ports}}'), 'null <no value>');
  assert.equal(render('{{json .Version}}'), '{"Index":12}');
  assert.throws(() => render('{{.Nmae}}'), TemplateError);
  assert.throws(() => render('{{range .Spec}}'), TemplateError);
  assert.throws(() => render('{{.Spec'), TemplateError);
  assert.equal(goPrint(null), '<nil>');
});

test('inspect --pretty: docker’s summary with network names', () => {
  const text = prettyService(service({ endpoint: { ports: [port(80, 9000)], virtualIps: [] } }), id =>
    id === 'netid1' ? 'test' : id,
  );
  assert.match(text, /^ID: {21}svc0000000000000000000001\nName: {19}web\n/);
  assert.match(text, /\nService Mode: {11}Replicated\n Replicas: {14}2\n/);
  assert.match(text, /\nNetworks: test\n/);
  assert.match(
    text,
    / PublishedPort = 9000\n {2}Protocol = tcp\n {2}TargetPort = 80\n {2}PublishMode = ingress\n$/,
  );
});
