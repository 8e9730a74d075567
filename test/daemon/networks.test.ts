/**
 * Networks end to end through an in-process shoald's unix socket: the ingress network `swarm init`
 * creates, the serial subnets and VNIs of the scenario, the refusals (each writing nothing), the
 * filters, removal, and a restarted manager whose rebuilt pools continue where they stopped.
 */
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { WireNetwork } from '../../proto/control-types.ts';
import { freePort, harness, type Call } from './helpers.ts';

const h = harness('shoal-networks-');
after(() => h.cleanup());

let control: Call;

before(async () => {
  await h.daemon('m1');
  await h.client('m1', 'Swarm')('Init', { listenAddr: `127.0.0.1:${await freePort()}`, advertiseAddr: '' });
  control = h.client('m1', 'Control');
});

function spec(name: string, o: Record<string, unknown> = {}): object {
  return { spec: { name, driver: 'overlay', ...o } };
}

async function create(name: string, o: Record<string, unknown> = {}): Promise<WireNetwork> {
  return (await control('CreateNetwork', spec(name, o))).network as WireNetwork;
}

async function list(filters?: object): Promise<WireNetwork[]> {
  return (await control('ListNetworks', filters === undefined ? {} : { filters })).networks as WireNetwork[];
}

/** name → subnet gateway vni, for comparing lists. */
async function summary(): Promise<Record<string, string>> {
  return Object.fromEntries(
    (await list()).map(n => [
      n.spec.name,
      `${n.allocation?.subnet} ${n.allocation?.gateway} ${n.allocation?.vni}`,
    ]),
  );
}

test('swarm init creates the ingress network: 10.0.0.0/24, gateway 10.0.0.1, VNI 4096', async () => {
  const [ingress, ...rest] = await list();
  assert.deepEqual(rest, []);
  assert.ok(ingress);
  assert.equal(ingress.spec.name, 'ingress');
  assert.equal(ingress.spec.ingress, true);
  assert.equal(ingress.spec.attachable, false);
  assert.equal(ingress.spec.driver, 'overlay');
  assert.deepEqual(ingress.allocation, { subnet: '10.0.0.0/24', gateway: '10.0.0.1', vni: 4096 });
});

test('networks get the next subnet, its first address and the next VNI', async () => {
  const t = await create('test');
  assert.deepEqual(t.allocation, { subnet: '10.0.1.0/24', gateway: '10.0.1.1', vni: 4097 });
  const t1 = await create('test01', { attachable: true });
  assert.equal(t1.spec.attachable, true);
  assert.deepEqual(t1.allocation, { subnet: '10.0.2.0/24', gateway: '10.0.2.1', vni: 4098 });
  const got = (await control('GetNetwork', { networkId: 'test01' })).network as WireNetwork;
  assert.deepEqual(got, t1);
  const byPrefix = (await control('GetNetwork', { networkId: t.id.slice(0, 6) })).network as WireNetwork;
  assert.equal(byPrefix.id, t.id);
});

test('a subnet, gateway and VNI the user gives are kept', async () => {
  const n = await create('mine', {
    subnet: '192.168.50.0/28',
    gateway: '192.168.50.14',
    driverOptions: { 'com.docker.network.driver.overlay.vxlanid_list': '5000' },
    internal: true,
    labels: { team: 'a' },
  });
  assert.deepEqual(n.allocation, { subnet: '192.168.50.0/28', gateway: '192.168.50.14', vni: 5000 });
  assert.equal(n.spec.internal, true);
  assert.deepEqual(n.spec.labels, { team: 'a' });
});

test('bad specs are refused with InvalidArgument and a readable message; nothing is written', async () => {
  const before = await summary();
  const cases: [string, object, RegExp][] = [
    ['bad CIDR', spec('bad1', { subnet: '10.300.0.0/24' }), /invalid subnet "10.300.0.0\/24"/],
    ['not a network address', spec('bad2', { subnet: '10.9.0.1/24' }), /it should be 10.9.0.0\/24/],
    [
      'gateway outside the subnet',
      spec('bad3', { subnet: '10.9.0.0/24', gateway: '10.9.1.1' }),
      /^gateway 10.9.1.1 is outside subnet 10.9.0.0\/24$/,
    ],
    ['mask 30', spec('bad4', { subnet: '10.9.0.0/30' }), /prefix length must be at most 29/],
    [
      'overlapping subnet',
      spec('bad5', { subnet: '10.0.1.0/25' }),
      /Pool overlaps with other one on this address space: 10.0.1.0\/25 overlaps 10.0.1.0\/24 of network 'test'/,
    ],
    [
      'VNI out of range',
      spec('bad6', { driverOptions: { 'com.docker.network.driver.overlay.vxlanid_list': '16777216' } }),
      /./,
    ],
    [
      'VNI in use',
      spec('bad7', { driverOptions: { 'com.docker.network.driver.overlay.vxlanid_list': '4097' } }),
      /could not assign vxlan id 4097: it is in use by network 'test'/,
    ],
    ['"this network"', spec('bad9', { subnet: '0.0.0.0/8' }), /^subnet 0.0.0.0\/8 overlaps "this network"/],
    ['loopback', spec('bad10', { subnet: '127.0.0.0/8' }), /^subnet 127.0.0.0\/8 overlaps loopback/],
    ['inside loopback', spec('bad11', { subnet: '127.5.0.0/16' }), /overlaps loopback \(127.0.0.0\/8\)/],
    ['link-local', spec('bad12', { subnet: '169.254.0.0/16' }), /overlaps link-local \(169.254.0.0\/16\)/],
    ['over link-local', spec('bad13', { subnet: '169.0.0.0/8' }), /^subnet 169.0.0.0\/8 overlaps link-local/],
    ['multicast', spec('bad14', { subnet: '239.1.0.0/16' }), /overlaps multicast \(224.0.0.0\/4\)/],
    [
      'broadcast',
      spec('bad15', { subnet: '255.255.255.0/24' }),
      /overlaps reserved \(240.0.0.0\/4, with the broadcast address 255.255.255.255\)/,
    ],
    [
      'the gateway bridge range',
      spec('bad16', { subnet: '172.18.0.0/16' }),
      /^subnet 172.18.0.0\/16 overlaps the node gateway bridge range 172.18.0.0\/16 \(swarm init --gateway-subnet\)/,
    ],
    [
      'inside the gateway bridge range',
      spec('bad17', { subnet: '172.18.200.0/24' }),
      /overlaps the node gateway bridge range/,
    ],
    [
      'over the gateway bridge range',
      spec('bad18', { subnet: '172.16.0.0/12' }),
      /overlaps the node gateway bridge range/,
    ],
    ['empty name', spec(''), /^meta: name must be provided$/],
    ['10,000-character name', spec('n'.repeat(10_000)), /^name must be 63 characters or fewer$/],
    ['a dotted name', spec('web.1'), /^name must be valid as a DNS name component$/],
    ['another driver', spec('bad8', { driver: 'bridge' }), /network driver "bridge" is not supported/],
    [
      '1001 labels',
      spec('bad19', { labels: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`l${i}`, ''])) }),
      /^network has 1001 labels; at most 1000 are allowed$/,
    ],
    [
      'a 1 MiB label value',
      spec('bad20', { labels: { big: 'v'.repeat(1024 * 1024) } }),
      /^network label "big" has a value of 1048576 bytes; at most 4096 are allowed$/,
    ],
    ['no spec', {}, /^a network spec is required$/],
  ];
  for (const [what, req, details] of cases) {
    await assert.rejects(
      control('CreateNetwork', req),
      (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.INVALID_ARGUMENT, `${what}: ${err.details}`);
        assert.match(err.details, details, what);
        return true;
      },
      what,
    );
  }
  assert.deepEqual(await summary(), before);
});

test('labels at the limits, and subnets right next to the unusable blocks, are taken', async () => {
  // Each limit on its own: all of them at once (4.3 MB) would exceed gRPC's 4 MiB message.
  const labels = Object.fromEntries(Array.from({ length: 999 }, (_, i) => [`l${i}`, 'v']));
  labels['k'.repeat(256)] = 'v'.repeat(4096);
  const n = await create('edge1', { labels, subnet: '126.255.255.0/24' });
  assert.equal(Object.keys(n.spec.labels).length, 1000);
  for (const [name, subnet] of [
    ['edge2', '128.0.0.0/24'],
    ['edge3', '169.253.255.0/24'],
    ['edge4', '169.255.0.0/24'],
    ['edge5', '223.255.255.0/24'],
    ['edge6', '172.17.255.0/24'],
    ['edge7', '172.19.0.0/24'],
  ] as const) {
    assert.equal((await create(name, { subnet })).allocation?.subnet, subnet);
  }
  for (const name of ['edge1', 'edge2', 'edge3', 'edge4', 'edge5', 'edge6', 'edge7'])
    await control('RemoveNetwork', { networkId: name });
});

test('a second network of the same name, and a second ingress network, are refused', async () => {
  await assert.rejects(create('test'), {
    code: grpc.status.ALREADY_EXISTS,
    details: 'name conflicts with an existing object: network test already exists',
  });
  await assert.rejects(create('ingress2', { ingress: true }), { code: grpc.status.ALREADY_EXISTS });
  // The refused creates gave nothing away: the next network gets the next subnet and VNI.
  const next = await create('after-refusals');
  assert.deepEqual(next.allocation, { subnet: '10.0.3.0/24', gateway: '10.0.3.1', vni: 4099 });
});

test('ListNetworks filters by name and ID prefix', async () => {
  const names = (ns: WireNetwork[]): string[] => ns.map(n => n.spec.name).sort();
  assert.deepEqual(names(await list({ names: ['test', 'test01'], idPrefixes: [] })), ['test', 'test01']);
  const test01 = (await list({ names: ['test01'], idPrefixes: [] }))[0];
  assert.ok(test01);
  assert.deepEqual(names(await list({ names: [], idPrefixes: [test01.id.slice(0, 8)] })), ['test01']);
  assert.deepEqual(await list({ names: ['nope'], idPrefixes: [] }), []);
});

test('GetNetwork and RemoveNetwork of an unknown network: NotFound', async () => {
  await assert.rejects(control('GetNetwork', { networkId: 'nope' }), {
    code: grpc.status.NOT_FOUND,
    details: 'network nope not found',
  });
  await assert.rejects(control('RemoveNetwork', { networkId: 'nope' }), { code: grpc.status.NOT_FOUND });
});

test('a removed network frees its subnet and VNI', async () => {
  await control('RemoveNetwork', { networkId: 'after-refusals' });
  assert.equal((await list({ names: ['after-refusals'], idPrefixes: [] })).length, 0);
  const again = await create('again');
  assert.deepEqual(again.allocation, { subnet: '10.0.3.0/24', gateway: '10.0.3.1', vni: 4099 });
});

test('a restarted manager rebuilds its pools from the store and hands out no duplicate', async () => {
  const before = await summary();
  await h.stop('m1');
  await h.daemon('m1');
  control = h.client('m1', 'Control');
  assert.deepEqual(await summary(), before);
  const next = await create('after-restart');
  assert.deepEqual(next.allocation, { subnet: '10.0.4.0/24', gateway: '10.0.4.1', vni: 4100 });
  await assert.rejects(create('overlap', { subnet: '10.0.2.0/24' }), { code: grpc.status.INVALID_ARGUMENT });
});
