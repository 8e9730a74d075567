import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WireTask } from '../../../proto/control-types.ts';
import type { NetworkView } from '../../../proto/dispatcher-types.ts';
import { planChange } from '../../../agent/network/planner/change-plan.ts';
import {
  desiredModel,
  type NodeRulesetInput,
  type Rulesets,
} from '../../../agent/network/planner/desired.ts';
import { emptyModel, type NetModel } from '../../../agent/network/planner/model.ts';
import type { TaskDnsRedirect } from '../../../agent/network/planner/plan-dns-redirect.ts';
import { overlayView } from './view-fixtures.ts';

const rulesets: Rulesets = { task: (_v, ids) => `task ${ids.join(',')}`, node: () => 'node' };
const names = { prefix: 'p', nodeNetns: 'nodens' };

function view(endpoints: [string, string, string][] = []): NetworkView {
  return overlayView(endpoints, ['198.51.100.1', '198.51.100.2'], () => ({ serviceId: 's' }));
}

function task(id: string, addr: string): WireTask {
  return { id, serviceId: 's', networks: [{ networkId: 'net1', addresses: [addr] }] } as unknown as WireTask;
}

function desired(v: NetworkView, tasks: WireTask[], applied: NetModel): NetModel {
  return desiredModel({ view: v, tasks, nodeId: 'n1', applied, rulesets }).model;
}

const lines = (m: NetModel, d: NetModel): string[] => planChange(m, d, names).batches.flatMap(b => b.lines);

/** desiredModel on `view()` with the gateway bridge range `range`. */
function onRange(
  range: string,
  tasks: WireTask[],
  applied = emptyModel(),
  rs = rulesets,
): ReturnType<typeof desiredModel> {
  return desiredModel({
    view: { ...view(), gatewaySubnet: range },
    tasks,
    nodeId: 'n1',
    applied,
    rulesets: rs,
  });
}

test('a new task: namespaces, vxlan, veths, addresses, remote entries, nft, in order', () => {
  const v = view([
    ['taskaaaaaaaaaaaa', 'n1', '10.0.1.3/24'],
    ['taskbbbbbbbbbbbb', 'n2', '10.0.1.4/24'],
  ]);
  const d = desired(v, [task('taskaaaaaaaaaaaa', '10.0.1.3/24')], emptyModel());
  const plan = planChange(emptyModel(), d, names);
  const all = plan.batches.map(b => `${b.tool}@${b.netns ?? ''}: ${b.lines.join(' | ')}`);
  assert.deepEqual(plan.addedTasks, ['taskaaaaaaaa']);
  assert.match(all[0] ?? '', /^ip@: netns add p-ov4097 \| netns add p-ttaskaaaaaaaa$/);
  assert.match(all[1] ?? '', /^ip@nodens: link add shoalgw0 address 02:42:ac:12:00:01 type bridge/);
  assert.match(
    all[1] ?? '',
    /link add vxlan0 netns p-ov4097 mtu 1450 type vxlan id 4097 dstport 4789 nolearning proxy l2miss l3miss/,
  );
  assert.match(
    all[1] ?? '',
    /link add gwtaskaaaaaaa master shoalgw0 type veth peer name eth1 netns p-ttaskaaaaaaaa \| link set gwtaskaaaaaaa type bridge_slave isolated on \| link set gwtaskaaaaaaa up/,
  );
  assert.match(all[2] ?? '', /^ip@p-ov4097: .*addr add 10\.0\.1\.1\/24 dev br0/);
  assert.match(all[2] ?? '', /neigh replace 10\.0\.1\.4 lladdr 02:42:0a:00:01:04 dev vxlan0 nud permanent/);
  assert.match(all[2] ?? '', /peer name eth0 netns p-ttaskaaaaaaaa address 02:42:0a:00:01:03 mtu 1450/);
  assert.match(
    all[3] ?? '',
    /^ip@p-ttaskaaaaaaaa: .*addr add 10\.0\.1\.3\/24 dev eth0.*addr add 172\.18\.0\.2\/16 dev eth1.*route add default via 172\.18\.0\.1 dev eth1 \| route replace local 127\.0\.0\.11 dev lo src 172\.18\.0\.2 table local$/,
  );
  assert.equal(
    all[4],
    'bridge@p-ov4097: fdb replace 02:42:0a:00:01:04 dev vxlan0 dst 198.51.100.2 self permanent',
  );
  assert.equal(all[5], 'sysctl@nodens: net.ipv4.ip_forward=1 | net.ipv4.conf.shoalgw0.route_localnet=1');
  assert.equal(all[6], 'nft@p-ttaskaaaaaaaa: task net1');
  assert.equal(all[7], 'nft@nodens: node');
  assert.equal(all.length, 8, 'no process of its own for the DNS redirect (no sysctl in the task)');
  // Planning against what was applied: nothing to do.
  assert.deepEqual(
    planChange(d, desired(v, [task('taskaaaaaaaaaaaa', '10.0.1.3/24')], d), names).batches,
    [],
  );
});

test('a remote endpoint that leaves: its neighbour and FDB entries go, nothing else', () => {
  const t = [task('taskaaaaaaaaaaaa', '10.0.1.3/24')];
  const before = desired(view([['taskbbbbbbbbbbbb', 'n2', '10.0.1.4/24']]), t, emptyModel());
  const after = desired(view(), t, before);
  assert.deepEqual(lines(before, after), [
    'neigh del 10.0.1.4 dev vxlan0',
    'fdb del 02:42:0a:00:01:04 dev vxlan0 self',
    'fdb del 02:42:0a:00:01:04 dev vxlan0 master',
  ]);
  assert.ok(planChange(before, after, names).batches.every(b => b.bestEffort));
});

test('a removed task: links deleted before its namespace; the overlay goes with its last task', () => {
  const v = view();
  const one = desired(v, [task('taskaaaaaaaaaaaa', '10.0.1.3/24')], emptyModel());
  const two = desired(
    v,
    [task('taskaaaaaaaaaaaa', '10.0.1.3/24'), task('taskcccccccccccc', '10.0.1.5/24')],
    one,
  );
  assert.equal(two.tasks.get('taskcccccccc')?.gatewayAddr, '172.18.0.3/16');
  assert.equal(
    two.tasks.get('taskaaaaaaaa')?.gatewayAddr,
    '172.18.0.2/16',
    'an existing gateway address is kept',
  );
  const plan = planChange(two, one, names);
  assert.deepEqual(plan.removedTasks, [
    { shortId: 'taskcccccccc', taskId: 'taskcccccccccccc', netns: 'p-ttaskcccccccc' },
  ]);
  assert.deepEqual(
    plan.batches.flatMap(b => b.lines),
    ['link del eth0', 'link del eth1', 'netns del p-ttaskcccccccc'],
  );
  const none = desired(v, [], one);
  assert.deepEqual(lines(one, none), [
    'link del eth0',
    'link del eth1',
    'link del vxlan0',
    'netns del p-ttaskaaaaaaaa',
    'netns del p-ov4097',
  ]);
});

test('an adopted task with a wrong address is rebuilt; an observed one that matches is kept', () => {
  const v = view();
  const t = [task('taskaaaaaaaaaaaa', '10.0.1.3/24')];
  const d = desired(v, t, emptyModel());
  const observed: NetModel = structuredClone(d);
  const obs = observed.tasks.get('taskaaaaaaaa');
  assert.ok(obs);
  obs.taskId = 'taskaaaaaaaa';
  obs.nft = undefined;
  for (const l of obs.legs) l.networkId = '';
  const again = desired(v, t, observed);
  assert.deepEqual(
    planChange(observed, again, names).batches.map(b => `${b.tool}@${b.netns ?? ''}: ${b.lines.join(' | ')}`),
    [
      'ip@nodens: link set gwtaskaaaaaaa type bridge_slave isolated on',
      'ip@p-ttaskaaaaaaaa: route replace local 127.0.0.11 dev lo src 172.18.0.2 table local',
      'nft@p-ttaskaaaaaaaa: task net1',
    ],
    'only the unknown nft text is reapplied, with the DNS route that goes with it (an older agent’s task had SNAT instead), and its gateway port isolated (an older agent’s was not)',
  );
  const known = desired(v, t, again);
  assert.deepEqual(planChange(again, known, names).batches, [], 'once applied, nothing again');
  const wrong: NetModel = structuredClone(observed);
  const w = wrong.tasks.get('taskaaaaaaaa');
  assert.ok(w?.legs[0]);
  w.legs[0].addr = '10.0.1.9/24';
  const plan = planChange(wrong, desired(v, t, wrong), names);
  assert.deepEqual(plan.addedTasks, ['taskaaaaaaaa']);
  assert.equal(plan.removedTasks.length, 1);
});

test('a task on a network missing from the view is invalid, not planned', () => {
  const bad = {
    ...task('taskdddddddddddd', '10.0.1.7/24'),
    networks: [{ networkId: 'nope', addresses: ['10.9.0.2/24'] }],
  };
  const r = desiredModel({
    view: view(),
    tasks: [bad as WireTask],
    nodeId: 'n1',
    applied: emptyModel(),
    rulesets,
  });
  assert.match(r.invalid.get('taskdddddddddddd') ?? '', /not in the node's view/);
  assert.equal(r.model.tasks.size, 0);
});

test('ingress: built while a service publishes, with the node leg and the other nodes legs as remotes', () => {
  const v = view();
  v.networks.push({
    id: 'ing',
    name: 'ingress',
    vni: 4096,
    subnet: '10.0.0.0/24',
    gateway: '10.0.0.1',
    attachable: false,
    ingress: true,
    internal: false,
    mtu: 1450,
  });
  v.nodes = [
    { id: 'n1', addr: '198.51.100.1', ingressAddr: '10.0.0.2/24' },
    { id: 'n2', addr: '198.51.100.2', ingressAddr: '10.0.0.3/24' },
  ];
  const quiet = desired(v, [], emptyModel());
  assert.equal(quiet.overlays.size, 0, 'no published port: no ingress overlay');
  v.services = [
    {
      id: 's',
      name: 'web',
      endpointMode: 'vip',
      virtualIps: [],
      ports: [{ name: '', protocol: 'tcp', targetPort: 80, publishedPort: 8080, publishMode: '' }],
    },
  ];
  const d = desired(v, [], emptyModel());
  assert.deepEqual(d.node.ingressLeg, { addr: '10.0.0.2/24', vni: 4096 });
  const all = lines(emptyModel(), d);
  assert.ok(all.includes('netns add p-ov4096'));
  assert.ok(
    all.includes(
      'link add shoaling0 address 02:42:0a:00:00:02 mtu 1450 type veth peer name leg0 netns p-ov4096 mtu 1450',
    ),
  );
  assert.ok(all.includes('link set leg0 master br0 up'));
  assert.ok(all.includes('neigh replace 10.0.0.3 lladdr 02:42:0a:00:00:03 dev vxlan0 nud permanent'));
  assert.ok(all.includes('fdb replace 02:42:0a:00:00:03 dev vxlan0 dst 198.51.100.2 self permanent'));
  assert.deepEqual(lines(d, desired(v, [], d)), []);
  // The last publisher goes: the overlay goes, and the leg with it.
  v.services = [];
  assert.deepEqual(lines(d, desired(v, [], d)), [
    'link del vxlan0',
    'link del shoaling0',
    'netns del p-ov4096',
  ]);
});

test('the gateway bridge is built on the range the view names: its address, eth1, the route, the masquerade, the DNS redirect', () => {
  const inputs: NodeRulesetInput[] = [];
  const redirects: TaskDnsRedirect[] = [];
  const recording: Rulesets = {
    task: (v, ids, dns) => (redirects.push(dns), rulesets.task(v, ids, dns)),
    node: i => (inputs.push(i), 'node'),
  };
  const d = onRange(
    '10.99.8.0/22',
    [task('taskaaaaaaaaaaaa', '10.0.1.3/24'), task('taskbbbbbbbbbbbb', '10.0.1.4/24')],
    emptyModel(),
    recording,
  ).model;
  assert.equal(d.node.gatewayBridge, '10.99.8.1/22');
  assert.equal(d.tasks.get('taskaaaaaaaa')?.gatewayAddr, '10.99.8.2/22');
  assert.equal(d.tasks.get('taskbbbbbbbb')?.gatewayAddr, '10.99.8.3/22');
  assert.equal(inputs[0]?.gatewaySubnet, '10.99.8.0/22', 'the masquerade covers the range');
  assert.equal(inputs[0]?.resolver, '10.99.8.1', 'the resolver is kept out of the published ports');
  assert.deepEqual(
    redirects,
    [{ resolver: '10.99.8.1' }, { resolver: '10.99.8.1' }],
    "each task's DNS goes to the bridge's address",
  );
  const all = lines(emptyModel(), d);
  assert.ok(all.includes('addr add 10.99.8.1/22 dev shoalgw0'));
  assert.ok(all.includes('addr add 10.99.8.2/22 dev eth1'));
  assert.equal(all.filter(l => l === 'route add default via 10.99.8.1 dev eth1').length, 2);
  assert.ok(
    all.includes('route replace local 127.0.0.11 dev lo src 10.99.8.2 table local') &&
      all.includes('route replace local 127.0.0.11 dev lo src 10.99.8.3 table local'),
    'each asks from its own eth1 address',
  );
  assert.ok(!all.some(l => l.includes('172.18.')), 'nothing on the default range');
});

test('no range from the managers: no task gets a sandbox, and the node keeps what it has', () => {
  const t = [task('taskaaaaaaaaaaaa', '10.0.1.3/24')];
  const r = onRange('', t);
  assert.equal(
    r.invalid.get('taskaaaaaaaaaaaa'),
    "the managers have not sent the node's gateway bridge range yet",
  );
  assert.equal(r.model.tasks.size, 0);
  assert.equal(r.model.node.gatewayBridge, undefined);
  assert.deepEqual(
    lines(emptyModel(), r.model),
    ['net.ipv4.ip_forward=1'],
    'no bridge, no ruleset built on a guess',
  );
  // A node that has its bridge and ruleset keeps them.
  const built = desired(view(), [], emptyModel());
  assert.deepEqual(lines(built, onRange('', [], built).model), []);
  const bad = onRange('10.99.0.1/24', t);
  assert.equal(
    bad.invalid.get('taskaaaaaaaaaaaa'),
    'the gateway bridge range "10.99.0.1/24" from the managers is not usable',
  );
});

test('another range than the one applied: the bridge is rebuilt and every task with it, on new addresses', () => {
  const t = [task('taskaaaaaaaaaaaa', '10.0.1.3/24')];
  const before = desired(view(), t, emptyModel());
  assert.equal(before.node.gatewayBridge, '172.18.0.1/16');
  assert.equal(before.tasks.get('taskaaaaaaaa')?.gatewayAddr, '172.18.0.2/16');
  const after = desired({ ...view(), gatewaySubnet: '192.168.9.0/24' }, t, before);
  assert.equal(after.tasks.get('taskaaaaaaaa')?.gatewayAddr, '192.168.9.2/24');
  const plan = planChange(before, after, names);
  assert.deepEqual(plan.addedTasks, ['taskaaaaaaaa']);
  const all = plan.batches.flatMap(b => b.lines);
  assert.ok(
    all.indexOf('link del shoalgw0') < all.indexOf('link add shoalgw0 address 02:42:c0:a8:09:01 type bridge'),
  );
  assert.ok(all.includes('addr add 192.168.9.1/24 dev shoalgw0'));
  assert.ok(all.includes('route add default via 192.168.9.1 dev eth1'));
  // Observed: a bridge without an address, or a task's eth1 outside the range, is rebuilt too.
  const observed: NetModel = structuredClone(after);
  observed.node.gatewayBridge = '';
  assert.ok(lines(observed, after).includes('link del shoalgw0'));
  assert.ok(lines(observed, after).includes('addr add 192.168.9.1/24 dev shoalgw0'));
  const stray: NetModel = structuredClone(after);
  const st = stray.tasks.get('taskaaaaaaaa');
  assert.ok(st);
  st.gatewayAddr = '192.168.9.255/24';
  assert.equal(
    desired({ ...view(), gatewaySubnet: '192.168.9.0/24' }, t, stray).tasks.get('taskaaaaaaaa')?.gatewayAddr,
    '192.168.9.2/24',
  );
});

test('a full gateway range: the tasks beyond it are invalid, not given an address outside it', () => {
  const tasks = Array.from({ length: 254 }, (_, i) =>
    task(`t${String(i).padStart(11, '0')}tttt`, `10.0.1.${i + 1}/24`),
  );
  const r = onRange('10.99.0.0/24', tasks);
  assert.equal(r.model.tasks.size, 253);
  assert.equal(r.invalid.size, 1);
  assert.equal(
    r.invalid.get('t00000000253tttt'),
    "no address is left for eth1 on the node's gateway bridge (10.99.0.0/24)",
  );
  const addrs = [...r.model.tasks.values()].map(s => s.gatewayAddr);
  assert.equal(addrs.at(-1), '10.99.0.254/24');
  assert.ok(!addrs.includes('10.99.0.255/24'));
});

test("a new task's namespace gets its ruleset without the replace's delete; an adopted one the whole replace", () => {
  const replace = 'table ip shoal\ndelete table ip shoal\ntable ip shoal {\n}';
  const real: Rulesets = { task: () => replace, node: () => 'node' };
  const t = [task('taskaaaaaaaaaaaa', '10.0.1.3/24')];
  const d = desiredModel({
    view: view(),
    tasks: t,
    nodeId: 'n1',
    applied: emptyModel(),
    rulesets: real,
  }).model;
  const nftOf = (plan: ReturnType<typeof planChange>): string[] =>
    plan.batches.filter(b => b.tool === 'nft' && b.netns === 'p-ttaskaaaaaaaa').flatMap(b => b.lines);
  assert.deepEqual(
    nftOf(planChange(emptyModel(), d, names)),
    ['table ip shoal {\n}'],
    'a namespace made now',
  );
  const observed: NetModel = structuredClone(d);
  const obs = observed.tasks.get('taskaaaaaaaa');
  assert.ok(obs);
  obs.nft = undefined;
  assert.deepEqual(nftOf(planChange(observed, d, names)), [replace], 'adopted: its table may exist');
  assert.equal(d.tasks.get('taskaaaaaaaa')?.nft, replace, 'the model keeps the whole text');
});
