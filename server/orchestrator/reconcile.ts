/** The orchestrator's entry points: one pass over a service, and the tasks of a removed service. */
import type { Service, Task, TaskState } from '../store/index.ts';
import { reconcileGlobal } from './global.ts';
import { compileOrchestratorOptions, Pass } from './pass.ts';
import { reapSlot } from './reap.ts';
import { reconcileReplicated, type TendedSlots } from './replicated.ts';
import { jsonEqual } from '../../lib/json-equal.ts';
import { isLive, isStopped, type NodeIndex } from './task-facts.ts';
import type {
  OrchestratorInput,
  OrchestratorNode,
  OrchestratorResult,
  ServiceChange,
  TaskChange,
  UpdateStatus,
} from './types.ts';
import { failureOverRatio, pausedStatus, stepUpdate } from './update.ts';

function indexNodes(nodes: readonly OrchestratorNode[]): NodeIndex {
  return new Map(nodes.map(node => [node.id, node]));
}

/** How many slots the service has now: slot numbers (replicated) or nodes (global) with a live task. */
function liveSlotCount(pass: Pass): number {
  const global = 'global' in pass.service.spec.mode;
  const keys = new Set<string | number>();
  for (const task of pass.tasks) if (isLive(task)) keys.add(global ? task.nodeId : task.slot);
  return keys.size;
}

/**
 * The failure action, if the running update's failures are over its ratio: the service to work on from
 * here (spec and previous spec swapped for a rollback) and the rollback to report. Never rolls back a
 * rollback (it pauses), nor without a previous spec (it pauses too, saying so).
 */
function applyFailureAction(
  pass: Pass,
): { service: Service; rollback?: ServiceChange['rollback'] } | undefined {
  const failed = failureOverRatio(pass, liveSlotCount(pass));
  const { service } = pass;
  const status = service.updateStatus;
  if (failed === undefined || status === undefined) return undefined;
  const { failureAction } = service.spec.update;
  if (failureAction === 'rollback' && status.state === 'updating') {
    const previous = service.previousSpec;
    if (previous === undefined) {
      const paused = pausedStatus(status, failed);
      const message = `${paused.message}; cannot roll back: the service has no previous spec`;
      return { service: { ...service, updateStatus: { ...paused, message } } };
    }
    const updateStatus: UpdateStatus = {
      state: 'rollback_started',
      startedAt: pass.now,
      message: `update rolled back due to failure or early termination of task ${failed.id}`,
    };
    const rollback = { spec: previous, previousSpec: service.spec };
    return {
      service: { ...service, spec: previous, previousSpec: service.spec, updateStatus },
      rollback,
    };
  }
  return { service: { ...service, updateStatus: pausedStatus(status, failed) } };
}

/**
 * One pass over one service: decides the task writes that bring it towards its spec (scale, global
 * placement, node losses, restarts, the rolling update, history), the service's new update status, and when
 * to be called again if nothing changes before. Pure: reads only `input`, calls only `input.newId`.
 *
 * Call it after any change to the service, its tasks or the nodes, and at `wakeAt`; apply the answer in one
 * transaction, then call again on the new state (a pass may leave work for the next one, e.g. a `ready`
 * task started once its predecessor stopped). Throws RangeError for invalid options.
 */
export function reconcileService(input: OrchestratorInput): OrchestratorResult {
  const options = compileOrchestratorOptions(input.options);
  const nodes = indexNodes(input.nodes);
  const make = (service: Service): Pass =>
    new Pass({
      now: input.now,
      options,
      nodes,
      service,
      tasks: input.tasks,
      newId: input.newId,
      maxCreates: input.maxCreates,
    });

  let pass = make(input.service);
  const action = applyFailureAction(pass);
  if (action !== undefined) pass = make(action.service);

  const { mode } = pass.service.spec;
  const slots: TendedSlots =
    'replicated' in mode ? reconcileReplicated(pass, mode.replicated.replicas) : reconcileGlobal(pass);
  const updateStatus = stepUpdate(pass, slots.kept);
  for (const { group, dropIfDead } of slots.all) reapSlot(pass, group, dropIfDead);

  const rollback = action?.rollback;
  let serviceChange: ServiceChange | undefined;
  if (updateStatus !== undefined && !jsonEqual(updateStatus, input.service.updateStatus)) {
    serviceChange = rollback === undefined ? { updateStatus } : { updateStatus, rollback };
  }
  const wakeAt = pass.wakeTime;
  return {
    taskChanges: pass.changes(),
    ...(serviceChange === undefined ? {} : { serviceChange }),
    ...(wakeAt === undefined ? {} : { wakeAt }),
    ...(pass.unfinished ? { unfinished: true } : {}),
  };
}

/**
 * The writes for the tasks of a removed service (swarmkit marks them `remove`, the reaper deletes them):
 * a live task gets desired state `remove`; a task that stopped is deleted.
 */
export function reconcileRemovedService(input: {
  readonly tasks: readonly Task[];
  readonly nodes: readonly OrchestratorNode[];
}): TaskChange[] {
  const nodes = indexNodes(input.nodes);
  const changes: TaskChange[] = [];
  for (const task of input.tasks) {
    if (isStopped(task, nodes)) {
      changes.push({ kind: 'delete', taskId: task.id });
    } else if (isLive(task)) {
      const desiredState: TaskState = 'remove';
      changes.push({ kind: 'set-desired-state', taskId: task.id, desiredState });
    }
  }
  return changes;
}
