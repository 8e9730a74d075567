/**
 * bench:view — the leader's CPU per store change for the nodes' network views, before and after, same
 * run: BEFORE recomputes every connected node's whole view (networkViewFor, then a deep compare with the
 * last one, as the dispatcher did on every change); AFTER feeds the change to the view index and takes
 * the deltas of the nodes it told (what the dispatcher does now). Pure code on a synthetic cluster, in
 * this process: N nodes (all in session, each with a routing-mesh leg), T running tasks of 10 services
 * on 5 overlay networks, half of them publishing a port (their tasks are on ingress too).
 *
 * BEFORE at N nodes is timed on 20 of them and multiplied by N/20 (every node's view costs about the same:
 * each holds every service and, through ingress, every node); the store reads it also made per node are
 * left out, which favours it. AFTER is timed whole. CPU time (process.cpuUsage), so that a loaded machine
 * counts less. Also the bytes (as JSON) the views of one change send: whole views to every node whose
 * view changed before, deltas after. Prints a table and one JSON line per size and kind of change.
 * Env: BENCH_SIZES (default "100x2000,1000x20000"), BENCH_CHANGES (per kind, default 20).
 */
import { isDeepStrictEqual } from 'node:util';
import type { NetworkView } from '../proto/dispatcher-types.ts';
import { networkViewFor, type ViewInputs } from '../server/dispatcher/network-view.ts';
import { NetworkViewIndex } from '../server/dispatcher/view-index.ts';
import type { Network, Node, Service, Task, TaskState } from '../server/store/index.ts';
import { median, round2 } from './stats.ts';

const SIZES = (process.env.BENCH_SIZES ?? '100x2000,1000x20000').split(',').map(s => {
  const [n, t] = s.split('x').map(Number);
  if (!Number.isInteger(n) || !Number.isInteger(t) || (n ?? 0) < 1) throw new Error(`bad size ${s}`);
  return { nodes: n ?? 0, tasks: t ?? 0 };
});
const CHANGES = Math.max(1, Number(process.env.BENCH_CHANGES ?? 20));
const SAMPLED = 20;
const SERVICES = 10;
const NETWORKS = 5;

const meta = { version: { index: 1 }, createdAt: 0, updatedAt: 0 };
const spec = {
  command: ['sleep'],
  args: [],
  env: [],
  constraints: [],
  restart: { condition: 'any', delayMs: 0, maxAttempts: 0 },
  stopGracePeriodMs: 0,
};
const ip = (a: number, i: number): string => `10.${a}.${(i >> 8) & 255}.${i & 255}`;

function network(id: string, i: number, ingress: boolean): Network {
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
      ingress,
    },
    allocation: { subnet: `10.${i}.0.0/16`, gateway: `10.${i}.0.1`, vni: 4096 + i },
  };
}

function node(i: number, addr = `192.0.${(i >> 8) & 255}.${i & 255}`): Node {
  return {
    id: `n${String(i).padStart(5, '0')}`,
    meta,
    spec: { availability: 'active', labels: {} },
    role: 'worker',
    status: { state: 'ready', addr },
    description: { hostname: `n${i}` },
    certificate: { status: 'issued' },
    attachment: { networkId: 'ingress', addresses: [`${ip(0, i + 2)}/16`] },
  } as unknown as Node;
}

const published = (s: number): boolean => s % 2 === 0;

function service(s: number, port = 8000 + s): Service {
  const net = `overlay${s % NETWORKS}`;
  const ports = published(s)
    ? [{ protocol: 'tcp' as const, targetPort: 80, publishedPort: port, publishMode: 'ingress' as const }]
    : [];
  return {
    id: `s${s}`,
    meta,
    spec: {
      name: `svc${s}`,
      labels: {},
      mode: { replicated: { replicas: 1 } },
      task: spec,
      networks: [],
      endpoint: { mode: 'vip', ports },
    },
    endpoint: {
      ports,
      virtualIPs: [
        { networkId: net, addr: `${ip(1 + (s % NETWORKS), 60000 + s)}/16` },
        ...(published(s) ? [{ networkId: 'ingress', addr: `${ip(0, 60000 + s)}/16` }] : []),
      ],
    },
  } as unknown as Service;
}

/** Task j is on node j mod N, of service ⌊j/N⌋ mod 10: every node runs tasks of every service. */
function task(j: number, nodes: number, state: TaskState = 'running', onNode = j % nodes): Task {
  const s = Math.floor(j / nodes) % SERVICES;
  const net = s % NETWORKS;
  return {
    id: `t${String(j).padStart(7, '0')}`,
    meta,
    serviceId: `s${s}`,
    slot: 1 + Math.floor(j / SERVICES),
    nodeId: `n${String(onNode).padStart(5, '0')}`,
    desiredState: 'running',
    status: { state, timestamp: 0 },
    spec,
    networks: [
      { networkId: `overlay${net}`, addresses: [`${ip(1 + net, j + 2)}/16`] },
      ...(published(s) ? [{ networkId: 'ingress', addresses: [`${ip(0, 2000 + j)}/16`] }] : []),
    ],
  } as Task;
}

interface Cluster {
  nodes: Node[];
  networks: Network[];
  services: Service[];
  tasks: Map<string, Task>;
}

function inputsOf(c: Cluster): ViewInputs {
  return {
    nodes: c.nodes,
    networks: c.networks,
    services: c.services,
    tasks: [...c.tasks.values()],
    gatewaySubnet: '172.18.0.0/16',
  };
}

/** One change of a kind, applied to the cluster; returns how to feed it to an index. */
type Change = (c: Cluster, k: number) => (index: NetworkViewIndex) => void;

const CHANGE_KINDS: Record<string, Change> = {
  'task placed (assigned)': (c, k) => {
    const t = task(c.tasks.size + 1_000_000 + k, c.nodes.length, 'assigned');
    c.tasks.set(t.id, t);
    return index => index.task(t, false);
  },
  'task running': (c, k) => {
    const t = [...c.tasks.values()].find(x => x.status.state === 'assigned') ?? task(k, c.nodes.length);
    const now = { ...t, status: { state: 'running' as const, timestamp: 1 } };
    c.tasks.set(now.id, now);
    return index => index.task(now, false);
  },
  'task ended (failed)': (c, k) => {
    const t = task(k * 7, c.nodes.length);
    const now = { ...t, status: { state: 'failed' as const, timestamp: 1 } };
    c.tasks.set(now.id, now);
    return index => index.task(now, false);
  },
  'service updated (port)': (c, k) => {
    // A service publishing a port (the others have no port to change).
    const i = (2 * k) % SERVICES;
    const s = service(i, 9000 + k);
    c.services[i] = s;
    return index => index.service(s, false);
  },
  'node address changed': (c, k) => {
    const n = node(k, `198.51.100.${k % 250}`);
    c.nodes[k] = n;
    return index => index.node(n, false);
  },
};

function cpuMs(fn: () => void): number {
  const t = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
}

const bytes = (x: unknown): number => Buffer.byteLength(JSON.stringify(x));

function runSize(nodes: number, tasks: number): void {
  const c: Cluster = {
    nodes: Array.from({ length: nodes }, (_, i) => node(i)),
    networks: [
      network('ingress', 0, true),
      ...Array.from({ length: NETWORKS }, (_, i) => network(`overlay${i}`, i + 1, false)),
    ],
    services: Array.from({ length: SERVICES }, (_, s) => service(s)),
    tasks: new Map(Array.from({ length: tasks }, (_, j) => task(j, nodes)).map(t => [t.id, t])),
  };
  const told = new Set<string>();
  const index = new NetworkViewIndex(inputsOf(c), n => told.add(n));
  const ids = c.nodes.map(n => n.id);
  for (const id of ids) index.open(id);
  const step = Math.max(1, Math.floor(nodes / SAMPLED));
  const sampled = ids.filter((_, i) => i % step === 0).slice(0, SAMPLED);
  const held = new Map<string, NetworkView>(sampled.map(id => [id, networkViewFor(id, inputsOf(c))]));
  const fullBytes = median(sampled.map(id => bytes(held.get(id))));

  for (const [kind, change] of Object.entries(CHANGE_KINDS)) {
    const before: number[] = [];
    const after: number[] = [];
    let deltaBytes = 0;
    let toldCount = 0;
    // BEFORE is the same whole recomputation whatever the change: a few changes suffice at large sizes.
    const beforeRounds = nodes * tasks > 1_000_000 ? Math.min(3, CHANGES) : CHANGES;
    for (let k = 0; k < CHANGES; k++) {
      const feed = change(c, k);
      told.clear();
      after.push(
        cpuMs(() => {
          feed(index);
          for (const id of told) index.take(id);
        }),
      );
      toldCount += told.size;
      // The deltas' bytes, measured apart (the dispatcher's encoding is protobuf, the same before and after).
      if (k === 0) {
        told.clear();
        const again = change(c, CHANGES + k);
        again(index);
        for (const id of told) deltaBytes += bytes(index.take(id));
      }
      if (k < beforeRounds) {
        const inputs = inputsOf(c);
        const ms = cpuMs(() => {
          for (const id of sampled) {
            const v = networkViewFor(id, inputs);
            if (!isDeepStrictEqual(v, held.get(id))) held.set(id, v);
          }
        });
        before.push((ms * nodes) / sampled.length);
      }
    }
    const b = median(before);
    const a = after.reduce((x, y) => x + y, 0) / after.length;
    const toldPerChange = toldCount / CHANGES;
    const row = {
      bench: 'view',
      nodes,
      tasks,
      change: kind,
      beforeMsPerChange: round2(b),
      afterMsPerChange: Math.round(a * 1000) / 1000,
      ratio: Math.round(b / Math.max(a, 0.001)),
      sessionsTold: round2(toldPerChange),
      bytesBefore: Math.round(toldPerChange * fullBytes),
      bytesAfter: deltaBytes,
    };
    console.log(JSON.stringify(row));
    table.push(row);
  }
}

const table: Record<string, string | number>[] = [];
for (const { nodes, tasks } of SIZES) runSize(nodes, tasks);
console.log('');
console.log(
  ['nodes/tasks', 'change', 'before ms', 'after ms', 'before/after', 'told', 'bytes before', 'bytes after']
    .map((h, i) => (i === 1 ? h.padEnd(24) : h.padStart(12)))
    .join(' '),
);
for (const r of table) {
  console.log(
    [
      `${r.nodes}/${r.tasks}`,
      r.change,
      r.beforeMsPerChange,
      r.afterMsPerChange,
      `${r.ratio}x`,
      r.sessionsTold,
      r.bytesBefore,
      r.bytesAfter,
    ]
      .map((v, i) => (i === 1 ? String(v).padEnd(24) : String(v).padStart(12)))
      .join(' '),
  );
}
