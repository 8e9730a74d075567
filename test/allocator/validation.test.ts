/** Boundary validation: every rule gives a readable problem; good specs give none. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addressPoolProblem,
  attachmentProblem,
  constraintProblem,
  ingressNetworkSpec,
  containerNameConflict,
  containerNameProblem,
  labelsProblem,
  objectNameProblem,
  predefinedNetworkProblem,
  networkRemovalProblem,
  networkSpecProblem,
  parseGatewaySubnet,
  serviceSpecProblem,
} from '../../server/allocator/index.ts';
import type { Network, NetworkSpec, PortConfig, ServiceSpec, Task } from '../../server/store/index.ts';
import { newNetwork, newServiceSpec, newTask } from '../store/fixtures.ts';

const META = { version: { index: 1 }, createdAt: 0, updatedAt: 0 };
const net = (id: string, name: string, spec: Partial<NetworkSpec> = {}): Network => ({
  ...newNetwork(id, name, spec),
  meta: META,
});
const NETWORKS = new Map([
  ['n1', net('n1', 'test')],
  ['in', net('in', 'ingress', { ingress: true })],
]);
const lookup = (id: string) => NETWORKS.get(id);
const spec = (overrides: Partial<NetworkSpec> = {}): NetworkSpec => newNetwork('x', 'test', overrides).spec;
const svc = (overrides: Partial<ServiceSpec> = {}) =>
  serviceSpecProblem(newServiceSpec('web', overrides), lookup);
const port = (p: Partial<PortConfig>): PortConfig => ({
  protocol: 'tcp',
  targetPort: 80,
  publishedPort: 0,
  publishMode: 'ingress',
  ...p,
});

test('names: swarmkit’s rule (a DNS label; "-" and "_" only between letters and digits) and its texts', () => {
  const DNS = 'name must be valid as a DNS name component';
  assert.equal(objectNameProblem(''), 'meta: name must be provided');
  assert.equal(objectNameProblem('x'.repeat(10_000)), 'name must be 63 characters or fewer');
  assert.equal(objectNameProblem('x'.repeat(63)), undefined);
  // The pattern first, as swarmkit: a long name of bad characters is told about its characters.
  assert.equal(objectNameProblem('.'.repeat(10_000)), DNS);
  for (const bad of ['web.1', '-x', 'x-', '_x', 'x_', 'my net', 'web/1', 'é', 'a.b_c-d', 'x\n'])
    assert.equal(objectNameProblem(bad), DNS, bad);
  for (const good of ['test', 'test01', '9lives', 'a_b', 'a-b', 'a--b', 'a_-b', 'stack_web', 'x', 'Web'])
    assert.equal(objectNameProblem(good), undefined, good);
  // Linear on a backtracking engine (swarmkit's own pattern is exponential on this).
  assert.equal(objectNameProblem(`${'a'.repeat(100_000)}!`), DNS);
  assert.equal(networkSpecProblem(spec({ name: '' })), 'meta: name must be provided');
  assert.equal(networkSpecProblem(spec({ name: 'web.1' })), DNS);
  assert.equal(svc({ name: 'web.1' }), DNS);
  assert.equal(svc({ name: 'x'.repeat(64) }), 'name must be 63 characters or fewer');
});

test('names: the predefined networks, as docker refuses them', () => {
  for (const name of ['host', 'none', 'bridge', 'default'])
    assert.equal(predefinedNetworkProblem(name), `${name} is a pre-defined network and cannot be created`);
  for (const name of ['hosts', 'Host', 'test', 'ingress'])
    assert.equal(predefinedNetworkProblem(name), undefined);
});

test('names: standalone tasks follow docker’s container names and its texts', () => {
  for (const good of ['att1', 'a.b', 'a_b', 'a-b', '9x', 'x.'])
    assert.equal(containerNameProblem(good), undefined, good);
  assert.equal(containerNameProblem(''), 'meta: name must be provided');
  // docker's pattern asks for two characters at least.
  for (const bad of ['a', '-x', '.x', 'a b', 'a/b'])
    assert.equal(
      containerNameProblem(bad),
      `Invalid container name (${bad}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  // Never echoed when long.
  assert.equal(containerNameProblem('/'.repeat(10_000)), 'name must be 63 characters or fewer');
  assert.equal(
    containerNameConflict('att1', 'abc'),
    'Conflict. The container name "/att1" is already in use by container "abc". You have to remove (or rename) that container to be able to reuse that name.',
  );
});

test('network specs: the good ones pass, ingress included', () => {
  assert.equal(networkSpecProblem(spec()), undefined);
  assert.equal(networkSpecProblem(ingressNetworkSpec()), undefined);
  assert.equal(
    networkSpecProblem(
      spec({
        attachable: true,
        ipam: { subnet: '10.10.0.0/16', gateway: '10.10.255.254' },
        driverOptions: { 'com.docker.network.driver.overlay.vxlanid_list': '4100' },
      }),
    ),
    undefined,
  );
});

test('network specs: subnets and gateways', () => {
  const ipam = (subnet: string | undefined, gateway?: string) =>
    networkSpecProblem(
      spec({
        ipam: { ...(subnet === undefined ? {} : { subnet }), ...(gateway === undefined ? {} : { gateway }) },
      }),
    );
  assert.equal(ipam('bogus'), 'invalid subnet "bogus": expected an IPv4 CIDR such as 10.10.0.0/24');
  assert.equal(ipam('10.0.0.0'), 'invalid subnet "10.0.0.0": expected an IPv4 CIDR such as 10.10.0.0/24');
  assert.equal(
    ipam('010.0.0.0/24'),
    'invalid subnet "010.0.0.0/24": expected an IPv4 CIDR such as 10.10.0.0/24',
  );
  assert.equal(
    ipam('10.0.0.0/33'),
    'invalid subnet "10.0.0.0/33": expected an IPv4 CIDR such as 10.10.0.0/24',
  );
  assert.equal(ipam('10.1.2.3/24'), 'invalid subnet 10.1.2.3/24: it should be 10.1.2.0/24');
  assert.equal(
    ipam('10.1.2.0/30'),
    'invalid subnet 10.1.2.0/30: the prefix length must be at most 29 (a /30 leaves one address besides the gateway)',
  );
  assert.equal(ipam('10.0.0.0/7'), 'invalid subnet 10.0.0.0/7: the prefix length must be at least 8');
  assert.equal(ipam('10.1.2.0/29'), undefined);
  assert.equal(ipam(undefined, '10.1.2.1'), 'a gateway needs a subnet: give the subnet it belongs to');
  assert.equal(
    ipam('10.1.2.0/24', '10.1.2'),
    'invalid gateway "10.1.2": expected an IPv4 address such as 10.10.0.1',
  );
  assert.equal(ipam('10.1.2.0/24', '10.1.3.1'), 'gateway 10.1.3.1 is outside subnet 10.1.2.0/24');
  assert.equal(
    ipam('10.1.2.0/24', '10.1.2.0'),
    'gateway 10.1.2.0 is the network address of subnet 10.1.2.0/24',
  );
  assert.equal(
    ipam('10.1.2.0/24', '10.1.2.255'),
    'gateway 10.1.2.255 is the broadcast address of subnet 10.1.2.0/24',
  );
});

test('network specs: subnets over or inside an unusable block are refused, their neighbours taken', () => {
  const subnet = (text: string) => networkSpecProblem(spec({ ipam: { subnet: text } }));
  const refused: [string, string][] = [
    ['0.0.0.0/8', 'subnet 0.0.0.0/8 overlaps "this network" (0.0.0.0/8), which no host may send to'],
    [
      '0.255.255.0/24',
      'subnet 0.255.255.0/24 overlaps "this network" (0.0.0.0/8), which no host may send to',
    ],
    ['127.0.0.0/8', 'subnet 127.0.0.0/8 overlaps loopback (127.0.0.0/8), which never leaves a host'],
    ['127.0.0.0/29', 'subnet 127.0.0.0/29 overlaps loopback (127.0.0.0/8), which never leaves a host'],
    [
      '127.255.255.248/29',
      'subnet 127.255.255.248/29 overlaps loopback (127.0.0.0/8), which never leaves a host',
    ],
    ['169.254.0.0/16', 'subnet 169.254.0.0/16 overlaps link-local (169.254.0.0/16), which is not routed'],
    ['169.254.169.0/24', 'subnet 169.254.169.0/24 overlaps link-local (169.254.0.0/16), which is not routed'],
    ['169.0.0.0/8', 'subnet 169.0.0.0/8 overlaps link-local (169.254.0.0/16), which is not routed'],
    ['224.0.0.0/8', 'subnet 224.0.0.0/8 overlaps multicast (224.0.0.0/4)'],
    ['239.255.255.0/24', 'subnet 239.255.255.0/24 overlaps multicast (224.0.0.0/4)'],
    [
      '240.0.0.0/8',
      'subnet 240.0.0.0/8 overlaps reserved (240.0.0.0/4, with the broadcast address 255.255.255.255)',
    ],
    [
      '255.255.255.0/24',
      'subnet 255.255.255.0/24 overlaps reserved (240.0.0.0/4, with the broadcast address 255.255.255.255)',
    ],
    [
      '255.255.255.248/29',
      'subnet 255.255.255.248/29 overlaps reserved (240.0.0.0/4, with the broadcast address 255.255.255.255)',
    ],
  ];
  for (const [text, problem] of refused) assert.equal(subnet(text), problem, text);
  for (const text of [
    '1.0.0.0/8',
    '126.255.255.248/29',
    '128.0.0.0/8',
    '169.253.255.0/24',
    '169.255.0.0/24',
    '223.255.255.248/29',
    '172.17.0.0/16',
    '172.19.0.0/16',
  ]) {
    assert.equal(subnet(text), undefined, text);
  }
});

test('the gateway bridge range: /16 to /24, canonical, outside the unusable blocks', () => {
  assert.deepEqual(parseGatewaySubnet('172.18.0.0/16'), { base: (172 * 256 + 18) * 65536, prefix: 16 });
  assert.deepEqual(parseGatewaySubnet('192.168.7.0/24'), {
    base: ((192 * 256 + 168) * 256 + 7) * 256,
    prefix: 24,
  });
  const problem = (text: unknown) => {
    const parsed = parseGatewaySubnet(text);
    return 'problem' in parsed ? parsed.problem : undefined;
  };
  assert.equal(
    problem('bogus'),
    'invalid gateway subnet "bogus": expected an IPv4 CIDR such as 10.10.0.0/24',
  );
  assert.equal(problem(42), 'invalid gateway subnet "42": expected an IPv4 CIDR such as 10.10.0.0/24');
  assert.equal(problem('172.18.0.1/16'), 'invalid gateway subnet 172.18.0.1/16: it should be 172.18.0.0/16');
  assert.equal(
    problem('172.16.0.0/12'),
    'invalid gateway subnet 172.16.0.0/12: the prefix length must be at least 16',
  );
  assert.equal(
    problem('172.18.0.0/25'),
    'invalid gateway subnet 172.18.0.0/25: the prefix length must be at most 24 (a /24 leaves room for 253 tasks per node)',
  );
  assert.equal(
    problem('127.1.0.0/16'),
    'gateway subnet 127.1.0.0/16 overlaps loopback (127.0.0.0/8), which never leaves a host',
  );
  assert.match(problem('169.254.0.0/16') ?? '', /overlaps link-local/);
  assert.match(problem('255.255.255.0/24') ?? '', /overlaps reserved/);
});

test('labels: at most 1000, names up to 256 bytes, values up to 4 KiB; messages cut what they echo', () => {
  const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, '']));
  assert.equal(labelsProblem('service', many(1000)), undefined);
  assert.equal(labelsProblem('service', many(1001)), 'service has 1001 labels; at most 1000 are allowed');
  assert.equal(labelsProblem('node', many(100_000)), 'node has 100000 labels; at most 1000 are allowed');
  assert.equal(labelsProblem('node', { ['k'.repeat(256)]: 'v'.repeat(4096) }), undefined);
  assert.equal(
    labelsProblem('node', { ['k'.repeat(257)]: '' }),
    `node label "${'k'.repeat(40)}…" has a name of 257 bytes; at most 256 are allowed`,
  );
  assert.equal(
    labelsProblem('config', { zone: 'v'.repeat(4097) }),
    'config label "zone" has a value of 4097 bytes; at most 4096 are allowed',
  );
  const mib = labelsProblem('service', { zone: 'v'.repeat(1024 * 1024) });
  assert.equal(mib, 'service label "zone" has a value of 1048576 bytes; at most 4096 are allowed');
  // Bytes, not characters: é is two bytes in UTF-8.
  assert.equal(labelsProblem('node', { zone: 'é'.repeat(2048) }), undefined);
  assert.match(labelsProblem('node', { zone: 'é'.repeat(2049) }) ?? '', /a value of 4098 bytes/);
  assert.equal(
    labelsProblem('network', { x: 1 as unknown as string }),
    'network labels must map names to strings',
  );
  // Network specs apply them to labels and driver options alike.
  assert.equal(
    networkSpecProblem(spec({ labels: many(1001) })),
    'network has 1001 labels; at most 1000 are allowed',
  );
  assert.equal(
    networkSpecProblem(spec({ driverOptions: { opt: 'v'.repeat(5000) } })),
    'network driver option "opt" has a value of 5000 bytes; at most 4096 are allowed',
  );
  assert.equal(
    networkSpecProblem(spec({ driverOptions: { '': 'x' } })),
    'network driver options must not have an empty name',
  );
  assert.equal(svc({ labels: many(1001) }), 'service has 1001 labels; at most 1000 are allowed');
});

test('service specs: counts and sizes of arguments, environment, constraints, ports, networks', () => {
  const task = newServiceSpec('x').task;
  const list = <T>(n: number, item: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => item(i));
  assert.equal(svc({ task: { ...task, command: ['x'], args: list(4095, () => 'a') } }), undefined);
  assert.equal(
    svc({ task: { ...task, command: ['x'], args: list(4096, () => 'a') } }),
    'command and arguments: 4097 given; at most 4096 are allowed',
  );
  assert.equal(svc({ task: { ...task, command: ['x', 'a'.repeat(128 * 1024)] } }), undefined);
  assert.equal(
    svc({ task: { ...task, command: ['x', 'a'.repeat(128 * 1024 + 1)] } }),
    `argument "${'a'.repeat(40)}…" is 131073 bytes long; at most 131072 are allowed`,
  );
  assert.equal(svc({ task: { ...task, env: list(4096, i => `V${i}=1`) } }), undefined);
  assert.equal(
    svc({ task: { ...task, env: list(4097, i => `V${i}=1`) } }),
    'environment variables: 4097 given; at most 4096 are allowed',
  );
  assert.match(
    svc({ task: { ...task, env: [`A=${'x'.repeat(1024 * 1024)}`] } }) ?? '',
    /^environment variable "A=x{38}…" is 1048578 bytes long; at most 131072 are allowed$/,
  );
  assert.equal(svc({ task: { ...task, constraints: list(100, () => 'node.role==manager') } }), undefined);
  assert.equal(
    svc({ task: { ...task, constraints: list(101, () => 'node.role==manager') } }),
    'placement constraints: 101 given; at most 100 are allowed',
  );
  assert.equal(
    svc({ task: { ...task, constraints: [`node.labels.${'k'.repeat(256)}==${'v'.repeat(4096)}`] } }),
    undefined,
  );
  assert.match(
    svc({ task: { ...task, constraints: [`node.labels.zone==${'v'.repeat(8192)}`] } }) ?? '',
    /^placement constraint "node.labels.zone==v{22}…" is 8210 bytes long; at most 4416 are allowed$/,
  );
  const ports = (n: number) => svc({ endpoint: { mode: 'vip', ports: list(n, () => port({})) } });
  assert.equal(ports(1024), undefined);
  assert.equal(ports(1025), '1025 ports given; a service may have at most 1024');
  assert.equal(
    svc({ endpoint: { mode: 'vip', ports: [port({ name: 'p'.repeat(257) })] } }),
    `port name "${'p'.repeat(40)}…" is 257 bytes long; at most 256 are allowed`,
  );
  assert.equal(
    svc({ networks: list(101, () => ({ target: 'n1' })) }),
    'service attaches to 101 networks; at most 100 are allowed',
  );
  assert.equal(svc({ networks: [{ target: 'x'.repeat(10_000) }] }), `network ${'x'.repeat(64)}… not found`);
});

test('network specs: VNIs, driver, flags', () => {
  const vni = (text: string) =>
    networkSpecProblem(spec({ driverOptions: { 'com.docker.network.driver.overlay.vxlanid_list': text } }));
  assert.equal(vni('0'), 'invalid VXLAN ID 0: must be between 1 and 16777215');
  assert.equal(vni('16777216'), 'invalid VXLAN ID 16777216: must be between 1 and 16777215');
  assert.equal(vni('16777215'), undefined);
  assert.equal(vni('1'), undefined);
  assert.equal(
    vni('abc'),
    'invalid com.docker.network.driver.overlay.vxlanid_list "abc": expected a VXLAN ID such as 4100',
  );
  assert.equal(
    vni('4100,4101'),
    'com.docker.network.driver.overlay.vxlanid_list names 2 VXLAN IDs, but an overlay network has one subnet: give one',
  );
  assert.equal(
    networkSpecProblem({ ...spec(), driver: 'bridge' as 'overlay' }),
    'network driver "bridge" is not supported: the cluster manages overlay networks only',
  );
  assert.equal(
    networkSpecProblem(spec({ ingress: true, attachable: true })),
    'ingress network cannot be attachable',
  );
  assert.equal(
    networkSpecProblem(spec({ labels: { '': 'x' } })),
    'network labels must not have an empty name',
  );
});

test('service specs: a good one passes', () => {
  assert.equal(svc(), undefined);
  assert.equal(
    svc({
      mode: { global: {} },
      networks: [{ target: 'n1' }],
      endpoint: {
        mode: 'vip',
        ports: [port({ publishedPort: 9000 }), port({ publishMode: 'host', publishedPort: 0 })],
      },
      task: {
        ...newServiceSpec('x').task,
        env: ['A=1', 'B='],
        constraints: ['node.role==manager', 'node.labels.zone != b'],
      },
    }),
    undefined,
  );
});

test('service specs: ports (0 allocates; target 0, 65536, duplicates, dnsrr with ingress)', () => {
  const ports = (...list: PortConfig[]) => svc({ endpoint: { mode: 'vip', ports: list } });
  assert.equal(ports(port({ targetPort: 0 })), 'invalid target port 0: must be between 1 and 65535');
  assert.equal(ports(port({ targetPort: 65536 })), 'invalid target port 65536: must be between 1 and 65535');
  assert.equal(
    ports(port({ publishedPort: 65536 })),
    'invalid published port 65536: must be between 1 and 65535, or 0 to have one allocated',
  );
  assert.equal(
    ports(port({ publishedPort: -1 })),
    'invalid published port -1: must be between 1 and 65535, or 0 to have one allocated',
  );
  assert.equal(ports(port({ publishedPort: 0 }), port({ publishedPort: 0, targetPort: 81 })), undefined);
  assert.equal(
    ports(port({ publishedPort: 9000 }), port({ publishedPort: 9000, targetPort: 81, publishMode: 'host' })),
    'EndpointSpec: duplicate published ports provided',
  );
  assert.equal(ports(port({ publishedPort: 53 }), port({ publishedPort: 53, protocol: 'udp' })), undefined);
  assert.equal(
    ports(port({ protocol: 'sctp' as 'tcp' })),
    'invalid port protocol "sctp": expected tcp or udp',
  );
  assert.equal(
    ports(port({ publishMode: 'mesh' as 'host' })),
    'invalid publish mode "mesh": expected ingress or host',
  );
  assert.equal(
    svc({ endpoint: { mode: 'dnsrr', ports: [port({})] } }),
    "EndpointSpec: port published with ingress mode can't be used with dnsrr mode",
  );
  assert.equal(svc({ endpoint: { mode: 'dnsrr', ports: [port({ publishMode: 'host' })] } }), undefined);
  assert.equal(
    svc({ endpoint: { mode: 'rr' as 'vip', ports: [] } }),
    'invalid endpoint mode "rr": expected vip or dnsrr',
  );
});

test('service specs: networks (unknown, ingress, twice)', () => {
  assert.equal(svc({ networks: [{ target: 'nope' }] }), 'network nope not found');
  assert.equal(
    svc({ networks: [{ target: 'in' }] }),
    'Service cannot be explicitly attached to the ingress network "ingress"',
  );
  assert.equal(
    svc({ networks: [{ target: 'n1' }, { target: 'n1' }] }),
    'network test is attached more than once',
  );
  assert.equal(svc({ networks: [{ target: '' }] }), 'a network attachment needs a network');
});

test('service specs: mode, task template, update config', () => {
  assert.equal(
    svc({ mode: { replicated: { replicas: -1 } } }),
    'invalid replicas -1: must be a whole number, 0 or more',
  );
  assert.equal(
    svc({ mode: { replicated: { replicas: 1.5 } } }),
    'invalid replicas 1.5: must be a whole number, 0 or more',
  );
  assert.equal(svc({ mode: {} as ServiceSpec['mode'] }), 'service mode must be either replicated or global');
  const task = newServiceSpec('x').task;
  assert.equal(svc({ task: { ...task, command: [] } }), 'a service needs a command to run');
  assert.equal(
    svc({ task: { ...task, env: ['=x'] } }),
    'invalid environment variable "=x": expected KEY=value',
  );
  assert.equal(
    svc({ task: { ...task, constraints: ['node.role=manager'] } }),
    'invalid constraint "node.role=manager": expected <key>==<value> or <key>!=<value>',
  );
  assert.equal(
    svc({ task: { ...task, stopGracePeriodMs: -5 } }),
    'stop grace period must be 0 or more milliseconds',
  );
  assert.equal(
    svc({ task: { ...task, restart: { ...task.restart, condition: 'always' as 'any' } } }),
    'invalid restart condition "always": expected none, on-failure or any',
  );
  const update = newServiceSpec('x').update;
  assert.equal(
    svc({ update: { ...update, parallelism: -1 } }),
    'update parallelism must be a whole number, 0 (all at once) or more',
  );
  assert.equal(
    svc({ update: { ...update, maxFailureRatio: 2 } }),
    'update max failure ratio must be between 0 and 1',
  );
  assert.equal(
    svc({ update: { ...update, failureAction: 'explode' as 'pause' } }),
    'invalid update failure action "explode": expected pause, continue or rollback',
  );
  assert.equal(
    svc({ update: { ...update, order: 'random' as 'stop-first' } }),
    'invalid update order "random": expected stop-first or start-first',
  );
});

test('constraints: the keys swarmkit knows, with == or !=', () => {
  for (const good of [
    'node.id==abc',
    'node.hostname != web-1',
    'node.labels.zone==b',
    'engine.labels.os==linux',
  ]) {
    assert.equal(constraintProblem(good), undefined, good);
  }
  assert.match(constraintProblem('node.colour==red') ?? '', /unknown key "node.colour"/);
  assert.match(constraintProblem('node.labels.==x') ?? '', /unknown key/);
  assert.match(constraintProblem('node.role==') ?? '', /expected <key>==<value>/);
});

test('default address pools: mask length at most 29, pools at least as big, no overlap', () => {
  assert.equal(addressPoolProblem(['10.0.0.0/8'], 24), undefined);
  assert.equal(addressPoolProblem(['10.0.0.0/8'], 29), undefined);
  assert.equal(
    addressPoolProblem(['10.0.0.0/8'], 30),
    'invalid default address pool mask length 30: must be at most 29',
  );
  assert.equal(addressPoolProblem(['10.0.0.0/8'], 0), 'invalid default address pool mask length 0');
  assert.equal(addressPoolProblem([], 24), 'the default address pool list is empty');
  assert.equal(
    addressPoolProblem(['10.0.0.0/26'], 24),
    'default address pool 10.0.0.0/26 is smaller than the mask length /24',
  );
  assert.equal(
    addressPoolProblem(['10.0.0.0/8', '10.1.0.0/16'], 24),
    'default address pools 10.0.0.0/8 and 10.1.0.0/16 overlap',
  );
  assert.equal(
    addressPoolProblem(['10.1.0.1/16'], 24),
    'invalid default address pool 10.1.0.1/16: it should be 10.1.0.0/16',
  );
});

test('default address pools: none over an unusable block or the gateway bridge range', () => {
  const gatewayOverlap = (pool: string, gateway: string) =>
    `default address pool ${pool} overlaps the node gateway bridge range ${gateway} (swarm init --gateway-subnet), where tasks get their eth1 addresses`;
  assert.equal(
    addressPoolProblem(['127.0.0.0/8'], 24),
    'default address pool 127.0.0.0/8 overlaps loopback (127.0.0.0/8), which never leaves a host',
  );
  assert.match(addressPoolProblem(['0.0.0.0/8'], 24) ?? '', /overlaps "this network"/);
  assert.match(addressPoolProblem(['169.254.0.0/16'], 24) ?? '', /overlaps link-local/);
  assert.match(
    addressPoolProblem(['160.0.0.0/4'], 24) ?? '',
    /^default address pool 160.0.0.0\/4 overlaps link-local/,
  );
  assert.match(addressPoolProblem(['224.0.0.0/4'], 24) ?? '', /overlaps multicast/);
  assert.match(addressPoolProblem(['255.255.255.0/24'], 24) ?? '', /overlaps reserved/);
  assert.match(
    addressPoolProblem(['10.0.0.0/8', '128.0.0.0/1'], 24) ?? '',
    /128.0.0.0\/1 overlaps link-local/,
  );
  // The gateway bridge range: the default one, and one given.
  assert.equal(addressPoolProblem(['172.16.0.0/12'], 24), gatewayOverlap('172.16.0.0/12', '172.18.0.0/16'));
  assert.equal(
    addressPoolProblem(['172.18.255.0/24'], 24),
    gatewayOverlap('172.18.255.0/24', '172.18.0.0/16'),
  );
  assert.equal(addressPoolProblem(['172.17.0.0/16', '172.19.0.0/16'], 24), undefined);
  assert.equal(
    addressPoolProblem(['10.0.0.0/8'], 24, '10.200.0.0/24'),
    gatewayOverlap('10.0.0.0/8', '10.200.0.0/24'),
  );
  assert.equal(addressPoolProblem(['172.16.0.0/12'], 24, '10.200.0.0/24'), undefined);
  assert.equal(
    addressPoolProblem(['10.0.0.0/8'], 24, '10.0.0.0/12'),
    'invalid gateway subnet 10.0.0.0/12: the prefix length must be at least 16',
  );
});

test("network removal: Swarm's texts for services, live tasks and the ingress network", () => {
  const n1 = NETWORKS.get('n1')!;
  const ingress = NETWORKS.get('in')!;
  const web = { id: 's1', meta: META, spec: newServiceSpec('web', { networks: [{ target: 'n1' }] }) };
  const task = (state: Task['status']['state'], desired: Task['desiredState']): Task => ({
    ...newTask('t1', 's1', 1, {
      desiredState: desired,
      status: { state, timestamp: 0 },
      networks: [{ networkId: 'n1', addresses: [] }],
    }),
    meta: META,
  });
  assert.equal(networkRemovalProblem(n1, [web], []), 'network n1 is in use by service s1');
  assert.equal(
    networkRemovalProblem(n1, [], [task('running', 'running')]),
    'network n1 is in use by task t1',
  );
  assert.equal(networkRemovalProblem(n1, [], [task('running', 'shutdown')]), undefined);
  assert.equal(networkRemovalProblem(n1, [], [task('failed', 'running')]), undefined);
  assert.equal(networkRemovalProblem(n1, [], []), undefined);
  const publisher = {
    id: 's2',
    meta: META,
    spec: newServiceSpec('pub', { endpoint: { mode: 'vip', ports: [port({ publishedPort: 80 })] } }),
  };
  assert.equal(
    networkRemovalProblem(ingress, [web, publisher], []),
    'ingress network cannot be removed because service s2 depends on it',
  );
  assert.equal(networkRemovalProblem(ingress, [web], []), undefined);
});

test('attaching a standalone task: only to attachable networks (PermissionDenied text)', () => {
  assert.equal(attachmentProblem(NETWORKS.get('n1')!, 'test'), 'network test not manually attachable');
  assert.equal(attachmentProblem(net('n2', 'test01', { attachable: true }), 'test01'), undefined);
});
