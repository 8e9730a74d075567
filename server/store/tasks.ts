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
