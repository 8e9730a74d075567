/**
 * What program.ts gained beside the service group, in-process against a real daemon on loopback:
 * `swarm init --default-addr-pool/--default-addr-pool-mask-length` (the pools reach the daemon: the
 * ingress network and the next one are carved from them) and `node update` (availability, labels),
 * with docker's output and refusals.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, harness } from '../daemon/helpers.ts';
import { runCli, type CliResult } from './run-cli.ts';

const h = harness('shoal-cli-node-update-');
after(() => h.cleanup());

const shoal = (argv: string[]): Promise<CliResult> => runCli(argv, join(h.root, 'm1.sock'));

let listen = '';

before(async () => {
  await h.daemon('m1');
  listen = `127.0.0.1:${await freePort()}`;
});

test('swarm init refuses malformed pools before asking the daemon', async () => {
  const cases: [string[], string][] = [
    [
      ['--default-addr-pool', '10.20.0.0/33'],
      'invalid argument "10.20.0.0/33" for "--default-addr-pool" flag: invalid CIDR address: 10.20.0.0/33\n',
    ],
    [
      ['--default-addr-pool', '10.20.0.0/16,10.300.0.0/16'],
      'invalid argument "10.20.0.0/16,10.300.0.0/16" for "--default-addr-pool" flag: invalid CIDR address: 10.300.0.0/16\n',
    ],
    [
      ['--default-addr-pool-mask-length', 'x'],
      'invalid argument "x" for "--default-addr-pool-mask-length" flag: strconv.ParseUint: parsing "x": invalid syntax\n',
    ],
  ];
  for (const [flags, err] of cases) {
    assert.deepEqual(await shoal(['swarm', 'init', '--listen-addr', listen, ...flags]), {
      code: 1,
      out: '',
      err,
    });
  }
  // The daemon's own check (mask longer than 29) comes back as its error; the node stays out of a swarm.
  const r = await shoal([
    'swarm',
    'init',
    '--listen-addr',
    listen,
    '--default-addr-pool',
    '10.20.0.0/16',
    '--default-addr-pool-mask-length',
    '30',
  ]);
  assert.equal(r.code, 1);
  assert.match(r.err, /^Error response from daemon: .*29/);
  // A pool over the gateway bridge's range, or a range the pools overlap, is the daemon's to refuse too.
  const overGateway = await shoal([
    'swarm',
    'init',
    '--listen-addr',
    listen,
    '--default-addr-pool',
    '172.16.0.0/12',
  ]);
  assert.equal(overGateway.code, 1);
  assert.equal(
    overGateway.err,
    'Error response from daemon: default address pool 172.16.0.0/12 overlaps the node gateway bridge range 172.18.0.0/16 (swarm init --gateway-subnet), where tasks get their eth1 addresses\n',
  );
  const gatewayInPool = await shoal([
    'swarm',
    'init',
    '--listen-addr',
    listen,
    '--gateway-subnet',
    '10.1.0.0/16',
  ]);
  assert.equal(gatewayInPool.code, 1);
  assert.match(
    gatewayInPool.err,
    /default address pool 10\.0\.0\.0\/8 overlaps the node gateway bridge range 10\.1\.0\.0\/16/,
  );
  assert.equal((await shoal(['node', 'ls'])).code, 1);
});

test('swarm init --default-addr-pool (twice) --default-addr-pool-mask-length --gateway-subnet: networks are carved from them, around the gateway range', async () => {
  const r = await shoal([
    'swarm',
    'init',
    '--listen-addr',
    listen,
    '--default-addr-pool',
    '10.20.0.0/25',
    '--default-addr-pool',
    '172.28.0.0/16',
    '--default-addr-pool-mask-length',
    '26',
    '--gateway-subnet',
    '10.30.0.0/20',
  ]);
  assert.equal(r.code, 0, r.err);
  assert.equal((await shoal(['network', 'create', 'a'])).code, 0);
  assert.equal((await shoal(['network', 'create', 'b'])).code, 0);
  const subnets = await shoal(['network', 'inspect', '--format', '{{.Name}}', 'ingress', 'a', 'b']);
  assert.equal(subnets.out, 'ingress\na\nb\n');
  const ipam = JSON.parse((await shoal(['network', 'inspect', 'ingress', 'a', 'b'])).out) as {
    IPAM: { Config: { Subnet: string }[] };
  }[];
  assert.deepEqual(
    ipam.map(n => n.IPAM.Config[0]?.Subnet),
    ['10.20.0.0/26', '10.20.0.64/26', '172.28.0.0/26'],
  );
  // The gateway range moved: a subnet over it is refused, the old default range is free for overlays.
  const over = await shoal(['network', 'create', '--subnet', '10.30.15.0/24', 'c']);
  assert.equal(over.code, 1);
  assert.match(over.err, /subnet 10\.30\.15\.0\/24 overlaps the node gateway bridge range 10\.30\.0\.0\/20/);
  assert.equal((await shoal(['network', 'create', '--subnet', '172.18.0.0/24', 'd'])).code, 0);
});

interface InspectedNode {
  ID: string;
  Spec: { Labels: Record<string, string>; Availability: string };
}

async function inspectSelf(): Promise<InspectedNode> {
  const r = await shoal(['node', 'inspect', 'self']);
  assert.equal(r.code, 0, r.err);
  const [n] = JSON.parse(r.out) as InspectedNode[];
  assert.ok(n);
  return n;
}

test('node update --availability drain: node ls shows Drain; the node is printed as given', async () => {
  assert.deepEqual(await shoal(['node', 'update', '--availability', 'drain', 'm1']), {
    code: 0,
    out: 'm1\n',
    err: '',
  });
  const ls = await shoal(['node', 'ls']);
  assert.match(ls.out.split('\n')[1] ?? '', /^[0-9a-z]{25} \* {3}m1 {9}Ready {5}Drain {10}Leader$/);
  assert.equal((await inspectSelf()).Spec.Availability, 'drain');
  const { ID } = await inspectSelf();
  assert.deepEqual(await shoal(['node', 'update', '--availability', 'pause', ID.slice(0, 6)]), {
    code: 0,
    out: `${ID.slice(0, 6)}\n`,
    err: '',
  });
  assert.equal((await shoal(['node', 'ls', '--format', '{{.Availability}}'])).out, 'Pause\n');
  await shoal(['node', 'update', '--availability', 'active', 'm1']);
  assert.equal((await shoal(['node', 'ls', '--format', '{{.Availability}}'])).out, 'Active\n');
});

test('node update --label-add/--label-rm: labels in node inspect', async () => {
  const add = await shoal(['node', 'update', '--label-add', 'zone=a', '--label-add', 'ssd', 'm1']);
  assert.equal(add.code, 0, add.err);
  assert.deepEqual((await inspectSelf()).Spec.Labels, { ssd: '', zone: 'a' });
  assert.equal((await shoal(['node', 'update', '--label-add', 'zone=b', '--label-rm', 'ssd', 'm1'])).code, 0);
  assert.deepEqual((await inspectSelf()).Spec.Labels, { zone: 'b' });
  assert.match((await shoal(['node', 'inspect', '--pretty', 'self'])).out, /\nLabels:\n - zone=b\n/);
});

test('node update refusals: nothing changes', async () => {
  const before = await inspectSelf();
  const missing = await shoal(['node', 'update', '--label-rm', 'nope', 'm1']);
  assert.deepEqual(missing, {
    code: 1,
    out: '',
    err: "Error response from daemon: key nope doesn't exist in node's labels\n",
  });
  const bad = await shoal(['node', 'update', '--availability', 'sleep', 'm1']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /argument 'sleep' is invalid\. Allowed choices are active, pause, drain/);
  const empty = await shoal(['node', 'update', '--label-add', '=x', 'm1']);
  assert.deepEqual(empty, {
    code: 1,
    out: '',
    err: 'invalid argument "=x" for "--label-add" flag: empty key\n',
  });
  const unknown = await shoal(['node', 'update', '--availability', 'drain', 'nosuchnode']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /^Error response from daemon: .*nosuchnode/);
  const after = await inspectSelf();
  assert.deepEqual(after.Spec, before.Spec);
});
