/** The scheduler, case by case: spread, availability, constraints, host ports and Swarm's reasons. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  explainFailures,
  schedule,
  type FilterName,
  type ScheduleInput,
  type SchedulerNode,
} from '../../server/scheduler/index.ts';
import { countsByNode, node, task, tasks } from './objects.ts';

const WORKERS = [node('a'), node('b'), node('c')];

test('6 replicas on 3 workers spread 2-2-2, round robin by node id', () => {
  const result = schedule({ nodes: WORKERS, tasks: [], pending: tasks('t', 'web', 6) });
  assert.deepEqual(countsByNode(WORKERS, result.assignments), { a: 2, b: 2, c: 2 });
  assert.deepEqual(
    [...result.assignments],
    [
      ['t1', 'a'],
      ['t2', 'b'],
      ['t3', 'c'],
      ['t4', 'a'],
      ['t5', 'b'],
      ['t6', 'c'],
    ],
  );
  assert.equal(result.unplaced.size, 0);
});

test('spread: the table of fewest-of-this-service, then fewest-overall, then node id', () => {
  const cases: {
    name: string;
    existing: [nodeId: string, serviceId: string, count: number][];
    place: number;
    expected: Record<string, number>;
  }[] = [
    {
      name: 'an existing imbalance is filled toward balance',
      existing: [
        ['a', 'web', 3],
        ['c', 'web', 1],
      ],
      place: 4,
      expected: { a: 0, b: 3, c: 1 },
    },
    {
      name: 'enough new tasks even it out',
      existing: [['a', 'web', 2]],
      place: 4,
      expected: { a: 0, b: 2, c: 2 },
    },
    {
      name: 'another service’s tasks break ties between equal counts of this one',
      existing: [
        ['a', 'db', 2],
        ['b', 'db', 1],
      ],
      place: 2,
      expected: { a: 0, b: 1, c: 1 },
    },
    {
      name: 'this service’s count comes before the total',
      existing: [
        ['a', 'db', 5],
        ['b', 'web', 1],
        ['c', 'web', 1],
      ],
      place: 1,
      expected: { a: 1, b: 0, c: 0 },
    },
    {
      name: 'already balanced: one more each, lowest id first',
      existing: [
        ['a', 'web', 1],
        ['b', 'web', 1],
        ['c', 'web', 1],
      ],
      place: 2,
      expected: { a: 1, b: 1, c: 0 },
    },
  ];
  for (const c of cases) {
    const existing = c.existing.flatMap(([nodeId, serviceId, count]) =>
      tasks(`${nodeId}-${serviceId}-`, serviceId, count, { nodeId }),
    );
    const result = schedule({ nodes: WORKERS, tasks: existing, pending: tasks('t', 'web', c.place) });
    assert.deepEqual(countsByNode(WORKERS, result.assignments), c.expected, c.name);
  }
});

test('tasks that no longer occupy a node do not count; unknown nodes and tasks also pending are ignored', () => {
  const existing = [
    task('x1', 'web', { nodeId: 'a', state: 'failed' }), // observed past running
    task('x2', 'web', { nodeId: 'a', desired: 'shutdown' }), // desired past running
    task('x3', 'web', { nodeId: 'gone' }), // on a node not in the cluster
    task('t1', 'web', { nodeId: 'b' }), // also pending (listed in both): counted once, as pending
    task('x4', 'web', { nodeId: 'c', state: 'assigned' }), // assigned: counts
  ];
  const result = schedule({
    nodes: WORKERS,
    tasks: existing,
    pending: [task('t1', 'web'), task('t2', 'web')],
  });
  assert.deepEqual(
    [...result.assignments],
    [
      ['t1', 'a'],
      ['t2', 'b'],
    ],
  );
});

test('drained, paused, down, disconnected and unknown nodes get nothing', () => {
  const nodes = [
    node('a', { availability: 'drain' }),
    node('b', { availability: 'pause' }),
    node('c', { state: 'down' }),
    node('d', { state: 'disconnected' }),
    node('e', { state: 'unknown' }),
    node('f'),
  ];
  const result = schedule({ nodes, tasks: [], pending: tasks('t', 'web', 4) });
  assert.deepEqual(countsByNode(nodes, result.assignments), { a: 0, b: 0, c: 0, d: 0, e: 0, f: 4 });

  const none = schedule({ nodes: nodes.slice(0, 5), tasks: [], pending: tasks('t', 'web', 2) });
  assert.equal(none.assignments.size, 0);
  assert.deepEqual(
    [...none.unplaced],
    [
      ['t1', 'no suitable node (5 nodes not available for new tasks)'],
      ['t2', 'no suitable node (5 nodes not available for new tasks)'],
    ],
  );
  const one = schedule({
    nodes: [node('a', { availability: 'pause' })],
    tasks: [],
    pending: [task('t', 'w')],
  });
  assert.equal(one.unplaced.get('t'), 'no suitable node (1 node not available for new tasks)');
});

test('constraints: each key and operator picks the nodes it should', () => {
  const nodes = [
    node('m1', { role: 'manager', hostname: 'alpha', labels: { zone: 'a' } }),
    node('w1', { hostname: 'beta', labels: { zone: 'a', disk: 'ssd' } }),
    node('w2', { hostname: 'gamma', labels: { zone: 'b' } }),
    node('w3', { hostname: 'delta' }),
  ];
  const cases: [constraints: string[], eligible: string[]][] = [
    [['node.id==w2'], ['w2']],
    [['node.id!=w2'], ['m1', 'w1', 'w3']],
    [['node.hostname==beta'], ['w1']],
    [['node.hostname != beta'], ['m1', 'w2', 'w3']],
    [['node.role==manager'], ['m1']],
    [['node.role!=manager'], ['w1', 'w2', 'w3']],
    [['node.role == worker'], ['w1', 'w2', 'w3']],
    [['node.labels.zone==a'], ['m1', 'w1']],
    [['node.labels.zone!=a'], ['w2', 'w3']], // w3 has no zone label: != holds
    [['node.labels.disk==ssd'], ['w1']],
    [['node.labels.zone==a', 'node.role==worker'], ['w1']],
    [['node.labels.zone==c'], []],
  ];
  for (const [constraints, eligible] of cases) {
    const result = schedule({ nodes, tasks: [], pending: tasks('t', 'web', 8, { constraints }) });
    const used = Object.entries(countsByNode(nodes, result.assignments))
      .filter(([, count]) => count > 0)
      .map(([id]) => id);
    assert.deepEqual(used, eligible, constraints.join(', '));
    if (eligible.length === 0) {
      assert.equal(
        result.unplaced.get('t1'),
        'no suitable node (scheduling constraints not satisfied on 4 nodes)',
        constraints.join(', '),
      );
    } else {
      assert.equal(result.unplaced.size, 0);
      // Still spread evenly over the eligible nodes.
      const counts = countsByNode(nodes, result.assignments);
      const spread = eligible.map(id => counts[id] ?? 0);
      assert.ok(Math.max(...spread) - Math.min(...spread) <= 1, constraints.join(', '));
    }
  }
});

test('a label constraint node.labels.zone==a: the replicas share the zone-a nodes', () => {
  const nodes = [
    node('a1', { labels: { zone: 'a' } }),
    node('a2', { labels: { zone: 'a' } }),
    node('b1', { labels: { zone: 'b' } }),
  ];
  const result = schedule({
    nodes,
    tasks: [],
    pending: tasks('t', 'web', 5, { constraints: ['node.labels.zone==a'] }),
  });
  assert.deepEqual(countsByNode(nodes, result.assignments), { a1: 3, a2: 2, b1: 0 });
});

test('host-mode port conflict leaves one task unplaced with Swarm’s reason', () => {
  const result = schedule({
    nodes: WORKERS,
    tasks: [],
    pending: tasks('t', 'web', 4, { hostPorts: ['tcp/80'] }),
  });
  assert.deepEqual(
    [...result.assignments],
    [
      ['t1', 'a'],
      ['t2', 'b'],
      ['t3', 'c'],
    ],
  );
  assert.deepEqual(
    [...result.unplaced],
    [['t4', 'no suitable node (host-mode port already in use on 3 nodes)']],
  );
});

test('host ports: held by tasks already running, per protocol; port 0 and ingress ports hold nothing', () => {
  const existing = [
    task('x1', 'other', { nodeId: 'a', hostPorts: ['tcp/80'] }),
    task('x2', 'other', { nodeId: 'b', hostPorts: ['udp/80'] }), // another protocol
    task('x3', 'other', { nodeId: 'c', hostPorts: ['tcp/80'], state: 'shutdown' }), // stopped: frees it
  ];
  const one = schedule({
    nodes: WORKERS,
    tasks: existing,
    pending: tasks('t', 'web', 3, { hostPorts: ['tcp/80'] }),
  });
  // c's only task has stopped, so c is emptier than b.
  assert.deepEqual(
    [...one.assignments],
    [
      ['t1', 'c'],
      ['t2', 'b'],
    ],
  );
  assert.equal(one.unplaced.get('t3'), 'no suitable node (host-mode port already in use on 3 nodes)');

  const zero = schedule({
    nodes: [node('a')],
    tasks: [],
    pending: tasks('t', 'web', 3, { hostPorts: ['tcp/0'] }),
  });
  assert.equal(zero.assignments.size, 3);
  const ingress = schedule({
    nodes: [node('a')],
    tasks: [],
    pending: tasks('t', 'web', 3, { ingressPorts: [80] }),
  });
  assert.equal(ingress.assignments.size, 3);
  const twoPorts = schedule({
    nodes: [node('a'), node('b')],
    tasks: [task('x', 'other', { nodeId: 'a', hostPorts: ['tcp/443'] })],
    pending: [
      task('t1', 'web', { hostPorts: ['tcp/80', 'tcp/443'] }),
      task('t2', 'web', { hostPorts: ['tcp/80'] }),
    ],
  });
  // t1 needs 80 and 443: a holds 443, so b; t2 needs 80 only, which t1 now holds on b: a.
  assert.deepEqual(
    [...twoPorts.assignments],
    [
      ['t1', 'b'],
      ['t2', 'a'],
    ],
  );
  assert.equal(twoPorts.unplaced.size, 0);
});

test('reasons: the first filter a node fails counts, most rejections first, ties in pipeline order', () => {
  const nodes = [
    node('d1', { availability: 'drain', labels: { zone: 'b' } }), // not available (also fails constraints)
    node('z1', { labels: { zone: 'b' } }), // constraints
    node('z2', { labels: { zone: 'b' } }), // constraints
    node('p1', { labels: { zone: 'a' } }), // port
    node('p2', { labels: { zone: 'a' } }), // port
  ];
  const existing = [
    task('x1', 'other', { nodeId: 'p1', hostPorts: ['tcp/80'] }),
    task('x2', 'other', { nodeId: 'p2', hostPorts: ['tcp/80'] }),
  ];
  const result = schedule({
    nodes,
    tasks: existing,
    pending: [task('t', 'web', { constraints: ['node.labels.zone==a'], hostPorts: ['tcp/80'] })],
  });
  assert.equal(
    result.unplaced.get('t'),
    'no suitable node (scheduling constraints not satisfied on 2 nodes; host-mode port already in use on 2 nodes; 1 node not available for new tasks)',
  );
});

test('explainFailures: counts, plurals and order', () => {
  const explain = (entries: [FilterName, number][]) => explainFailures(new Map(entries));
  assert.equal(explain([]), '');
  assert.equal(explain([['ready', 0]]), '');
  assert.equal(explain([['constraint', 3]]), 'scheduling constraints not satisfied on 3 nodes');
  assert.equal(explain([['host-port', 1]]), 'host-mode port already in use on 1 node');
  assert.equal(
    explain([
      ['ready', 1],
      ['host-port', 4],
      ['constraint', 2],
    ]),
    'host-mode port already in use on 4 nodes; scheduling constraints not satisfied on 2 nodes; 1 node not available for new tasks',
  );
  assert.equal(
    explain([
      ['host-port', 2],
      ['ready', 2],
    ]),
    '2 nodes not available for new tasks; host-mode port already in use on 2 nodes',
  );
});

test('no nodes at all: "no suitable node", bare', () => {
  const result = schedule({ nodes: [], tasks: [], pending: [task('t', 'web')] });
  assert.deepEqual([...result.unplaced], [['t', 'no suitable node']]);
});

test('a pre-assigned task is checked against its own node only', () => {
  const nodes = [node('a'), node('b', { availability: 'drain' }), node('c', { labels: { zone: 'a' } })];
  const result = schedule({
    nodes,
    tasks: [task('x', 'other', { nodeId: 'a', hostPorts: ['tcp/53'] })],
    pending: [
      task('g-a', 'dns', { nodeId: 'a' }), // fits, although b and c have fewer tasks
      task('g-b', 'dns', { nodeId: 'b' }), // drained
      task('g-c', 'dns', { nodeId: 'c', constraints: ['node.labels.zone==b'] }),
      task('g-a2', 'dns', { nodeId: 'a', hostPorts: ['tcp/53'] }),
      task('g-z', 'dns', { nodeId: 'z' }),
    ],
  });
  assert.deepEqual([...result.assignments], [['g-a', 'a']]);
  assert.deepEqual(
    [...result.unplaced],
    [
      ['g-b', '1 node not available for new tasks'],
      ['g-c', 'scheduling constraints not satisfied on 1 node'],
      ['g-a2', 'host-mode port already in use on 1 node'],
      ['g-z', 'node z not found'],
    ],
  );
});

test('tasks being removed are left alone; a task listed twice is decided once', () => {
  const result = schedule({
    nodes: WORKERS,
    tasks: [],
    pending: [task('t1', 'web', { desired: 'shutdown' }), task('t2', 'web'), task('t2', 'web')],
  });
  assert.deepEqual([...result.assignments], [['t2', 'a']]);
  assert.equal(result.unplaced.size, 0);
});

test('an unparseable constraint turns the constraint filter off for the task, as in swarmkit', () => {
  const result = schedule({
    nodes: WORKERS,
    tasks: [],
    pending: tasks('t', 'web', 3, { constraints: ['bogus'] }),
  });
  assert.equal(result.assignments.size, 3);
});

test('the result depends on the inputs’ content, not on the order of nodes and tasks', () => {
  const nodes: SchedulerNode[] = [
    node('n3'),
    node('n1', { labels: { zone: 'a' } }),
    node('n2'),
    node('n4', { availability: 'pause' }),
  ];
  const existing = [task('x1', 'web', { nodeId: 'n2' }), task('x2', 'db', { nodeId: 'n3' })];
  const input: ScheduleInput = {
    nodes,
    tasks: existing,
    pending: tasks('t', 'web', 7, { hostPorts: ['tcp/9'] }),
  };
  const a = schedule(input);
  const b = schedule({ ...input, nodes: [...nodes].reverse(), tasks: [...existing].reverse() });
  assert.deepEqual([...a.assignments], [...b.assignments]);
  assert.deepEqual([...a.unplaced], [...b.unplaced]);
  assert.deepEqual(schedule(input), a);
});
