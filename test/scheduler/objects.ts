/** Small builders for the scheduler's inputs: nodes and tasks with only what a test cares about. */
import type {
  NodeAvailability,
  NodeRole,
  NodeState,
  PortConfig,
  PortProtocol,
  TaskState,
} from '../../server/store/index.ts';
import type { SchedulerNode, SchedulerTask } from '../../server/scheduler/index.ts';
import { newTaskSpec } from '../store/fixtures.ts';

export interface NodeOptions {
  role?: NodeRole;
  availability?: NodeAvailability;
  state?: NodeState;
  labels?: Record<string, string>;
  hostname?: string;
  addr?: string;
}

/** A ready, active worker `id` (hostname `host-<id>`) unless told otherwise. */
export function node(id: string, o: NodeOptions = {}): SchedulerNode {
  const role = o.role ?? 'worker';
  return {
    id,
    role,
    spec: { desiredRole: role, availability: o.availability ?? 'active', labels: o.labels ?? {} },
    status: { state: o.state ?? 'ready', addr: o.addr ?? '198.51.100.2' },
    description: { hostname: o.hostname ?? `host-${id}` },
  };
}

export interface TaskOptions {
  /** '' (the default) for a task still to place. */
  nodeId?: string;
  desired?: TaskState;
  /** Observed state; `running` for a task with a node, `pending` for one without, unless told. */
  state?: TaskState;
  constraints?: string[];
  /** Host-mode published ports, `tcp/8080` or `udp/53`. */
  hostPorts?: string[];
  /** Ingress-mode published ports (which hold nothing on a node). */
  ingressPorts?: number[];
}

/** A task of `serviceId`. */
export function task(id: string, serviceId: string, o: TaskOptions = {}): SchedulerTask {
  const nodeId = o.nodeId ?? '';
  const ports: PortConfig[] = (o.hostPorts ?? []).map(key => {
    const [protocol, port] = key.split('/');
    return {
      protocol: protocol as PortProtocol,
      targetPort: 80,
      publishedPort: Number(port),
      publishMode: 'host',
    };
  });
  for (const port of o.ingressPorts ?? []) {
    ports.push({ protocol: 'tcp', targetPort: 80, publishedPort: port, publishMode: 'ingress' });
  }
  return {
    id,
    serviceId,
    nodeId,
    desiredState: o.desired ?? 'running',
    status: { state: o.state ?? (nodeId === '' ? 'pending' : 'running'), timestamp: 0 },
    spec: { ...newTaskSpec(), constraints: o.constraints ?? [] },
    ...(ports.length > 0 ? { endpoint: { ports, virtualIPs: [] } } : {}),
  };
}

/** `count` pending tasks of `serviceId` named `<prefix>1..<prefix>count`. */
export function tasks(
  prefix: string,
  serviceId: string,
  count: number,
  o: TaskOptions = {},
): SchedulerTask[] {
  return Array.from({ length: count }, (_, i) => task(`${prefix}${i + 1}`, serviceId, o));
}

/** How many tasks each node got, as `{ nodeId: count }` over every node given (0s included). */
export function countsByNode(
  nodes: readonly SchedulerNode[],
  assignments: ReadonlyMap<string, string>,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of nodes) counts[n.id] = 0;
  for (const nodeId of assignments.values()) counts[nodeId] = (counts[nodeId] ?? 0) + 1;
  return counts;
}
