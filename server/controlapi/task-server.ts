/**
 * The Control API's task calls (`docker service ps`, `docker inspect <task>`): linearizable reads of the
 * tasks table. Tasks are written by the orchestrator, scheduler and dispatcher, never through the Control
 * API (a service's removal marks its tasks for removal: service-server.ts). Merged into the Control handler
 * map by control-server.ts.
 */
import { resolveRef } from '../../lib/resolve-ref.ts';
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { RaftNode } from '../raftnode/raft-node.ts';
import { unary } from '../rpc/status.ts';
import { InvalidArgumentError } from '../../lib/errors.ts';
import {
  findServices,
  findTasks,
  getService,
  getTask,
  TASK_STATES,
  type MemoryStore,
  type ReadTx,
  type Task,
  type TaskState,
} from '../store/index.ts';
import { wireTask } from '../wire/wire-task.ts';

/** Finds one task by ID or unique ID prefix. */
export function resolveTask(store: MemoryStore, ref: string): Task {
  return store.view(tx =>
    resolveRef('task', ref, {
      byId: id => getTask(tx, id),
      byPrefix: idPrefix => findTasks(tx, { idPrefix }),
    }),
  );
}

/** What ListTasks selects by (`shoal.v1.ListTasksRequest.Filters`). */
export interface TaskFilters {
  serviceIds: string[];
  nodeIds: string[];
  desiredStates: string[];
}

/**
 * The service IDs a `service_ids` filter entry stands for: the entry itself (tasks outlive a removed
 * service, which can then only be named by its ID), and the service it names by name or unique ID prefix.
 * An ambiguous prefix is refused (INVALID_ARGUMENT); one that names nothing matches only tasks with that ID.
 */
export function serviceIdsOf(tx: ReadTx, ref: string): string[] {
  if (getService(tx, ref) !== undefined) return [ref];
  const [byName] = findServices(tx, { name: ref });
  if (byName !== undefined) return [ref, byName.id];
  const byPrefix = findServices(tx, { idPrefix: ref });
  if (byPrefix.length > 1) {
    throw new InvalidArgumentError(`service ${ref} is ambiguous (${byPrefix.length} matches)`);
  }
  return [ref, ...byPrefix.map(s => s.id)];
}

/**
 * The predicate ListTasks filters with: every non-empty filter must match (each matches any of its
 * entries). Throws INVALID_ARGUMENT for an unknown desired state or an ambiguous service prefix.
 */
export function taskPredicate(tx: ReadTx, filters: TaskFilters | null): (t: Task) => boolean {
  const serviceIds = new Set((filters?.serviceIds ?? []).flatMap(ref => serviceIdsOf(tx, ref)));
  const nodeIds = new Set(filters?.nodeIds ?? []);
  const states = new Set<TaskState>();
  for (const state of filters?.desiredStates ?? []) {
    const known = TASK_STATES.find(s => s === state.toLowerCase());
    if (known === undefined) {
      throw new InvalidArgumentError(
        `invalid desired state ${JSON.stringify(state)}: expected one of ${TASK_STATES.join(', ')}`,
      );
    }
    states.add(known);
  }
  return t =>
    (serviceIds.size === 0 || serviceIds.has(t.serviceId)) &&
    (nodeIds.size === 0 || nodeIds.has(t.nodeId)) &&
    (states.size === 0 || states.has(t.desiredState));
}

/** The task methods of the Control service, keyed by method name. */
export function taskHandlers(
  store: MemoryStore,
  raft: RaftNode,
  log: Logger,
): grpc.UntypedServiceImplementation {
  return {
    GetTask: unary(log, async (req: { taskId: string }) => {
      await raft.readBarrier();
      return { task: wireTask(resolveTask(store, req.taskId)) };
    }),
    ListTasks: unary(log, async (req: { filters: TaskFilters | null }) => {
      // Linearizable, as the other lists: every acknowledged write is seen, whichever manager answers.
      await raft.readBarrier();
      const tasks = store.view(tx => findTasks(tx, { where: taskPredicate(tx, req.filters) }));
      return { tasks: tasks.map(wireTask) };
    }),
  };
}
