/**
 * The planner honours `network create --internal` (a task on internal networks only gets no way out:
 * eth1 is a /32 with a route to the bridge's address alone, the node forwards nothing of it and takes
 * only DNS from it) and the MTU option (bridge, vxlan0, both ends of every task leg; a changed MTU
 * rebuilds the overlay). Published ports' DNAT from 127.0.0.1 gets route_localnet on the bridge and leg.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WireTask } from '../../../proto/control-types.ts';
import type { NetworkView } from '../../../proto/dispatcher-types.ts';
import { nodeRuleset } from '../../../agent/network/planner/plan-nft.ts';
import { planChange } from '../../../agent/network/planner/change-plan.ts';
import { desiredModel, type NodeRulesetInput } from '../../../agent/network/planner/desired.ts';
import { emptyModel, type NetModel } from '../../../agent/network/planner/model.ts';
import { viewNetwork, viewService } from './view-fixtures.ts';

const names = { prefix: 'p', nodeNetns: 'nodens' };

/** Two overlays on node n1: `in` (internal, VNI 4097) and `out` (VNI 4098); a host-mode port on `s`. */
function view(o: { mtu?: number } = {}): NetworkView {
  return {
    networks: [
      { ...viewNetwork('in', '10.0.1.0/24', false, 4097), internal: true, mtu: o.mtu ?? 1450 },
      viewNetwork('out', '10.0.2.0/24', false, 4098),
    ],
    nodes: [{ id: 'n1', addr: '198.51.100.1', ingressAddr: '' }],
    services: [viewService('s', [], [{ publishedPort: 7000, targetPort: 80, publishMode: 'host' }])],
    endpoints: [],
    gatewaySubnet: '172.18.0.0/16',
  };
}

function task(id: string, ...nets: [string, string][]): WireTask {
  return {
    id,
    serviceId: 's',
    networks: nets.map(([networkId, addr]) => ({ networkId, addresses: [addr] })),
  } as unknown as WireTask;
}

function plan(v: NetworkView, tasks: WireTask[], applied = emptyModel()) {
  const nodeInputs: NodeRulesetInput[] = [];
  const d = desiredModel({
    view: v,
    tasks,
    nodeId: 'n1',
    applied,
    rulesets: {
      task: () => 'task',
      node: input => {
        nodeInputs.push(input);
        return 'node';
      },
    },
  });
  const lines = planChange(applied, d.model, names).batches.flatMap(b =>
    b.lines.map(l => `${b.tool}@${b.netns ?? ''}: ${l}`),
  );
  return { model: d.model, lines, node: nodeInputs.at(-1) };
}

const INTERNAL = task('taskinternal0', ['in', '10.0.1.3/24']);
const BOTH = task('taskboth00000', ['in', '10.0.1.4/24'], ['out', '10.0.2.4/24']);

test('a task on internal networks only: eth1 a /32, a route to the bridge alone, no default route, no host port', () => {
  const { lines, node } = plan(view(), [INTERNAL]);
  const own = lines.filter(l => l.startsWith('ip@p-ttaskinternal:'));
  assert.ok(own.includes('ip@p-ttaskinternal: addr add 172.18.0.2/32 dev eth1'), own.join('\n'));
  assert.ok(own.includes('ip@p-ttaskinternal: route add 172.18.0.1/32 dev eth1'), own.join('\n'));
  assert.ok(!own.some(l => l.includes('default')), own.join('\n'));
  assert.deepEqual(node?.internalAddrs, ['172.18.0.2']);
  assert.deepEqual(node?.hostPorts, []);
});

test('a task also on a network that is not internal keeps its way out (Docker’s rule)', () => {
  const { lines, node } = plan(view(), [BOTH]);
  assert.ok(lines.includes('ip@p-ttaskboth0000: addr add 172.18.0.2/16 dev eth1'));
  assert.ok(lines.includes('ip@p-ttaskboth0000: route add default via 172.18.0.1 dev eth1'));
  assert.deepEqual(node?.internalAddrs, []);
  assert.deepEqual(node?.hostPorts, [
    { protocol: 'tcp', publishedPort: 7000, addr: '172.18.0.2', targetPort: 80 },
  ]);
});

test('a task applied with a way out whose networks are now all internal is rebuilt without one, same address', () => {
  const before = plan(view(), [task('taskinternal0', ['out', '10.0.2.3/24'])]).model;
  const outOnly = before.tasks.get('taskinternal');
  assert.equal(outOnly?.gatewayAddr, '172.18.0.2/16');
  const v = view();
  v.networks = v.networks.map(n => ({ ...n, internal: true }));
  const { lines, model } = plan(v, [task('taskinternal0', ['out', '10.0.2.3/24'])], before);
  assert.ok(lines.includes('ip@: netns del p-ttaskinternal'), lines.join('\n'));
  assert.equal(model.tasks.get('taskinternal')?.gatewayAddr, '172.18.0.2/32');
  // Planning again against what was applied: nothing to do.
  assert.deepEqual(
    plan(v, [task('taskinternal0', ['out', '10.0.2.3/24'])], model).lines.filter(l => !l.startsWith('nft')),
    [],
  );
});

test('the MTU option: bridge, vxlan0 and both ends of a task leg; the default 1450 elsewhere', () => {
  const { lines } = plan(view({ mtu: 1400 }), [BOTH]);
  const has = (re: RegExp): void =>
    assert.ok(
      lines.some(l => re.test(l)),
      `${re}\n${lines.join('\n')}`,
    );
  has(/^ip@nodens: link add vxlan0 netns p-ov4097 mtu 1400 type vxlan id 4097 /);
  has(/^ip@p-ov4097: link add br0 mtu 1400 type bridge$/);
  has(/^ip@p-ov4097: link add vtaskboth0000 mtu 1400 master br0 up type veth peer name eth0 .* mtu 1400$/);
  has(/^ip@nodens: link add vxlan0 netns p-ov4098 mtu 1450 type vxlan id 4098 /);
  has(/^ip@p-ov4098: link add br0 mtu 1450 type bridge$/);
  has(/^ip@p-ov4098: link add vtaskboth0000 mtu 1450 master br0 up type veth peer name eth2 .* mtu 1450$/);
});

test('an overlay applied with another MTU is rebuilt with its tasks; a view without an MTU means 1450', () => {
  const applied: NetModel = plan(view(), [INTERNAL]).model;
  assert.equal(applied.overlays.get(4097)?.mtu, 1450);
  const { lines } = plan(view({ mtu: 1400 }), [INTERNAL], applied);
  assert.ok(lines.includes('ip@p-ov4097: link del vxlan0'), lines.join('\n'));
  assert.ok(lines.includes('ip@: netns del p-ttaskinternal'), lines.join('\n'));
  assert.ok(lines.some(l => l.startsWith('ip@nodens: link add vxlan0 netns p-ov4097 mtu 1400')));
  assert.equal(plan(view({ mtu: 0 }), [INTERNAL]).model.overlays.get(4097)?.mtu, 1450);
});

test('route_localnet on the bridge and the ingress leg, as each is made (and on the first change after a start)', () => {
  const v = view();
  v.networks.push({ ...viewNetwork('ing', '10.0.0.0/24', true, 4096) });
  v.nodes = [{ id: 'n1', addr: '198.51.100.1', ingressAddr: '10.0.0.2/24' }];
  v.services.push(viewService('pub', [['ing', '10.0.0.5/24']], [{ publishedPort: 9000 }]));
  const first = plan(v, [BOTH]);
  // (A task's own route_localnet, for its DNS redirect, is plan-dns-redirect's.)
  const sysctls = first.lines.filter(l => l.startsWith('sysctl@nodens'));
  assert.deepEqual(sysctls, [
    'sysctl@nodens: net.ipv4.ip_forward=1',
    'sysctl@nodens: net.ipv4.conf.shoalgw0.route_localnet=1',
    'sysctl@nodens: net.ipv4.conf.shoaling0.route_localnet=1',
  ]);
  assert.deepEqual(
    plan(v, [BOTH], first.model).lines.filter(l => l.startsWith('sysctl@')),
    [],
    'nothing again once applied',
  );
});

test('node ruleset: nothing of an internal task is forwarded, the node takes only DNS from it', () => {
  const out = nodeRuleset({
    view: view(),
    gatewayBridge: 'shoalgw0',
    gatewaySubnet: '172.18.0.0/16',
    ingressLeg: undefined,
    hostPorts: [],
    internalAddrs: ['172.18.0.9', '172.18.0.3', 'bad', '172.18.0.3'],
  });
  const from = 'iifname "shoalgw0" ip saddr { 172.18.0.3, 172.18.0.9 }';
  assert.match(
    out,
    new RegExp(`chain filter_forward \\{\\n.*type filter hook forward.*\\n\\t\\t${esc(from)} drop\\n`),
  );
  assert.match(
    out,
    new RegExp(
      `chain filter_input \\{\\n.*type filter hook input.*\\n\\t\\t${esc(from)} meta l4proto \\{ tcp, udp \\} th dport 53 accept\\n\\t\\t${esc(from)} drop\\n`,
    ),
  );
  assert.doesNotMatch(
    nodeRuleset({
      view: view(),
      gatewayBridge: 'shoalgw0',
      gatewaySubnet: '172.18.0.0/16',
      ingressLeg: undefined,
      hostPorts: [],
      internalAddrs: [],
    }),
    /filter_forward|filter_input/,
  );
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
