/**
 * Seeded random scheduling batches and an independent judge of the scheduler's answer.
 *
 * A batch is a small cluster (nodes in every state and availability, roles, labels, shared hostnames),
 * tasks already on nodes (some stopped, some on nodes that left), and pending tasks of a few services with
 * random constraints (every key and operator, values in random case, random whitespace) and host ports,
 * a few pre-assigned. The judge replays the decisions in order with its own bookkeeping and its own
 * reading of the constraints (from the structured form they were written from, not by parsing them) and
 * checks after each: no decision breaks availability, a constraint or a host port; every placement is on
 * a node with the fewest (tasks of the service, tasks) among those that fit at that moment, the lowest id
 * of them; a task stays unplaced only when no node fits, with the reason counting each node once.
 */
import type { NodeAvailability, NodeState, PortConfig, TaskState } from '../../server/store/index.ts';
import { TASK_STATES } from '../../lib/task-states.ts';
import {
  schedule,
  type ScheduleBatch,
  type ScheduleResult,
  type SchedulerNode,
  type SchedulerTask,
} from '../../server/scheduler/index.ts';
import { SeededRng } from '../../server/raft/rng.ts';
import { node, task } from './objects.ts';

/** A constraint as the generator means it; `text` is how it is written for the scheduler. */
interface Meant {
  key: 'node.id' | 'node.hostname' | 'node.role' | 'node.labels.zone' | 'node.labels.disk' | 'node.ip';
  op: '==' | '!=';
  value: string;
  text: string;
}

interface ServicePlan {
  id: string;
  constraints: Meant[];
  hostPorts: string[];
}

export interface Batch {
  input: ListedInput;
  /** The constraints each service was written from, by service id. */
  meant: Map<string, Meant[]>;
}

export interface Violation {
  taskId: string;
  invariant: string;
  detail: string;
}

export interface RunResult {
  seed: number;
  violations: Violation[];
  stats: { placed: number; unplaced: number; preassigned: number; reasons: Record<string, number> };
  trace: string[];
}

const NODE_IDS = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9'];
const HOSTNAMES = ['alpha', 'beta', 'gamma'];
const PORTS = ['tcp/80', 'udp/80', 'tcp/443', 'tcp/8080'];
const OCCUPYING: readonly TaskState[] = TASK_STATES.slice(0, TASK_STATES.indexOf('running') + 1);

function shuffled<T>(rng: SeededRng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function randomCase(rng: SeededRng, text: string): string {
  return rng.chance(0.3) ? [...text].map(c => (rng.chance(0.5) ? c.toUpperCase() : c)).join('') : text;
}

function space(rng: SeededRng): string {
  return rng.chance(0.3) ? ' '.repeat(1 + rng.int(2)) : '';
}

function randomConstraint(rng: SeededRng, nodes: readonly SchedulerNode[]): Meant {
  const key = rng.pick([
    'node.id',
    'node.hostname',
    'node.role',
    'node.labels.zone',
    'node.labels.disk',
    'node.ip',
  ] as const);
  const op = rng.chance(0.6) ? '==' : '!=';
  let value: string;
  switch (key) {
    case 'node.id':
      value = rng.chance(0.8) && nodes.length > 0 ? rng.pick(nodes).id : 'nx';
      break;
    case 'node.hostname':
      value = rng.pick([...HOSTNAMES, 'omega']);
      break;
    case 'node.role':
      value = rng.pick(['manager', 'worker']);
      break;
    case 'node.labels.zone':
      value = rng.pick(['a', 'b', 'c']);
      break;
    case 'node.labels.disk':
      value = rng.pick(['ssd', 'hdd']);
      break;
    case 'node.ip':
      value = rng.chance(0.5) ? `10.0.${rng.int(2)}.${1 + rng.int(3)}` : `10.0.${rng.int(2)}.0/24`;
      break;
  }
  const writtenKey = key.startsWith('node.labels.')
    ? randomCase(rng, 'node.labels.') + key.slice(12)
    : randomCase(rng, key);
  const text = `${space(rng)}${writtenKey}${space(rng)}${op}${space(rng)}${randomCase(rng, value)}${space(rng)}`;
  return { key, op, value, text };
}

/** A batch, from its seed alone. */
export function randomBatch(seed: number): Batch {
  const rng = new SeededRng(seed);
  const nodes: SchedulerNode[] = shuffled(rng, NODE_IDS)
    .slice(0, rng.int(8))
    .map(id => {
      const labels: Record<string, string> = {};
      if (rng.chance(0.6)) labels['zone'] = rng.pick(['a', 'b']);
      if (rng.chance(0.4)) labels['disk'] = rng.pick(['ssd', 'hdd']);
      return node(id, {
        role: rng.chance(0.3) ? 'manager' : 'worker',
        state: rng.chance(0.75) ? 'ready' : rng.pick<NodeState>(['down', 'disconnected', 'unknown']),
        availability: rng.chance(0.75) ? 'active' : rng.pick<NodeAvailability>(['pause', 'drain']),
        hostname: rng.pick(HOSTNAMES),
        labels,
        addr: `10.0.${rng.int(2)}.${1 + rng.int(3)}`,
      });
    });

  const services: ServicePlan[] = Array.from({ length: 1 + rng.int(4) }, (_, i) => ({
    id: `s${i + 1}`,
    constraints: Array.from({ length: rng.chance(0.5) ? 0 : 1 + rng.int(2) }, () =>
      randomConstraint(rng, nodes),
    ),
    hostPorts: rng.chance(0.5) ? [] : shuffled(rng, PORTS).slice(0, 1 + rng.int(2)),
  }));
  const taskOf = (id: string, service: ServicePlan, extra: Parameters<typeof task>[2]) =>
    task(id, service.id, {
      constraints: service.constraints.map(c => c.text),
      hostPorts: service.hostPorts,
      ...extra,
    });

  const live: SchedulerTask[] = Array.from({ length: rng.int(16) }, (_, i) =>
    taskOf(`x${i}`, rng.pick(services), {
      nodeId: rng.chance(0.9) && nodes.length > 0 ? rng.pick(nodes).id : 'gone',
      desired: rng.chance(0.85) ? 'running' : 'shutdown',
      state: rng.pick<TaskState>(['assigned', 'running', 'running', 'running', 'failed', 'shutdown']),
    }),
  );
  const pending: SchedulerTask[] = Array.from({ length: rng.int(16) }, (_, i) => {
    const service = rng.pick(services);
    const preassigned = rng.chance(0.1);
    return taskOf(`t${i}`, service, {
      nodeId: preassigned ? (nodes.length > 0 && rng.chance(0.9) ? rng.pick(nodes).id : 'gone') : '',
      desired: rng.chance(0.95) ? 'running' : 'shutdown',
    });
  });
  return {
    input: { nodes: shuffled(rng, nodes), tasks: live, pending },
    meant: new Map(services.map(s => [s.id, s.constraints])),
  };
}

// ---- the judge ----

function attribute(n: SchedulerNode, key: Meant['key']): string | undefined {
  switch (key) {
    case 'node.id':
      return n.id;
    case 'node.hostname':
      return n.description.hostname;
    case 'node.role':
      return n.role;
    case 'node.labels.zone':
      return n.spec.labels['zone'];
    case 'node.labels.disk':
      return n.spec.labels['disk'];
    case 'node.ip':
      return n.status.addr;
  }
}

function satisfies(n: SchedulerNode, c: Meant): boolean {
  const actual = attribute(n, c.key);
  let equal: boolean;
  if (c.key === 'node.ip' && c.value.endsWith('.0/24')) {
    equal = actual !== undefined && actual.startsWith(c.value.slice(0, -'0/24'.length));
  } else {
    equal = actual !== undefined && actual.toLowerCase() === c.value.toLowerCase();
  }
  return c.op === '==' ? equal : !equal;
}

function hostPorts(t: SchedulerTask): string[] {
  return (t.endpoint?.ports ?? [])
    .filter((p: PortConfig) => p.publishMode === 'host' && p.publishedPort > 0)
    .map(p => `${p.protocol}/${p.publishedPort}`);
}

interface Books {
  service: Map<string, number>;
  total: number;
  ports: Set<string>;
}

type Rejection = 'ready' | 'constraint' | 'host-port';

function reasonText(rejections: Rejection[]): string {
  const count = (r: Rejection) => rejections.filter(x => x === r).length;
  const nodes = (n: number) => `${n} node${n === 1 ? '' : 's'}`;
  const parts: [number, number, string][] = [
    [count('ready'), 0, `${nodes(count('ready'))} not available for new tasks`],
    [count('constraint'), 1, `scheduling constraints not satisfied on ${nodes(count('constraint'))}`],
    [count('host-port'), 2, `host-mode port already in use on ${nodes(count('host-port'))}`],
  ];
  return parts
    .filter(([n]) => n > 0)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .map(([, , text]) => text)
    .join('; ');
}

/** Checks `result` against `batch`; returns what is wrong (nothing, for a right answer). */
export function judge(batch: Batch, result: ScheduleResult, trace?: string[]): Violation[] {
  const { nodes, tasks: live, pending } = batch.input;
  const violations: Violation[] = [];
  const fail = (taskId: string, invariant: string, detail: string) =>
    violations.push({ taskId, invariant, detail });
  const books = new Map<string, Books>(
    nodes.map(n => [n.id, { service: new Map(), total: 0, ports: new Set() }]),
  );
  const pendingIds = new Set(pending.map(t => t.id));
  const put = (nodeId: string, t: SchedulerTask) => {
    const b = books.get(nodeId);
    if (b === undefined) return;
    b.service.set(t.serviceId, (b.service.get(t.serviceId) ?? 0) + 1);
    b.total++;
    for (const p of hostPorts(t)) b.ports.add(p);
  };
  for (const t of live) {
    if (pendingIds.has(t.id) || t.nodeId === '') continue;
    if (OCCUPYING.includes(t.desiredState) && OCCUPYING.includes(t.status.state)) put(t.nodeId, t);
  }

  const seen = new Set<string>();
  for (const t of pending) {
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    const assigned = result.assignments.get(t.id);
    const reason = result.unplaced.get(t.id);
    trace?.push(
      `${t.id} (${t.serviceId}${t.nodeId === '' ? '' : ` on ${t.nodeId}`}, desired ${t.desiredState}) → ${assigned ?? reason ?? 'nothing'}`,
    );
    if (!OCCUPYING.includes(t.desiredState)) {
      if (assigned !== undefined || reason !== undefined) fail(t.id, 'removed tasks left alone', 'decided');
      continue;
    }
    if ((assigned === undefined) === (reason === undefined)) {
      fail(t.id, 'decided once', `assigned ${String(assigned)}, unplaced ${String(reason)}`);
      continue;
    }
    const rejection = (n: SchedulerNode): Rejection | undefined => {
      if (n.status.state !== 'ready' || n.spec.availability !== 'active') return 'ready';
      if (!(batch.meant.get(t.serviceId) ?? []).every(c => satisfies(n, c))) return 'constraint';
      const b = books.get(n.id);
      if (hostPorts(t).some(p => b?.ports.has(p))) return 'host-port';
      return undefined;
    };
    const candidates = t.nodeId === '' ? nodes : nodes.filter(n => n.id === t.nodeId);
    const fits = candidates.filter(n => rejection(n) === undefined);

    if (assigned !== undefined) {
      const target = nodes.find(n => n.id === assigned);
      if (target === undefined) {
        fail(t.id, 'known node', `placed on ${assigned}`);
        continue;
      }
      const why = rejection(target);
      if (why !== undefined) fail(t.id, why === 'ready' ? 'node available' : why, `placed on ${assigned}`);
      if (t.nodeId !== '' && assigned !== t.nodeId)
        fail(t.id, 'pre-assigned node kept', `placed on ${assigned}`);
      if (t.nodeId === '' && why === undefined) {
        const key = (id: string) => {
          const b = books.get(id);
          return [b?.service.get(t.serviceId) ?? 0, b?.total ?? 0] as const;
        };
        const best = [...fits].sort((a, b) => {
          const [sa, ta] = key(a.id);
          const [sb, tb] = key(b.id);
          return sa - sb || ta - tb || (a.id < b.id ? -1 : 1);
        })[0];
        if (best?.id !== assigned) {
          fail(
            t.id,
            'spread',
            `placed on ${assigned} ${JSON.stringify(key(assigned))}, best ${best?.id} ${JSON.stringify(best && key(best.id))}`,
          );
        }
      }
      put(assigned, t);
    } else {
      if (fits.length > 0)
        fail(t.id, 'unplaced only when nothing fits', `${fits.map(n => n.id).join(',')} fit; ${reason}`);
      let expected: string;
      if (t.nodeId !== '' && candidates.length === 0) expected = `node ${t.nodeId} not found`;
      else {
        const text = reasonText(candidates.map(rejection).filter((r): r is Rejection => r !== undefined));
        expected = t.nodeId !== '' ? text : text === '' ? 'no suitable node' : `no suitable node (${text})`;
      }
      if (reason !== expected)
        fail(t.id, 'reason', `${JSON.stringify(reason)}, expected ${JSON.stringify(expected)}`);
    }
  }
  for (const id of [...result.assignments.keys(), ...result.unplaced.keys()]) {
    if (!pendingIds.has(id)) fail(id, 'decisions only for pending tasks', 'not pending');
  }
  return violations;
}

export type Scheduler = (input: ListedInput) => ScheduleResult;

/** A batch's input: the tasks on the nodes are listed (the scheduler's own counts are compared in occupancy.test.ts). */
export type ListedInput = ScheduleBatch & { readonly tasks: readonly SchedulerTask[] };

/** Runs the batch of `seed` through `scheduler` (the real one unless told) and judges the answer. */
export function runBatch(seed: number, scheduler: Scheduler = schedule, withTrace = false): RunResult {
  const batch = randomBatch(seed);
  const result = scheduler(batch.input);
  const trace: string[] = [];
  if (withTrace) {
    for (const n of batch.input.nodes) {
      trace.push(
        `node ${n.id}: ${n.role} ${n.status.state}/${n.spec.availability} ${n.description.hostname} ${n.status.addr} ${JSON.stringify(n.spec.labels)}`,
      );
    }
    for (const [service, constraints] of batch.meant)
      trace.push(`service ${service}: ${JSON.stringify(constraints.map(c => c.text))}`);
    for (const t of batch.input.tasks) {
      trace.push(
        `live ${t.id} (${t.serviceId}) on ${t.nodeId} ${t.desiredState}/${t.status.state} ${hostPorts(t).join(',')}`,
      );
    }
  }
  const violations = judge(batch, result, withTrace ? trace : undefined);
  const reasons: Record<string, number> = {};
  for (const reason of result.unplaced.values()) {
    const kind = reason.replace(/\d+/g, 'N');
    reasons[kind] = (reasons[kind] ?? 0) + 1;
  }
  return {
    seed,
    violations,
    stats: {
      placed: result.assignments.size,
      unplaced: result.unplaced.size,
      preassigned: batch.input.pending.filter(t => t.nodeId !== '').length,
      reasons,
    },
    trace,
  };
}

/** The command that replays `seed` with its trace. */
export function replayCommand(seed: number): string {
  return `SCHEDULER_SEED=${seed} node --import tsx --test --test-force-exit test/scheduler/scheduler-properties.test.ts`;
}
