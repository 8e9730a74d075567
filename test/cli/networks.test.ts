/**
 * `shoal network create|ls|inspect|rm` in-process against a real daemon on loopback: the issue's
 * scenario (ingress after init, then `test` and `test01` with serial subnets and VNIs), docker's columns
 * and inspect JSON, and the refusals users see, each leaving the network list as it was.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, harness } from '../daemon/helpers.ts';
import { runCli, type CliResult } from './run-cli.ts';

const h = harness('shoal-cli-networks-');
after(() => h.cleanup());

const shoal = (argv: string[]): Promise<CliResult> => runCli(argv, join(h.root, 'm1.sock'));

interface Inspected {
  Name: string;
  Id: string;
  Scope: string;
  Driver: string;
  IPAM: { Driver: string; Options: null; Config: { Subnet: string; Gateway: string }[] };
  Attachable: boolean;
  Ingress: boolean;
  Internal: boolean;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

async function inspect(...refs: string[]): Promise<Inspected[]> {
  const r = await shoal(['network', 'inspect', ...refs]);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as Inspected[];
}

before(async () => {
  await h.daemon('m1');
  const init = await shoal(['swarm', 'init', '--listen-addr', `127.0.0.1:${await freePort()}`]);
  assert.equal(init.code, 0, init.err);
});

test('after swarm init, network ls shows ingress in docker’s columns', async () => {
  const r = await shoal(['network', 'ls']);
  assert.equal(r.code, 0, r.err);
  const [header, row, ...rest] = r.out.split('\n');
  assert.equal(header, 'NETWORK ID     NAME      DRIVER    SCOPE');
  assert.match(row ?? '', /^[0-9a-z]{12} {3}ingress {3}overlay {3}swarm$/);
  assert.deepEqual(rest, ['']);
  const [ingress] = await inspect('ingress');
  assert.ok(ingress);
  assert.deepEqual(ingress.IPAM.Config, [{ Subnet: '10.0.0.0/24', Gateway: '10.0.0.1' }]);
  assert.equal(ingress.Ingress, true);
  assert.deepEqual(ingress.Options, { 'com.docker.network.driver.overlay.vxlanid_list': '4096' });
});

test('network create -d overlay test: 10.0.1.0/24, gateway 10.0.1.1, VNI 4097', async () => {
  const r = await shoal(['network', 'create', '-d', 'overlay', 'test']);
  assert.equal(r.code, 0, r.err);
  const id = r.out.trim();
  assert.match(id, /^[0-9a-z]{25}$/);
  const [t] = await inspect('test');
  assert.ok(t);
  assert.deepEqual(Object.keys(t), [
    'Name',
    'Id',
    'Created',
    'Scope',
    'Driver',
    'EnableIPv6',
    'IPAM',
    'Internal',
    'Attachable',
    'Ingress',
    'Options',
    'Labels',
  ]);
  assert.deepEqual(
    { ...t, Created: undefined },
    {
      Name: 'test',
      Id: id,
      Created: undefined,
      Scope: 'swarm',
      Driver: 'overlay',
      EnableIPv6: false,
      IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '10.0.1.0/24', Gateway: '10.0.1.1' }] },
      Internal: false,
      Attachable: false,
      Ingress: false,
      Options: { 'com.docker.network.driver.overlay.vxlanid_list': '4097' },
      Labels: {},
    },
  );
});

test('network create --attachable test01: 10.0.2.0/24, VNI 4098; labels and options kept', async () => {
  const r = await shoal([
    'network',
    'create',
    '--attachable',
    '--label',
    'team=a',
    '-o',
    'com.docker.network.driver.mtu=1400',
    'test01',
  ]);
  assert.equal(r.code, 0, r.err);
  const [t] = await inspect(r.out.trim());
  assert.ok(t);
  assert.equal(t.Attachable, true);
  assert.deepEqual(t.IPAM.Config, [{ Subnet: '10.0.2.0/24', Gateway: '10.0.2.1' }]);
  assert.deepEqual(t.Options, {
    'com.docker.network.driver.mtu': '1400',
    'com.docker.network.driver.overlay.vxlanid_list': '4098',
  });
  assert.deepEqual(t.Labels, { team: 'a' });
});

test('bad input is refused with a readable message, exit 1, and nothing is written', async () => {
  const before = await shoal(['network', 'ls', '--format', '{{.Name}}']);
  const cases: [string[], RegExp][] = [
    [['--subnet', '10.1.2.300/24', 'bad'], /^Error response from daemon: invalid subnet "10.1.2.300\/24"/],
    [
      ['--subnet', '10.9.0.0/24', '--gateway', '10.8.0.1', 'bad'],
      /^Error response from daemon: gateway 10.8.0.1 is outside subnet 10.9.0.0\/24\n$/,
    ],
    [['--subnet', '10.9.0.0/30', 'bad'], /prefix length must be at most 29/],
    [['--subnet', '10.0.1.0/24', 'bad'], /Pool overlaps with other one on this address space/],
    [
      ['test'],
      /^Error response from daemon: name conflicts with an existing object: network test already exists\n$/,
    ],
    [['-o', 'x=y', 'bad'], /^Error response from daemon: network driver option "x" is not supported: /],
    [
      ['-o', 'encrypted', 'bad'],
      /^Error response from daemon: encrypted overlay networks are not supported: /,
    ],
    [['-o', 'com.docker.network.driver.mtu=9001', 'bad'], /invalid MTU 9001: must be between 68 and 8950/],
    [['host'], /^Error response from daemon: host is a pre-defined network and cannot be created\n$/],
    [['web.1'], /^Error response from daemon: name must be valid as a DNS name component\n$/],
  ];
  for (const [args, err] of cases) {
    const r = await shoal(['network', 'create', ...args]);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.out, '');
    assert.match(r.err, err);
  }
  assert.deepEqual(await shoal(['network', 'ls', '--format', '{{.Name}}']), before);
  assert.equal(before.out, 'ingress\ntest\ntest01\n');
});

test('network ls -q, --filter, --no-trunc and --format', async () => {
  const ids = (await shoal(['network', 'ls', '-q'])).out.trim().split('\n');
  assert.equal(ids.length, 3);
  for (const id of ids) assert.match(id, /^[0-9a-z]{12}$/);
  assert.equal(
    (await shoal(['network', 'ls', '--filter', 'name=test0', '--format', '{{.Name}}'])).out,
    'test01\n',
  );
  assert.equal(
    (await shoal(['network', 'ls', '-f', 'name=test', '--format', '{{.Name}} {{.Scope}}'])).out,
    'test swarm\ntest01 swarm\n',
  );
  const full = (await shoal(['network', 'ls', '-q', '--no-trunc', '--filter', 'name=ingress'])).out.trim();
  assert.match(full, /^[0-9a-z]{25}$/);
  assert.equal(
    (await shoal(['network', 'ls', '--filter', `id=${full.slice(0, 5)}`, '-q'])).out,
    `${full.slice(0, 12)}\n`,
  );
  const table = await shoal(['network', 'ls', '--format', 'table {{.Name}}\t{{.Driver}}']);
  assert.equal(table.out, 'NAME      DRIVER\ningress   overlay\ntest      overlay\ntest01    overlay\n');
  const bad = await shoal(['network', 'ls', '--filter', 'color=red']);
  assert.deepEqual(bad, { code: 1, out: '', err: "Error response from daemon: invalid filter 'color'\n" });
});

test('network inspect --format, and an unknown network after the ones found', async () => {
  assert.equal(
    (await shoal(['network', 'inspect', '--format', '{{.Name}} {{.Attachable}}', 'test01'])).out,
    'test01 true\n',
  );
  const r = await shoal(['network', 'inspect', 'test', 'nope']);
  assert.equal(r.code, 1);
  assert.equal((JSON.parse(r.out) as Inspected[])[0]?.Name, 'test');
  assert.equal(r.err, 'Error response from daemon: network nope not found\n');
});

test('network rm prints each removed network and reports each failure; the subnet is reused', async () => {
  const r = await shoal(['network', 'rm', 'test01', 'nope']);
  assert.deepEqual(r, {
    code: 1,
    out: 'test01\n',
    err: 'Error response from daemon: network nope not found\n',
  });
  assert.equal((await shoal(['network', 'ls', '--format', '{{.Name}}'])).out, 'ingress\ntest\n');
  const again = await shoal(['network', 'create', 'test02']);
  assert.equal(again.code, 0, again.err);
  const [t] = await inspect('test02');
  assert.deepEqual(t?.IPAM.Config, [{ Subnet: '10.0.2.0/24', Gateway: '10.0.2.1' }]);
  // The ingress network can go while no service publishes a port through it.
  assert.deepEqual(await shoal(['network', 'rm', 'ingress']), { code: 0, out: 'ingress\n', err: '' });
});
