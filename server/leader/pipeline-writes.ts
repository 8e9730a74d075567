/**
 * What a pass of the task pipeline writes, and how large each write is (its batches are bounded in
 * bytes): the orchestrator's task changes and service updates, pure.
 */
import { jsonBytes, MAX_REPLICAS } from '../allocator/index.ts';
import type { TaskChange } from '../orchestrator/index.ts';
import {
  createTask,
  deleteTask,
  getTask,
  updateTask,
  type Service,
  type Task,
  type Tx,
} from '../store/index.ts';

export function applyTaskChange(tx: Tx, change: TaskChange): void {
  switch (change.kind) {
    case 'create':
      createTask(tx, change.task);
      return;
    case 'set-desired-state': {
      const task = getTask(tx, change.taskId);
      if (task !== undefined) updateTask(tx, { ...task, desiredState: change.desiredState });
      return;
    }
    case 'delete':
      if (getTask(tx, change.taskId) !== undefined) deleteTask(tx, change.taskId);
      return;
  }
}

export type OrchestratorWrite = { service: Service } | { change: TaskChange };

/** A task as the store encodes it, plus room for the addresses allocation adds. */
export function taskBytes(task: Omit<Task, 'meta'>): number {
  return jsonBytes(task) + 128;
}

/** What one of the orchestrator's writes adds to the changelist, in bytes. */
export function orchestratorWriteBytes(w: OrchestratorWrite, tasks: ReadonlyMap<string, Task>): number {
  if ('service' in w) return jsonBytes(w.service);
  const c = w.change;
  if (c.kind === 'create') return taskBytes(c.task);
  const task = tasks.get(c.taskId);
  // A desired-state change writes the whole task; a delete carries only its ID.
  return c.kind === 'set-desired-state' && task !== undefined ? taskBytes(task) : 256;
}

/**
 * A service asking for more replicas than a service may have (stored before the limit existed) runs
 * that many: the pipeline never tries to hold more tasks than the API would have accepted.
 */
export function withinReplicaLimit(service: Service): Service {
  const mode = service.spec.mode;
  if (!('replicated' in mode) || mode.replicated.replicas <= MAX_REPLICAS) return service;
  return { ...service, spec: { ...service.spec, mode: { replicated: { replicas: MAX_REPLICAS } } } };
}
