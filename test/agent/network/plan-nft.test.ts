/** The nftables rulesets (pure): exact text for small views, determinism, and what is left out. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NetworkView, ViewEndpoint } from '../../../proto/dispatcher-types.ts';
import {
  freshRuleset,
  nodeRuleset,
  taskRuleset,
  type NodeRulesetInput,
} from '../../../agent/network/planner/plan-nft.ts';
import { viewEndpoint, viewNetwork, viewService } from './view-fixtures.ts';

const net = viewNetwork;
const svc = viewService;
const ep = (serviceId: string, networkId: string, addr: string, running = true): ViewEndpoint =>
  viewEndpoint(serviceId, networkId, addr, running);

const ING = net('ing', '10.0.0.0/24', true);
const FRONT = net('front', '10.0.1.0/24');
const BACK = net('back', '10.0.2.0/24');

/** web: VIP on front (3 tasks, one not running), port 9000→80 and udp 9053→53 published; api: VIP on back; db: dnsrr. */
const VIEW: NetworkView = {
  networks: [BACK, FRONT, ING],
  nodes: [],
  services: [
    svc(
      'web',
      [
        ['front', '10.0.1.2/24'],
        ['ing', '10.0.0.5/24'],
      ],
      [
        { publishedPort: 9000 },
        { protocol: 'udp', publishedPort: 9053, targetPort: 53, publishMode: 'ingress' },
      ],
    ),
    svc('api', [['back', '10.0.2.2/24']]),
    svc('db', []),
  ],
  endpoints: [
    ep('api', 'back', '10.0.2.3/24'),
    ep('db', 'back', '10.0.2.9/24'),
    ep('web', 'front', '10.0.1.10/24'),
    ep('web', 'front', '10.0.1.4/24'),
    ep('web', 'front', '10.0.1.3/24', false),
    ep('web', 'ing', '10.0.0.12/24'),
    ep('web', 'ing', '10.0.0.11/24'),
  ],
  gatewaySubnet: '172.18.0.0/16',
};

const HEADER = ['table ip shoal', 'delete table ip shoal', 'table ip shoal {'];
const text = (lines: string[]): string =>
  lines.join('\n').replace(/^ {2,}/gm, m => '\t'.repeat(m.length / 2)) + '\n';

test('task ruleset: each VIP on the task networks spreads over its running backends, at the same port', () => {
  assert.equal(
    taskRuleset(VIEW, ['back', 'front', 'ing']),
    text([
      ...HEADER,
      '  map vips {',
      '    type ipv4_addr : verdict',
      '    elements = {',
      '      10.0.1.2 : jump vip_web_front,',
      '      10.0.2.2 : jump vip_api_back',
      '    }',
      '  }',
      '  chain vip_web_front {',
      '    dnat to numgen inc mod 2 map { 0 : 10.0.1.4, 1 : 10.0.1.10 }',
      '  }',
      '  chain vip_api_back {',
      '    dnat to 10.0.2.3',
      '  }',
      '  chain nat_output {',
      '    type nat hook output priority -100; policy accept;',
      '    ct state established counter',
      '    ip daddr vmap @vips',
      '  }',
      '}',
    ]),
  );
});

test('task ruleset: only the networks given; a VIP without a running backend is rejected (tcp reset, icmp otherwise)', () => {
  const view: NetworkView = { ...VIEW, endpoints: VIEW.endpoints.filter(e => e.serviceId !== 'web') };
  assert.equal(
    taskRuleset(view, ['front']),
    text([
      ...HEADER,
      '  chain nat_output {',
      '    type nat hook output priority -100; policy accept;',
      '    ct state established counter',
      '  }',
      '  chain filter_output {',
      '    type filter hook output priority filter; policy accept;',
      '    ip daddr { 10.0.1.2 } meta l4proto tcp reject with tcp reset',
      '    ip daddr { 10.0.1.2 } reject with icmp type port-unreachable',
      '  }',
      '}',
    ]),
  );
});

test('task ruleset: empty (no networks, only the ingress one, or only dnsrr services) keeps the nat output chain', () => {
  const empty = text([
    ...HEADER,
    '  chain nat_output {',
    '    type nat hook output priority -100; policy accept;',
    '    ct state established counter',
    '  }',
    '}',
  ]);
  assert.equal(taskRuleset(VIEW, []), empty);
  assert.equal(
    taskRuleset(VIEW, ['ing']),
    empty,
    'the ingress VIP is the routing mesh, not load balanced here',
  );
  assert.equal(
    taskRuleset({ ...VIEW, services: [svc('db', [])] }, ['back']),
    empty,
    'dnsrr: no VIP, nothing',
  );
  assert.equal(
    taskRuleset({ networks: [], nodes: [], services: [], endpoints: [], gatewaySubnet: '172.18.0.0/16' }, [
      'front',
    ]),
    empty,
  );
  assert.equal(taskRuleset(VIEW, ['nope']), empty, 'a network not in the view');
});

test('task ruleset: deterministic whatever the input order, and the same text again for the same view', () => {
  const once = taskRuleset(VIEW, ['front', 'back']);
  assert.equal(taskRuleset(VIEW, ['front', 'back']), once);
  const shuffled: NetworkView = {
    networks: [...VIEW.networks].reverse(),
    nodes: [],
    services: [...VIEW.services].reverse().map(s => ({ ...s, virtualIps: [...s.virtualIps].reverse() })),
    endpoints: [...VIEW.endpoints].reverse(),
    gatewaySubnet: '172.18.0.0/16',
  };
  assert.equal(taskRuleset(shuffled, ['back', 'front', 'back']), once);
});

test('task ruleset: duplicate and malformed entries are left out rather than breaking the whole file', () => {
  const view: NetworkView = {
    networks: [FRONT],
    nodes: [],
    services: [
      svc('a', [['front', '10.0.1.2/24']]),
      svc('b', [['front', '10.0.1.2/24']]),
      svc('c', [['front', 'x']]),
    ],
    endpoints: [ep('a', 'front', '10.0.1.3/24'), ep('a', 'front', '10.0.1.3/24'), ep('a', 'front', 'bad/24')],
    gatewaySubnet: '172.18.0.0/16',
  };
  const out = taskRuleset(view, ['front']);
  assert.match(out, /^\t\t\t10\.0\.1\.2 : jump vip_a_front$/m);
  assert.match(out, /^\t\tdnat to 10\.0\.1\.3$/m);
  assert.doesNotMatch(out, /vip_b|vip_c|bad/);
});

test('task ruleset: ids that are not plain base-36 give distinct valid chain names', () => {
  const view: NetworkView = {
    networks: [net('f_1', '10.0.1.0/24')],
    nodes: [],
    services: [svc('a_b', [['f_1', '10.0.1.2/24']]), svc('a.b', [['f_1', '10.0.1.5/24']])],
    endpoints: [ep('a_b', 'f_1', '10.0.1.3/24'), ep('a.b', 'f_1', '10.0.1.4/24')],
    gatewaySubnet: '172.18.0.0/16',
  };
  const out = taskRuleset(view, ['f_1']);
  assert.match(out, /10\.0\.1\.2 : jump vip_a-5fb_f-5f1/);
  assert.match(out, /10\.0\.1\.5 : jump vip_a-2eb_f-5f1/);
});

const node = (over: Partial<NodeRulesetInput> = {}): NodeRulesetInput => ({
  view: VIEW,
  gatewayBridge: 'shoalgw0',
  gatewaySubnet: '172.18.0.0/16',
  ingressLeg: 'shoaling0',
  hostPorts: [],
  internalAddrs: [],
  ...over,
});

test('node ruleset: routing mesh over the ingress network (tcp and udp), host ports, gateway masquerade', () => {
  const out = nodeRuleset(
    node({
      hostPorts: [
        { protocol: 'udp', publishedPort: 5353, addr: '172.18.0.4', targetPort: 53 },
        { protocol: 'tcp', publishedPort: 8080, addr: '172.18.0.3', targetPort: 80 },
      ],
    }),
  );
  assert.equal(
    out,
    text([
      ...HEADER,
      '  map published_tcp {',
      '    type inet_service : verdict',
      '    elements = {',
      '      8080 : jump host_ports,',
      '      9000 : jump mesh_web',
      '    }',
      '  }',
      '  map published_udp {',
      '    type inet_service : verdict',
      '    elements = {',
      '      5353 : jump host_ports,',
      '      9053 : jump mesh_web',
      '    }',
      '  }',
      '  chain mesh_web {',
      '    tcp dport 9000 dnat to numgen inc mod 2 map { 0 : 10.0.0.11 . 80, 1 : 10.0.0.12 . 80 }',
      '    udp dport 9053 dnat to numgen inc mod 2 map { 0 : 10.0.0.11 . 53, 1 : 10.0.0.12 . 53 }',
      '  }',
      '  chain host_ports {',
      '    tcp dport 8080 dnat to 172.18.0.3:80',
      '    udp dport 5353 dnat to 172.18.0.4:53',
      '  }',
      '  chain nat_prerouting {',
      '    type nat hook prerouting priority dstnat; policy accept;',
      '    fib daddr type local tcp dport vmap @published_tcp',
      '    fib daddr type local udp dport vmap @published_udp',
      '  }',
      '  chain nat_output {',
      '    type nat hook output priority -100; policy accept;',
      '    ct state established counter',
      '    fib daddr type local tcp dport vmap @published_tcp',
      '    fib daddr type local udp dport vmap @published_udp',
      '  }',
      '  chain nat_postrouting {',
      '    type nat hook postrouting priority srcnat; policy accept;',
      '    oifname "shoaling0" masquerade',
      '    oifname "shoalgw0" ip saddr 127.0.0.0/8 masquerade',
      '    ip saddr 172.18.0.0/16 oifname != "shoalgw0" masquerade',
      '  }',
      '  chain raw_prerouting {',
      '    type filter hook prerouting priority raw; policy accept;',
      '    iifname { "shoalgw0", "shoaling0" } ip daddr 127.0.0.0/8 drop',
      '  }',
      '}',
    ]),
  );
});

test('node ruleset: a published port without a running task is rejected; host-mode and unpublished ports are not meshed', () => {
  const view: NetworkView = {
    ...VIEW,
    services: [
      svc(
        'web',
        [['ing', '10.0.0.5/24']],
        [{ publishedPort: 9000 }, { protocol: 'udp', publishedPort: 9053 }],
      ),
      svc(
        'api',
        [],
        [
          { publishedPort: 7000, publishMode: 'host' },
          { publishedPort: 0 },
          { protocol: 'sctp', publishedPort: 7001 },
        ],
      ),
    ],
    endpoints: VIEW.endpoints.map(e => ({ ...e, running: e.serviceId !== 'web' })),
  };
  assert.equal(
    nodeRuleset(node({ view })),
    text([
      ...HEADER,
      '  chain nat_prerouting {',
      '    type nat hook prerouting priority dstnat; policy accept;',
      '  }',
      '  chain nat_output {',
      '    type nat hook output priority -100; policy accept;',
      '    ct state established counter',
      '  }',
      '  chain nat_postrouting {',
      '    type nat hook postrouting priority srcnat; policy accept;',
      '    oifname "shoaling0" masquerade',
      '    oifname "shoalgw0" ip saddr 127.0.0.0/8 masquerade',
      '    ip saddr 172.18.0.0/16 oifname != "shoalgw0" masquerade',
      '  }',
      '  chain raw_prerouting {',
      '    type filter hook prerouting priority raw; policy accept;',
      '    iifname { "shoalgw0", "shoaling0" } ip daddr 127.0.0.0/8 drop',
      '  }',
      '  chain filter_input {',
      '    type filter hook input priority filter; policy accept;',
      '    fib daddr type local tcp dport { 9000 } reject with tcp reset',
      '    fib daddr type local udp dport { 9053 } reject with icmp type port-unreachable',
      '  }',
      '}',
    ]),
  );
  const noIngressNetwork: NetworkView = { ...VIEW, networks: [FRONT] };
  assert.match(nodeRuleset(node({ view: noIngressNetwork })), /tcp dport \{ 9000 \} reject with tcp reset/);
});

test('node ruleset: without an ingress leg, no mesh (nor its masquerade); host ports still work', () => {
  const out = nodeRuleset(
    node({
      ingressLeg: undefined,
      hostPorts: [{ protocol: 'tcp', publishedPort: 8080, addr: '172.18.0.3', targetPort: 80 }],
    }),
  );
  assert.doesNotMatch(out, /mesh|shoaling0|9000|reject/);
  assert.match(out, /^\t\ttcp dport 8080 dnat to 172\.18\.0\.3:80$/m);
  assert.match(out, /^\t\t\t8080 : jump host_ports$/m);
  assert.match(out, /^\t\tip saddr 172\.18\.0\.0\/16 oifname != "shoalgw0" masquerade$/m);
});

test('node ruleset: deterministic and free of duplicate keys (the first taker of a port keeps it)', () => {
  const hostPorts: NodeRulesetInput['hostPorts'] = [
    { protocol: 'tcp', publishedPort: 8081, addr: '172.18.0.9', targetPort: 81 },
    { protocol: 'tcp', publishedPort: 8081, addr: '172.18.0.3', targetPort: 80 },
    { protocol: 'tcp', publishedPort: 9000, addr: '172.18.0.3', targetPort: 80 },
    { protocol: 'tcp', publishedPort: 70000, addr: '172.18.0.3', targetPort: 80 },
  ];
  const view: NetworkView = {
    ...VIEW,
    services: [...VIEW.services, svc('zzz', [], [{ publishedPort: 9000, targetPort: 1 }])],
  };
  const once = nodeRuleset(node({ view, hostPorts }));
  assert.equal(nodeRuleset(node({ view, hostPorts })), once);
  const shuffled = nodeRuleset(
    node({
      view: { ...view, services: [...view.services].reverse(), endpoints: [...view.endpoints].reverse() },
      hostPorts: [...hostPorts].reverse(),
    }),
  );
  assert.equal(shuffled, once);
  assert.equal(once.match(/^\t\t\t9000 : /gm)?.length, 1);
  assert.match(once, /^\t\t\t9000 : jump mesh_web,?$/m, 'the routing mesh keeps its port');
  assert.match(once, /^\t\ttcp dport 8081 dnat to 172\.18\.0\.3:80$/m);
  assert.doesNotMatch(once, /172\.18\.0\.9|70000|mesh_zzz/);
});

test('node ruleset: a malformed bridge, leg or subnet is a configuration error', () => {
  assert.throws(() => nodeRuleset(node({ gatewayBridge: 'br"; flush ruleset' })), /bad interface name/);
  assert.throws(() => nodeRuleset(node({ ingressLeg: 'much-too-long-name0' })), /bad interface name/);
  assert.throws(() => nodeRuleset(node({ gatewaySubnet: '172.18.0.0' })), /bad gateway subnet/);
});

test('task ruleset with the DNS redirect: 127.0.0.11:53 to the resolver, no SNAT (the route picks eth1); loopback closed to the bridge', () => {
  const view: NetworkView = { ...VIEW, endpoints: [] };
  assert.equal(
    taskRuleset(view, ['back'], { resolver: '172.18.0.1' }),
    text([
      ...HEADER,
      '  chain nat_output {',
      '    type nat hook output priority -100; policy accept;',
      '    ct state established counter',
      '    ip daddr 127.0.0.11 udp dport 53 dnat to 172.18.0.1:53',
      '    ip daddr 127.0.0.11 tcp dport 53 dnat to 172.18.0.1:53',
      '  }',
      '  chain filter_input {',
      '    type filter hook input priority filter; policy accept;',
      '    iifname != "lo" ip daddr 127.0.0.0/8 ct state != { established, related } drop',
      '  }',
      '  chain filter_output {',
      '    type filter hook output priority filter; policy accept;',
      '    ip daddr { 10.0.2.2 } meta l4proto tcp reject with tcp reset',
      '    ip daddr { 10.0.2.2 } reject with icmp type port-unreachable',
      '  }',
      '}',
    ]),
  );
  assert.equal(
    taskRuleset(view, ['back'], { resolver: '' }),
    taskRuleset(view, ['back']),
    'no resolver address (no gateway range yet): no redirect rather than a broken one',
  );
});

test('node ruleset: the resolver on the bridge is never taken by a published port 53, meshed or refused', () => {
  const dns = { protocol: 'udp', publishedPort: 53, targetPort: 53, publishMode: 'ingress' } as const;
  const view: NetworkView = {
    ...VIEW,
    services: [svc('web', [['ing', '10.0.0.5/24']], [dns, { ...dns, protocol: 'tcp' }])],
  };
  const exempt = '\t\tiifname "shoalgw0" ip daddr 172.18.0.1 meta l4proto { tcp, udp } th dport 53 accept';
  const meshed = nodeRuleset(node({ view, resolver: '172.18.0.1' })).split('\n');
  const pre = meshed.indexOf('\t\ttype nat hook prerouting priority dstnat; policy accept;');
  assert.equal(meshed[pre + 1], exempt, 'before the published ports are looked up');
  assert.match(meshed[pre + 2] ?? '', /vmap @published_tcp/);
  const refused = nodeRuleset(node({ view: { ...view, endpoints: [] }, resolver: '172.18.0.1' })).split('\n');
  const input = refused.indexOf('\t\ttype filter hook input priority filter; policy accept;');
  assert.equal(refused[input + 1], exempt, 'before the refusal of a port without a task');
  assert.match(refused[input + 2] ?? '', /reject/);
  assert.equal(
    nodeRuleset(node({ resolver: '172.18.0.1', view: { ...VIEW, services: [] } })),
    nodeRuleset(node({ view: { ...VIEW, services: [] } })),
    'nothing published: nothing to keep out',
  );
});

test('freshRuleset: the replace without its delete, for a namespace with no table yet; anything else as it is', () => {
  const full = taskRuleset(VIEW, ['front']);
  assert.ok(full.startsWith('table ip shoal\ndelete table ip shoal\ntable ip shoal {'));
  assert.equal(freshRuleset(full), full.slice('table ip shoal\ndelete table ip shoal\n'.length));
  assert.equal(freshRuleset('table ip other {\n}'), 'table ip other {\n}');
});
