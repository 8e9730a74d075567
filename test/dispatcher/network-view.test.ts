/**
 * A node's network view: the networks its tasks are on and ingress, every placed task's address on them
 * (running ones flagged as backends), the services behind them, and the nodes holding them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { networkViewFor } from '../../server/dispatcher/network-view.ts';
import type { Network, Node, Service, Task, TaskState } from '../../server/store/index.ts';
import { newTaskSpec } from '../store/fixtures.ts';

const meta = { version: { index: 1 }, createdAt: 0, updatedAt: 0 };

function network(id: string, vni: number, o: { ingress?: boolean } = {}): Network {
  return {
    id,
    meta,
    spec: {
      name: id,
      labels: {},
      driver: 'overlay',
      driverOptions: {},
      attachable: false,
      internal: false,
      ingress: o.ingress ?? false,
    },
    allocation: { subnet: `10.0.${vni - 4096}.0/24`, gateway: `10.0.${vni - 4096}.1`, vni },
  };
}

function node(id: string, addr: string, ingressAddr?: string): Node {
  return {
    id,
    meta,
    spec: { availability: 'active', labels: {} },
    role: 'worker',
    status: { state: 'ready', addr },
    description: { hostname: id },
    certificate: { status: 'issued' },
    ...(ingressAddr === undefined ? {} : { attachment: { networkId: 'ing', addresses: [ingressAddr] } }),
  } as Node;
}

function service(id: string, o: { vips?: [string, string][]; publish?: number } = {}): Service {
  const ports =
    o.publish === undefined
      ? []
      : [
          {
            protocol: 'tcp' as const,
            targetPort: 80,
            publishedPort: o.publish,
            publishMode: 'ingress' as const,
          },
        ];
  return {
    id,
    meta,
    spec: {
      name: id,
      labels: {},
      mode: { replicated: { replicas: 1 } },
      task: newTaskSpec(),
      networks: [],
      endpoint: { mode: 'vip', ports },
    },
    endpoint: { ports, virtualIPs: (o.vips ?? []).map(([networkId, addr]) => ({ networkId, addr })) },
  } as unknown as Service;
}

function task(
  id: string,
  serviceId: string,
  nodeId: string,
  state: TaskState,
  nets: [string, string][],
): Task {
  return {
    id,
    meta,
    serviceId,
    slot: 1,
    nodeId,
    desiredState: 'running',
    status: { state, timestamp: 0 },
    spec: newTaskSpec(),
    networks: nets.map(([networkId, addr]) => ({ networkId, addresses: [addr] })),
  };
}

const inputs = {
  nodes: [
    node('n1', '198.51.100.1', '10.0.0.2/24'),
    node('n2', '198.51.100.2', '10.0.0.3/24'),
    node('n3', '198.51.100.3'),
  ],
  networks: [network('ing', 4096, { ingress: true }), network('test', 4097), network('other', 4098)],
  services: [
    service('web', { vips: [['test', '10.0.1.2/24']] }),
    service('db', { vips: [['other', '10.0.2.2/24']] }),
    service('pub', { vips: [['ing', '10.0.0.5/24']], publish: 9000 }),
  ],
  tasks: [
    task('a', 'web', 'n1', 'running', [['test', '10.0.1.3/24']]),
    task('b', 'web', 'n2', 'starting', [['test', '10.0.1.4/24']]),
    task('c', 'web', 'n3', 'failed', [['test', '10.0.1.5/24']]),
    task('d', 'db', 'n2', 'running', [['other', '10.0.2.3/24']]),
    task('e', 'pub', 'n3', 'running', [['ing', '10.0.0.6/24']]),
    task('f', 'web', '', 'pending', [['test', '10.0.1.6/24']]),
  ],
  gatewaySubnet: '172.31.0.0/20',
};

test('a node sees its tasks’ networks and ingress, with every placed endpoint on them', () => {
  const v = networkViewFor('n1', inputs);
  assert.deepEqual(
    v.networks.map(n => [n.id, n.vni, n.subnet, n.gateway, n.ingress]),
    [
      ['ing', 4096, '10.0.0.0/24', '10.0.0.1', true],
      ['test', 4097, '10.0.1.0/24', '10.0.1.1', false],
    ],
  );
  // c ended, f is not placed, d is on a network n1 has no task on.
  assert.deepEqual(
    v.endpoints.map(e => [e.networkId, e.taskId, e.nodeId, e.addr, e.running]),
    [
      ['ing', 'e', 'n3', '10.0.0.6/24', true],
      ['test', 'a', 'n1', '10.0.1.3/24', true],
      ['test', 'b', 'n2', '10.0.1.4/24', false],
    ],
  );
  // Every service, so that the DNS knows names on other networks (db) and answers NXDOMAIN for them.
  assert.deepEqual(
    v.services.map(s => [s.id, s.virtualIps.map(x => x.addr)]),
    [
      ['db', ['10.0.2.2/24']],
      ['pub', ['10.0.0.5/24']],
      ['web', ['10.0.1.2/24']],
    ],
  );
  assert.deepEqual(
    v.nodes.map(n => [n.id, n.addr, n.ingressAddr]),
    [
      ['n1', '198.51.100.1', '10.0.0.2/24'],
      ['n2', '198.51.100.2', '10.0.0.3/24'],
      ['n3', '198.51.100.3', ''],
    ],
  );
  assert.equal(v.gatewaySubnet, '172.31.0.0/20', "the cluster's gateway bridge range goes with every view");
});

test('another node sees only its own networks; equal inputs give deeply equal views', () => {
  const v = networkViewFor('n2', inputs);
  assert.deepEqual(
    v.networks.map(n => n.id),
    ['ing', 'other', 'test'],
  );
  assert.deepEqual(networkViewFor('n2', inputs), v);
  const idle = networkViewFor('n9', inputs);
  assert.deepEqual(
    idle.networks.map(n => n.id),
    ['ing'],
  );
  assert.deepEqual(
    idle.endpoints.map(e => e.taskId),
    ['e'],
  );
});

test('without a service published through the routing mesh, no node is in a view for its ingress leg alone', () => {
  // pub's port in host mode: nodes build no ingress overlay, so their legs would go to every view unused.
  const host = service('pub', { vips: [['ing', '10.0.0.5/24']], publish: 9000 });
  for (const p of host.spec.endpoint.ports) p.publishMode = 'host';
  for (const p of host.endpoint?.ports ?? []) p.publishMode = 'host';
  const quiet = { ...inputs, services: [inputs.services[0]!, inputs.services[1]!, host] };
  // n1 sees itself and n2 (b, on test); n3 only held e on ingress, which every view holds: it stays.
  assert.deepEqual(
    networkViewFor('n1', quiet).nodes.map(n => [n.id, n.ingressAddr]),
    [
      ['n1', ''],
      ['n2', ''],
      ['n3', ''],
    ],
  );
  // n9 has no task: before, n1 and n2 were in its view for their legs; now only the holder of e.
  assert.deepEqual(
    networkViewFor('n9', quiet).nodes.map(n => n.id),
    ['n3'],
  );
  assert.deepEqual(
    networkViewFor('n9', inputs).nodes.map(n => [n.id, n.ingressAddr]),
    [
      ['n1', '10.0.0.2/24'],
      ['n2', '10.0.0.3/24'],
      ['n3', ''],
    ],
  );
});

test('a network’s --internal flag and its MTU option (else 1450) reach the node', () => {
  const internal = network('test', 4097);
  internal.spec.internal = true;
  internal.spec.driverOptions = { 'com.docker.network.driver.mtu': '1400' };
  const v = networkViewFor('n1', {
    ...inputs,
    networks: [network('ing', 4096, { ingress: true }), internal],
  });
  assert.deepEqual(
    v.networks.map(n => [n.id, n.internal, n.mtu]),
    [
      ['ing', false, 1450],
      ['test', true, 1400],
    ],
  );
});
