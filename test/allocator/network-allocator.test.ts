/**
 * The allocator, rule by rule: the scenario numbers, subnets and gateways, VNIs, VIPs, task
 * addresses (serial, freed ones not reused at once), published ports, Swarm's and Shoal's error texts,
 * atomic refusals and rebuild.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AllocatorError,
  ingressNetworkSpec,
  NetworkAllocator,
  type AllocatorErrorKind,
  type AllocatorOptions,
} from '../../server/allocator/index.ts';
import type {
  Network,
  NetworkSpec,
  PortConfig,
  Service,
  ServiceSpec,
  Task,
} from '../../server/store/index.ts';
import { newNetwork, newServiceSpec, newTask } from '../store/fixtures.ts';

const META = { version: { index: 1 }, createdAt: 0, updatedAt: 0 };

/** Asserts `fn` throws an AllocatorError of `kind` whose message is `message` (or matches it). */
function refuses(fn: () => unknown, kind: AllocatorErrorKind, message: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AllocatorError, `not an AllocatorError: ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

/** An allocator plus the objects it allocated, kept as the store would keep them. */
class Cluster {
  readonly allocator: NetworkAllocator;
  readonly networks = new Map<string, Network>();
  readonly services = new Map<string, Service>();
  readonly tasks = new Map<string, Task>();

  constructor(options: AllocatorOptions = {}, ingress = true) {
    this.allocator = new NetworkAllocator(options);
    if (ingress) this.network('ingress', 'ingress', ingressNetworkSpec());
  }

  network(id: string, name: string, spec: Partial<NetworkSpec> = {}): Network {
    const network: Network = { ...newNetwork(id, name, spec), meta: META };
    network.allocation = this.allocator.allocateNetwork(network);
    this.networks.set(id, network);
    return network;
  }

  service(id: string, spec: ServiceSpec): Service {
    const result = this.allocator.allocateService({ id, spec });
    const service: Service = { id, meta: META, spec, endpoint: result.endpoint };
    this.services.set(id, service);
    this.writeBack(result.networkUpdates);
    return service;
  }

  task(id: string, serviceId: string): Task {
    const service = this.services.get(serviceId);
    assert.ok(service);
    const task: Task = {
      ...newTask(id, serviceId, 1),
      meta: META,
      networks: this.allocator.taskNetworks(service.spec),
    };
    const result = this.allocator.allocateTask(task);
    task.networks = result.networks;
    this.tasks.set(id, task);
    this.writeBack(result.networkUpdates);
    return task;
  }

  removeNetwork(id: string): void {
    assert.equal(this.allocator.releaseNetwork(id), true);
    this.networks.delete(id);
  }

  removeTask(id: string): void {
    this.allocator.releaseTask(id);
    this.tasks.delete(id);
  }

  writeBack(updates: { networkId: string; allocation: Network['allocation'] }[]): void {
    for (const { networkId, allocation } of updates) {
      const network = this.networks.get(networkId);
      assert.ok(network && allocation);
      network.allocation = allocation;
    }
  }

  /** A new allocator rebuilt from the objects: it must hold exactly what this one holds. */
  rebuilt(options: AllocatorOptions = {}): NetworkAllocator {
    const fresh = new NetworkAllocator(options);
    const problems = fresh.rebuild({
      networks: [...this.networks.values()],
      services: [...this.services.values()],
      tasks: [...this.tasks.values()],
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(fresh.state(), this.allocator.state());
    return fresh;
  }
}

const ingressPort = (
  publishedPort: number,
  targetPort = 80,
  protocol: 'tcp' | 'udp' = 'tcp',
): PortConfig => ({
  protocol,
  targetPort,
  publishedPort,
  publishMode: 'ingress',
});
const hostPort = (publishedPort: number, targetPort = 80): PortConfig => ({
  protocol: 'tcp',
  targetPort,
  publishedPort,
  publishMode: 'host',
});

test('the issue scenario: ingress, test, test01, a vip service and a dnsrr one', () => {
  const c = new Cluster();
  assert.deepEqual(c.networks.get('ingress')?.allocation, {
    subnet: '10.0.0.0/24',
    gateway: '10.0.0.1',
    vni: 4096,
    lastAddress: '10.0.0.1',
  });
  assert.equal(c.allocator.ingressNetworkId, 'ingress');
  const test1 = c.network('n-test', 'test');
  assert.deepEqual(test1.allocation, {
    subnet: '10.0.1.0/24',
    gateway: '10.0.1.1',
    vni: 4097,
    lastAddress: '10.0.1.1',
  });
  const test01 = c.network('n-test01', 'test01', { attachable: true });
  assert.equal(test01.allocation?.subnet, '10.0.2.0/24');
  assert.equal(test01.allocation?.gateway, '10.0.2.1');
  assert.equal(test01.allocation?.vni, 4098);

  const web = c.service('s-web', newServiceSpec('web', { networks: [{ target: 'n-test' }] }));
  assert.deepEqual(web.endpoint, { ports: [], virtualIPs: [{ networkId: 'n-test', addr: '10.0.1.2/24' }] });
  assert.equal(c.networks.get('n-test')?.allocation?.lastAddress, '10.0.1.2', 'the cursor is written back');
  const t1 = c.task('t1', 's-web');
  const t2 = c.task('t2', 's-web');
  assert.deepEqual(t1.networks, [{ networkId: 'n-test', addresses: ['10.0.1.3/24'] }]);
  assert.deepEqual(t2.networks, [{ networkId: 'n-test', addresses: ['10.0.1.4/24'] }]);

  const rr = c.service(
    's-rr',
    newServiceSpec('rr', { networks: [{ target: 'n-test' }], endpoint: { mode: 'dnsrr', ports: [] } }),
  );
  assert.deepEqual(rr.endpoint, { ports: [], virtualIPs: [] });
  c.rebuilt();
});

test('custom default pools are carved in order, in blocks of the mask length; the ingress network takes the first', () => {
  const c = new Cluster({ defaultAddressPools: ['10.20.0.0/16', '192.168.0.0/23'], subnetSize: 26 });
  assert.equal(c.networks.get('ingress')?.allocation?.subnet, '10.20.0.0/26');
  assert.equal(c.network('a', 'a').allocation?.subnet, '10.20.0.64/26');
  assert.equal(c.network('b', 'b').allocation?.gateway, '10.20.0.129');
});

test('the pool skips user subnets and reuses freed subnets lowest first; when full: Swarm error, ResourceExhausted', () => {
  const c = new Cluster({ defaultAddressPools: ['10.9.0.0/27'], subnetSize: 29 }, false);
  c.network('user', 'user', { ipam: { subnet: '10.9.0.8/29' } });
  assert.equal(c.network('a', 'a').allocation?.subnet, '10.9.0.0/29');
  assert.equal(c.network('b', 'b').allocation?.subnet, '10.9.0.16/29');
  assert.equal(c.network('c', 'c').allocation?.subnet, '10.9.0.24/29');
  const before = c.allocator.state();
  refuses(
    () => c.allocator.allocateNetwork(newNetwork('d', 'd')),
    'resource-exhausted',
    'all predefined address pools have been fully subnetted',
  );
  assert.deepEqual(c.allocator.state(), before, 'a refusal changes nothing');
  c.removeNetwork('a');
  assert.equal(c.network('d', 'd').allocation?.subnet, '10.9.0.0/29');
  c.rebuilt({ defaultAddressPools: ['10.9.0.0/27'], subnetSize: 29 });
});

test('a user subnet overlapping another network is refused at once (beyond Swarm), naming that network', () => {
  const c = new Cluster();
  c.network('n1', 'test');
  refuses(
    () => c.allocator.allocateNetwork(newNetwork('n2', 'other', { ipam: { subnet: '10.0.1.128/25' } })),
    'invalid-argument',
    "invalid pool request: Pool overlaps with other one on this address space: 10.0.1.128/25 overlaps 10.0.1.0/24 of network 'test' (n1)",
  );
  refuses(
    () => c.allocator.allocateNetwork(newNetwork('n3', 'big', { ipam: { subnet: '10.0.0.0/16' } })),
    'invalid-argument',
    /overlaps 10\.0\.0\.0\/24 of network 'ingress' \(ingress\)$/,
  );
  // Next to it is fine, and the pool then steps over it.
  c.network('n4', 'next', { ipam: { subnet: '10.0.2.0/24', gateway: '10.0.2.254' } });
  assert.equal(c.network('n5', 'auto').allocation?.subnet, '10.0.3.0/24');
});

test('a user gateway is taken as given and the serial search starts at the subnet start; else it is the first address', () => {
  const c = new Cluster();
  const n = c.network('n1', 'custom', { ipam: { subnet: '172.30.0.0/16', gateway: '172.30.200.1' } });
  assert.deepEqual(n.allocation, { subnet: '172.30.0.0/16', gateway: '172.30.200.1', vni: 4097 });
  const s = c.service('s1', newServiceSpec('web', { networks: [{ target: 'n1' }] }));
  assert.equal(s.endpoint?.virtualIPs[0]?.addr, '172.30.0.1/16');
  const auto = c.network('n2', 'auto-gw', { ipam: { subnet: '192.168.7.0/24' } });
  assert.equal(auto.allocation?.gateway, '192.168.7.1');
  c.rebuilt();
});

test('spec errors are refused by the allocator too (bad CIDR, gateway outside, mask 30)', () => {
  const c = new Cluster();
  const tryNet = (ipam: NonNullable<NetworkSpec['ipam']>) => () =>
    c.allocator.allocateNetwork(newNetwork('x', 'x', { ipam }));
  refuses(tryNet({ subnet: '10.300.0.0/16' }), 'invalid-argument', /^invalid subnet "10.300.0.0\/16"/);
  refuses(
    tryNet({ subnet: '10.1.0.0/24', gateway: '10.2.0.1' }),
    'invalid-argument',
    'gateway 10.2.0.1 is outside subnet 10.1.0.0/24',
  );
  refuses(tryNet({ subnet: '10.1.0.0/30' }), 'invalid-argument', /the prefix length must be at most 29/);
});

test('VNIs are handed out lowest-free from 4096, skipping pinned ones; pinned ones are checked', () => {
  const c = new Cluster();
  const pin = (vni: string) => ({ driverOptions: { 'com.docker.network.driver.overlay.vxlanid_list': vni } });
  assert.equal(c.network('p', 'pinned', pin('4097')).allocation?.vni, 4097);
  assert.equal(c.network('a', 'a').allocation?.vni, 4098);
  assert.equal(c.network('low', 'low', pin('42')).allocation?.vni, 42);
  refuses(
    () => c.allocator.allocateNetwork(newNetwork('b', 'b', pin('4098'))),
    'invalid-argument',
    "could not assign vxlan id 4098: it is in use by network 'a' (a)",
  );
  refuses(
    () => c.allocator.allocateNetwork(newNetwork('b', 'b', pin('16777216'))),
    'invalid-argument',
    'invalid VXLAN ID 16777216: must be between 1 and 16777215',
  );
  refuses(
    () => c.allocator.allocateNetwork(newNetwork('b', 'b', pin('0'))),
    'invalid-argument',
    /between 1 and/,
  );
  c.removeNetwork('p');
  assert.equal(c.network('b', 'b').allocation?.vni, 4097, 'a freed VNI is the lowest free again');
  c.rebuilt();
});

test('only one ingress network; a network is allocated once', () => {
  const c = new Cluster();
  refuses(
    () => c.allocator.allocateNetwork(newNetwork('in2', 'ingress2', { ingress: true })),
    'already-exists',
    'ingress network (ingress) is already present',
  );
  refuses(
    () => c.allocator.allocateNetwork(newNetwork('ingress', 'x')),
    'already-exists',
    'network ingress is already allocated',
  );
});

test('task addresses are serial; freed ones are reused only after the search wraps around', () => {
  const c = new Cluster({ defaultAddressPools: ['10.0.0.0/8'], subnetSize: 29 }, false);
  c.network('n', 'small'); // 10.0.0.0/29: hosts .1-.6, gateway .1
  c.service('s', newServiceSpec('web', { networks: [{ target: 'n' }] })); // VIP .2
  const addr = (id: string) => c.task(id, 's').networks[0]?.addresses[0];
  assert.equal(addr('t3'), '10.0.0.3/29');
  assert.equal(addr('t4'), '10.0.0.4/29');
  c.removeTask('t3');
  assert.equal(addr('t5'), '10.0.0.5/29', 'the freed .3 is not reused at once');
  c.rebuilt();
  assert.equal(addr('t6'), '10.0.0.6/29');
  assert.equal(addr('t7'), '10.0.0.3/29', 'after wrapping around, .3 comes back');
  const before = c.allocator.state();
  refuses(
    () => c.task('t8', 's'),
    'resource-exhausted',
    "could not find an available IP for task t8: network 'small' (n, 10.0.0.0/29) is full",
  );
  assert.deepEqual(c.allocator.state(), before);
  c.rebuilt();
});

test('a full subnet refuses a VIP (beyond Swarm: at once, ResourceExhausted)', () => {
  const c = new Cluster({ subnetSize: 29 }, false);
  c.network('n', 'small');
  for (const i of [1, 2, 3, 4, 5])
    c.service(`s${i}`, newServiceSpec(`svc${i}`, { networks: [{ target: 'n' }] }));
  refuses(
    () =>
      c.allocator.allocateService({
        id: 's6',
        spec: newServiceSpec('svc6', { networks: [{ target: 'n' }] }),
      }),
    'resource-exhausted',
    "could not find an available IP while allocating VIP: network 'small' (n, 10.0.0.0/29) is full",
  );
});

test('publishing in ingress mode adds an ingress VIP first; published 0 takes 30000 up; dnsrr gets none', () => {
  const c = new Cluster();
  c.network('n', 'test');
  const web = c.service(
    's-web',
    newServiceSpec('web', {
      networks: [{ target: 'n' }],
      endpoint: {
        mode: 'vip',
        ports: [ingressPort(9000), ingressPort(0, 81), ingressPort(0, 53, 'udp'), hostPort(8080)],
      },
    }),
  );
  assert.deepEqual(web.endpoint?.virtualIPs, [
    { networkId: 'ingress', addr: '10.0.0.2/24' },
    { networkId: 'n', addr: '10.0.1.2/24' },
  ]);
  assert.deepEqual(
    web.endpoint?.ports.map(p => p.publishedPort),
    [9000, 30000, 30000, 8080],
    'tcp and udp ports are separate spaces; host ports stay as given',
  );
  const task = c.task('t1', 's-web');
  assert.deepEqual(
    task.networks.map(n => n.networkId),
    ['ingress', 'n'],
  );
  const other = c.service(
    's-2',
    newServiceSpec('api', { endpoint: { mode: 'vip', ports: [ingressPort(0)] } }),
  );
  assert.equal(other.endpoint?.ports[0]?.publishedPort, 30001);
  c.rebuilt();
});

test("ingress ports are unique cluster-wide, with Swarm's texts", () => {
  const c = new Cluster();
  c.service('web-id', newServiceSpec('web', { endpoint: { mode: 'vip', ports: [ingressPort(9000)] } }));
  const before = c.allocator.state();
  refuses(
    () =>
      c.allocator.allocateService({
        id: 'x',
        spec: newServiceSpec('api', { endpoint: { mode: 'vip', ports: [ingressPort(9000)] } }),
      }),
    'invalid-argument',
    "port '9000' is already in use by service 'web' (web-id) as an ingress port",
  );
  refuses(
    () =>
      c.allocator.allocateService({
        id: 'x',
        spec: newServiceSpec('api', { endpoint: { mode: 'vip', ports: [hostPort(9000)] } }),
      }),
    'invalid-argument',
    "port '9000' is already in use by service 'web' (web-id) as an ingress port",
  );
  // Same port over UDP is another port.
  c.service(
    'udp',
    newServiceSpec('dns', { endpoint: { mode: 'vip', ports: [ingressPort(9000, 53, 'udp')] } }),
  );
  // Host-mode ports may repeat across services, but an ingress port may not take one.
  c.service('h1', newServiceSpec('h1', { endpoint: { mode: 'vip', ports: [hostPort(7000)] } }));
  c.service('h2', newServiceSpec('h2', { endpoint: { mode: 'vip', ports: [hostPort(7000)] } }));
  refuses(
    () =>
      c.allocator.allocateService({
        id: 'x',
        spec: newServiceSpec('api', { endpoint: { mode: 'vip', ports: [ingressPort(7000)] } }),
      }),
    'invalid-argument',
    "port '7000' is already in use by service 'h1' (h1) as a host-published port",
  );
  refuses(
    () =>
      c.allocator.allocateService({
        id: 'x',
        spec: newServiceSpec('api', {
          endpoint: { mode: 'vip', ports: [ingressPort(1), ingressPort(1, 81)] },
        }),
      }),
    'invalid-argument',
    'EndpointSpec: duplicate published ports provided',
  );
  assert.notDeepEqual(c.allocator.state(), before);
  c.rebuilt();
});

test('a dynamic pick never lands on a port the spec names, nor on a host-published one', () => {
  const c = new Cluster();
  c.service('h', newServiceSpec('h', { endpoint: { mode: 'vip', ports: [hostPort(30000)] } }));
  const s = c.service(
    's',
    newServiceSpec('s', { endpoint: { mode: 'vip', ports: [ingressPort(0), ingressPort(30001, 81)] } }),
  );
  assert.deepEqual(
    s.endpoint?.ports.map(p => p.publishedPort),
    [30002, 30001],
  );
});

test('a service update keeps what it still needs, frees the rest, and is atomic when refused', () => {
  const c = new Cluster();
  c.network('a', 'a');
  c.network('b', 'b');
  const spec1 = newServiceSpec('web', {
    networks: [{ target: 'a' }, { target: 'b' }],
    endpoint: { mode: 'vip', ports: [ingressPort(0), ingressPort(8000, 81)] },
  });
  const v1 = c.service('s', spec1);
  assert.deepEqual(
    v1.endpoint?.virtualIPs.map(v => v.addr),
    ['10.0.0.2/24', '10.0.1.2/24', '10.0.2.2/24'],
  );
  // Drop network a and the explicit port; the dynamic port stays where it was.
  const spec2 = newServiceSpec('web', {
    networks: [{ target: 'b' }],
    endpoint: { mode: 'vip', ports: [ingressPort(0)] },
  });
  const v2 = c.service('s', spec2);
  assert.deepEqual(v2.endpoint?.virtualIPs, [
    { networkId: 'ingress', addr: '10.0.0.2/24' },
    { networkId: 'b', addr: '10.0.2.2/24' },
  ]);
  assert.equal(v2.endpoint?.ports[0]?.publishedPort, 30000);
  c.service('other', newServiceSpec('other', { endpoint: { mode: 'vip', ports: [ingressPort(8000)] } }));
  // Switching to dnsrr with host ports only frees every VIP.
  const v3 = c.service(
    's',
    newServiceSpec('web', {
      networks: [{ target: 'b' }],
      endpoint: { mode: 'dnsrr', ports: [hostPort(8080)] },
    }),
  );
  assert.deepEqual(v3.endpoint?.virtualIPs, []);
  c.rebuilt();
  // A refused update leaves the old allocation in place.
  const before = c.allocator.state();
  refuses(
    () =>
      c.allocator.allocateService({
        id: 's',
        spec: newServiceSpec('web', {
          networks: [{ target: 'a' }],
          endpoint: { mode: 'vip', ports: [ingressPort(8000)] },
        }),
      }),
    'invalid-argument',
    "port '8000' is already in use by service 'other' (other) as an ingress port",
  );
  assert.deepEqual(c.allocator.state(), before);
  assert.equal(c.allocator.isServiceAllocated(c.services.get('s')!), true);
  assert.equal(
    c.allocator.isServiceAllocated({ spec: spec1, endpoint: c.services.get('s')!.endpoint! }),
    false,
    'an endpoint made for another spec needs allocating',
  );
});

test('services: unknown networks, the ingress network named explicitly, and no ingress network', () => {
  const noIngress = new Cluster({}, false);
  refuses(
    () =>
      noIngress.allocator.allocateService({
        id: 's',
        spec: newServiceSpec('s', { endpoint: { mode: 'vip', ports: [ingressPort(80)] } }),
      }),
    'failed-precondition',
    'service needs ingress network, but no ingress network is present',
  );
  const c = new Cluster();
  refuses(
    () =>
      c.allocator.allocateService({ id: 's', spec: newServiceSpec('s', { networks: [{ target: 'nope' }] }) }),
    'invalid-argument',
    'network nope not found',
  );
  refuses(
    () =>
      c.allocator.allocateService({
        id: 's',
        spec: newServiceSpec('s', { networks: [{ target: 'ingress' }] }),
      }),
    'invalid-argument',
    'Service cannot be explicitly attached to the ingress network "ingress"',
  );
  refuses(
    () =>
      c.allocator.allocateService({
        id: 's',
        spec: newServiceSpec('s', { endpoint: { mode: 'dnsrr', ports: [ingressPort(80)] } }),
      }),
    'invalid-argument',
    "EndpointSpec: port published with ingress mode can't be used with dnsrr mode",
  );
});

test('a network in use cannot be released (Swarm texts); released services and tasks free it', () => {
  const c = new Cluster();
  c.network('n', 'test');
  c.service('s', newServiceSpec('web', { networks: [{ target: 'n' }] }));
  c.task('t', 's');
  refuses(() => c.allocator.releaseNetwork('n'), 'failed-precondition', 'network n is in use by service s');
  assert.equal(c.allocator.releaseService('s'), true);
  refuses(() => c.allocator.releaseNetwork('n'), 'failed-precondition', 'network n is in use by task t');
  assert.equal(c.allocator.releaseTask('t'), true);
  assert.equal(c.allocator.releaseTask('t'), false, 'releasing twice is harmless');
  assert.equal(c.allocator.releaseNetwork('n'), true);
  assert.equal(c.allocator.releaseNetwork('n'), false);
});

test('allocateTask takes given addresses as they are and refuses ones held or outside', () => {
  const c = new Cluster();
  c.network('n', 'test01', { attachable: true });
  const r = c.allocator.allocateTask({
    id: 'a',
    networks: [{ networkId: 'n', addresses: ['10.0.1.77/24'] }],
  });
  assert.deepEqual(r, { networks: [{ networkId: 'n', addresses: ['10.0.1.77/24'] }], networkUpdates: [] });
  refuses(
    () => c.allocator.allocateTask({ id: 'b', networks: [{ networkId: 'n', addresses: ['10.0.1.77/24'] }] }),
    'invalid-argument',
    "address 10.0.1.77/24 of network 'test01' (n, 10.0.1.0/24) is held by task a",
  );
  refuses(
    () => c.allocator.allocateTask({ id: 'b', networks: [{ networkId: 'n', addresses: ['10.0.1.255/24'] }] }),
    'invalid-argument',
    /^address 10.0.1.255\/24 is not a free host address/,
  );
  refuses(
    () => c.allocator.allocateTask({ id: 'b', networks: [{ networkId: 'zz', addresses: [] }] }),
    'failed-precondition',
    'network zz is not allocated',
  );
  // Allocating again keeps what the task holds.
  const again = c.allocator.allocateTask({ id: 'a', networks: r.networks });
  assert.deepEqual(again.networks, r.networks);
});

test('rebuild takes back every stored allocation and reports (without taking) ones that collide', () => {
  const c = new Cluster();
  c.network('n', 'test');
  c.service(
    's',
    newServiceSpec('web', {
      networks: [{ target: 'n' }],
      endpoint: { mode: 'vip', ports: [ingressPort(0)] },
    }),
  );
  c.task('t1', 's');
  const dead = c.task('t2', 's');
  dead.status = { state: 'failed', timestamp: 1 };
  c.allocator.releaseTask('t2');
  const rebuilt = c.rebuilt();
  assert.ok(
    rebuilt.state().tasks.every(t => t.id !== 't2'),
    'a dead task holds nothing',
  );

  const clash: Network = {
    ...newNetwork('y', 'clash'),
    meta: META,
    allocation: { subnet: '10.0.1.0/24', gateway: '10.0.1.1', vni: 5000 },
  };
  const broken: Network = {
    ...newNetwork('z', 'broken'),
    meta: META,
    allocation: { subnet: '10.0.9.1/24', gateway: '10.0.9.1', vni: 5001 },
  };
  const fresh = new NetworkAllocator();
  const problems = fresh.rebuild({
    networks: [...c.networks.values(), clash, broken],
    services: [...c.services.values()],
    tasks: [...c.tasks.values()],
  });
  assert.deepEqual(
    problems.map(p => [p.table, p.id]),
    [
      ['networks', 'y'],
      ['networks', 'z'],
    ],
  );
  assert.match(problems[0]?.message ?? '', /Pool overlaps/);
  assert.equal(fresh.networkAllocation('y'), undefined);
  assert.match(
    problems[1]?.message ?? '',
    /^network z has a malformed stored allocation: subnet 10.0.9.1\/24$/,
  );
  assert.deepEqual(fresh.state(), c.allocator.state(), 'the rest is taken back as it was');
});

test('the allocator options are checked (mask 30 is an error)', () => {
  refuses(
    () => new NetworkAllocator({ subnetSize: 30 }),
    'invalid-argument',
    'invalid default address pool mask length 30: must be at most 29',
  );
  refuses(
    () => new NetworkAllocator({ defaultAddressPools: ['10.0.0.0/25'], subnetSize: 24 }),
    'invalid-argument',
    'default address pool 10.0.0.0/25 is smaller than the mask length /24',
  );
  refuses(
    () => new NetworkAllocator({ gatewaySubnet: '172.18.0.0/25' }),
    'invalid-argument',
    'invalid gateway subnet 172.18.0.0/25: the prefix length must be at most 24 (a /24 leaves room for 253 tasks per node)',
  );
});

test('the gateway bridge range: no user subnet over it; the pools are carved around it and the unusable blocks', () => {
  const a = new NetworkAllocator({ gatewaySubnet: '10.0.1.0/24' });
  const subnet = (id: string, ipam?: { subnet: string }) =>
    a.allocateNetwork({ id, spec: { ...newNetwork(id, id).spec, ...(ipam === undefined ? {} : { ipam }) } })
      .subnet;
  assert.equal(subnet('n1'), '10.0.0.0/24');
  assert.equal(subnet('n2'), '10.0.2.0/24', 'the gateway range is skipped');
  refuses(
    () => subnet('n3', { subnet: '10.0.1.128/25' }),
    'invalid-argument',
    'subnet 10.0.1.128/25 overlaps the node gateway bridge range 10.0.1.0/24 (swarm init --gateway-subnet), where tasks get their eth1 addresses',
  );
  refuses(
    () => subnet('n4', { subnet: '10.0.0.0/16' }),
    'invalid-argument',
    /gateway bridge range 10.0.1.0\/24/,
  );
  refuses(() => subnet('n5', { subnet: '127.0.0.0/24' }), 'invalid-argument', /overlaps loopback/);
  assert.equal(subnet('n6', { subnet: '172.18.0.0/16' }), '172.18.0.0/16', 'the default range is free here');

  // Pools a cluster kept from before they were checked still allocate, around what no overlay may use.
  const old = new NetworkAllocator({ defaultAddressPools: ['172.16.0.0/12', '127.0.0.0/8'], subnetSize: 16 });
  const carved = ['o1', 'o2', 'o3'].map(
    id => old.allocateNetwork({ id, spec: newNetwork(id, id).spec }).subnet,
  );
  assert.deepEqual(carved, ['172.16.0.0/16', '172.17.0.0/16', '172.19.0.0/16']);
  const loop = new NetworkAllocator({ defaultAddressPools: ['127.0.0.0/8', '126.0.0.0/8'], subnetSize: 16 });
  assert.equal(loop.allocateNetwork({ id: 'l1', spec: newNetwork('l1', 'l1').spec }).subnet, '126.0.0.0/16');
});
