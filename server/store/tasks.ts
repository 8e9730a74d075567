import { TASK_STATES } from '../../lib/task-states.ts';
import type { NewObject, Task, TaskState, TaskStatus } from './objects.ts';
import { defineTable, type FindFilter } from './table.ts';
import type { ReadTx, Tx } from './transaction.ts';
import type { StoreEvent } from './watch-queue.ts';

/** The tasks table. Tasks have no names of their own (`web.1.<id>` is derived), so `find` by name does not apply. */
export const taskTable = defineTable<Task>({
  name: 'tasks',
  uniqueNames: false,
  indexes: {
    service: { keysOf: t => [t.serviceId] },
    node: { keysOf: t => [t.nodeId] },
    network: { keysOf: t => [...new Set(t.networks.map(n => n.networkId))] },
    // What occupies each node (see taskOccupancy): the scheduler counts them without reading every task.
    'occupying-node': { keysOf: t => (taskOccupiesNode(t) ? [t.nodeId] : []) },
    'occupying-service': {
      keysOf: t => (taskOccupiesNode(t) ? [occupancyKey(t.nodeId, t.serviceId)] : []),
    },
    'occupying-port': {
      keysOf: t => (taskOccupiesNode(t) ? taskHostPorts(t).map(key => occupancyKey(t.nodeId, key)) : []),
    },
  },
});

export { TASK_STATES };

const RANK = new Map(TASK_STATES.map((state, i) => [state, i]));

/** Negative if `a` comes before `b` in the lifecycle, 0 if equal, positive if after (swarmkit compares the numbers). */
export function compareTaskStates(a: TaskState, b: TaskState): number {
  return (RANK.get(a) ?? -1) - (RANK.get(b) ?? -1);
}

/**
 * The status `next` as recorded after `prev`: it keeps the time the task was first recorded running, or
 * takes it when `next` is that moment.
 */
export function recordedStatus(prev: TaskStatus, next: TaskStatus): TaskStatus {
  const startedAt = prev.startedAt ?? (next.state === 'running' ? next.timestamp : undefined);
  return startedAt === undefined ? next : { ...next, startedAt };
}

/**
 * True if a task on a node still occupies it (for the scheduler's spread and host ports): it has a node
 * and neither its desired nor its observed state is past running.
 */
export function taskOccupiesNode(task: Pick<Task, 'nodeId' | 'desiredState' | 'status'>): boolean {
  return (
    task.nodeId !== '' &&
    compareTaskStates(task.desiredState, 'running') <= 0 &&
    compareTaskStates(task.status.state, 'running') <= 0
  );
}

/**
 * The host-mode ports `task` publishes, as `protocol/port` keys (`tcp/8080`), each once. A host port of 0
 * lets the node pick one, so it holds nothing (swarmkit's HostPortFilter skips it too).
 */
export function taskHostPorts(task: Pick<Task, 'endpoint'>): string[] {
  const keys = new Set<string>();
  for (const port of task.endpoint?.ports ?? []) {
    if (port.publishMode === 'host' && port.publishedPort !== 0)
      keys.add(`${port.protocol}/${port.publishedPort}`);
  }
  return [...keys];
}

/** `key` on node `nodeId`, as the occupancy indexes list it (ids and port keys hold no NUL). */
function occupancyKey(nodeId: string, key: string): string {
  return `${nodeId}\u0000${key}`;
}

/** What occupies the nodes, as counts of tasks (those taskOccupiesNode holds true of). */
export interface TaskOccupancy {
  /** The tasks occupying node `nodeId`. */
  tasksOn(nodeId: string): number;
  /** Those of service `serviceId` ('' for standalone attachments). */
  serviceTasksOn(nodeId: string, serviceId: string): number;
  /** Those publishing host port `key` (a taskHostPorts key). */
  hostPortTasksOn(nodeId: string, key: string): number;
}

/**
 * The occupancy of the nodes as `tx` sees it, read from the tasks table's indexes: each count costs a
 * lookup (in a write transaction, also the transaction's own writes), not a pass over every task.
 */
export function taskOccupancy(tx: ReadTx): TaskOccupancy {
  return {
    tasksOn: nodeId => tx.count(taskTable, { name: 'occupying-node', key: nodeId }),
    serviceTasksOn: (nodeId, serviceId) =>
      tx.count(taskTable, { name: 'occupying-service', key: occupancyKey(nodeId, serviceId) }),
    hostPortTasksOn: (nodeId, key) =>
      tx.count(taskTable, { name: 'occupying-port', key: occupancyKey(nodeId, key) }),
  };
}

/** What `findTasks` selects: the generic criteria (no names) plus the fields tasks are listed by. */
export interface TaskFilter extends Omit<FindFilter<Task>, 'name' | 'namePrefix'> {
  serviceId?: string;
  nodeId?: string;
  desiredState?: TaskState;
  /** Tasks attached to this network id (swarmkit `ByReferencedNetworkID`). */
  networkId?: string;
}

/** Records the creation of `task`. Throws as `Tx.create` (AlreadyExistsError if the id is taken). */
export function createTask(tx: Tx, task: NewObject<Task>): Task {
  return tx.create(taskTable, task);
}

/**
 * Records `task` as the new state of the task with its id; `task.meta.version` must be the version read.
 * Throws as `Tx.update` (NotFoundError, SequenceConflictError).
 */
export function updateTask(tx: Tx, task: Task): Task {
  return tx.update(taskTable, task);
}

/** Records the removal of the task `id`. Throws NotFoundError if there is none. */
export function deleteTask(tx: Tx, id: string): void {
  tx.delete(taskTable, id);
}

/** The task `id`, or undefined. */
export function getTask(tx: ReadTx, id: string): Task | undefined {
  return tx.get(taskTable, id);
}

/** The tasks matching `filter`, sorted by id. */
export function findTasks(tx: ReadTx, filter: TaskFilter = {}): Task[] {
  const { serviceId, nodeId, desiredState, networkId, where, idPrefix } = filter;
  // The narrowest index given reads only its tasks; the other criteria are checked on those.
  const index =
    serviceId !== undefined
      ? { name: 'service', key: serviceId }
      : nodeId !== undefined
        ? { name: 'node', key: nodeId }
        : networkId !== undefined
          ? { name: 'network', key: networkId }
          : undefined;
  return tx.find(taskTable, {
    ...(idPrefix === undefined ? {} : { idPrefix }),
    ...(index === undefined ? {} : { index }),
    where: task =>
      (serviceId === undefined || task.serviceId === serviceId) &&
      (nodeId === undefined || task.nodeId === nodeId) &&
      (desiredState === undefined || task.desiredState === desiredState) &&
      (networkId === undefined || task.networks.some(n => n.networkId === networkId)) &&
      (where === undefined || where(task)),
  });
}

/** True if `event` is a change of the tasks table (narrows its objects to Task). */
export function isTaskEvent(event: StoreEvent): event is StoreEvent<Task> {
  return event.table === taskTable.name;
}
