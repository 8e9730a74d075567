/**
 * Task status reports from agents, pure: checking one, coalescing a batch, and deciding what a report
 * does to the stored task. A node reports only its own tasks, and a task's state only moves forward in
 * the lifecycle (compareTaskStates): a late or repeated report changes nothing.
 */
import type { WireTaskStatus } from '../../proto/control-types.ts';
import { InvalidArgumentError } from '../../lib/errors.ts';
import { EXEC_STATES, type ExecState } from '../../lib/task-states.ts';
import { compareTaskStates, recordedStatus, type Task, type TaskStatus } from '../store/index.ts';

/** One report: the state an agent saw a task reach. */
export interface StatusReport {
  taskId: string;
  status: TaskStatus;
}

/**
 * The task state named `s` if an agent may report it, else undefined: those its executor reaches
 * (swarmkit's agent never reports NEW…ASSIGNED).
 */
export function agentState(s: string): ExecState | undefined {
  return EXEC_STATES.find(t => t === s);
}

/** A report from the wire, checked: a task ID, and a state an agent may report (stamped `now` if not). */
export function reportOf(taskId: string, s: WireTaskStatus | null, now: number): StatusReport {
  if (typeof taskId !== 'string' || taskId === '') throw new InvalidArgumentError('task ID is required');
  const state = s === null ? undefined : agentState(s.state);
  if (s === null || state === undefined) {
    throw new InvalidArgumentError(`task ${taskId}: "${s?.state ?? ''}" is not a state an agent reports`);
  }
  return {
    taskId,
    status: {
      state,
      timestamp: s.timestamp > 0 ? s.timestamp : now,
      ...(s.message === '' ? {} : { message: s.message }),
      ...(s.err === '' ? {} : { err: s.err }),
    },
  };
}

/** A report as the dispatcher holds it until written: the status, and the node that reported it. */
export interface NodeReport {
  nodeId: string;
  status: TaskStatus;
}

/**
 * Coalesces reports of `nodeId`, in the order given, into one per task: the furthest state; on equal
 * states the later report. Reports of different batches and nodes coalesce the same way.
 */
export function coalesce(
  into: Map<string, NodeReport>,
  nodeId: string,
  reports: readonly StatusReport[],
): void {
  for (const r of reports) {
    const had = into.get(r.taskId);
    if (had === undefined || compareTaskStates(r.status.state, had.status.state) >= 0) {
      into.set(r.taskId, { nodeId, status: r.status });
    }
  }
}

/**
 * The task with `status` recorded (and the time it was first recorded running kept), if the report of
 * `nodeId` moves it forward; undefined if it changes nothing (the task is gone, moved to another node, or
 * already as far or further).
 */
export function withReportedStatus(
  task: Task | undefined,
  nodeId: string,
  status: TaskStatus,
): Task | undefined {
  if (task === undefined || task.nodeId !== nodeId) return undefined;
  if (compareTaskStates(status.state, task.status.state) <= 0) return undefined;
  return { ...task, status: recordedStatus(task.status, status) };
}
