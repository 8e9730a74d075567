/**
 * What the agent needs of whatever runs tasks on the node (swarmkit's exec.Executor, reduced to what the
 * session uses): it is handed the full set of tasks assigned to the node each time the set changes,
 * converges to it, and tells of every state its tasks reach. The test executor (test-executor.ts) and the
 * process executor (a later issue) implement it. The agent reports the states to the managers; an
 * executor never talks to them.
 */
import type { WireTask } from '../../proto/control-types.ts';
import type { NetworkView } from '../../proto/dispatcher-types.ts';
import { EXEC_STATES, TASK_STATES, type ExecState } from '../../lib/task-states.ts';

export type { ExecState };

/** Where `state` stands in the lifecycle (-1 for a state no executor reports). */
export function execRank(state: string): number {
  return EXEC_STATES.indexOf(state as ExecState);
}

/** Desired states past RUNNING: the task is to stop. */
export const STOPPING_DESIRED: ReadonlySet<string> = new Set(
  TASK_STATES.slice(TASK_STATES.indexOf('running') + 1),
);

/** One state a task reached. */
export interface ExecStatus {
  state: ExecState;
  /** When it was reached (ms since the epoch). */
  timestamp: number;
  message: string;
  /** Why it failed, if it did; '' otherwise. */
  err: string;
}

/** A task as assigned to the node: the Control API's task shape (desired state, spec, networks, status). */
export type AssignedTask = WireTask;

export type StatusListener = (taskId: string, status: ExecStatus) => void;

export interface Executor {
  /**
   * The tasks assigned to this node now, all of them. A task new to the executor is started unless its
   * desired state is past RUNNING; a known one whose desired state is past RUNNING is stopped; a task
   * missing from the set is no longer assigned and is stopped and forgotten. Returns at once: progress
   * comes through `onStatus`. `view` is what the node's data plane and DNS need of the networks those
   * tasks are on (the last one the managers sent).
   */
  apply(tasks: readonly AssignedTask[], view: NetworkView): void;
  /** Calls `listener` for every state a task reaches, in order per task. Returns the unsubscribe. */
  onStatus(listener: StatusListener): () => void;
  /** Stops every task it runs and releases what it holds (the node is going). */
  close(): Promise<void>;
}

/** A task whose output this node keeps: its service and the files its streams are written to. */
export interface LogTask {
  id: string;
  serviceId: string;
  stdout: string;
  stderr: string;
}

/** The tasks whose output can be read on this node (`service logs`). */
export interface TaskLogSource {
  logTasks(): readonly LogTask[];
}
