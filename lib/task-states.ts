/**
 * A task's lifecycle (swarmkit's `TaskState`), the one list the manager, the agent and the CLI share:
 * in order, a state later in the list is further along (swarmkit's numbers: NEW 0 … RUNNING 512 …
 * ORPHANED 832). Desired states use the same values.
 */
export const TASK_STATES = Object.freeze([
  'new',
  'pending',
  'assigned',
  'accepted',
  'preparing',
  'ready',
  'starting',
  'running',
  'complete',
  'shutdown',
  'failed',
  'rejected',
  'remove',
  'orphaned',
] as const);

export type TaskState = (typeof TASK_STATES)[number];

/** The states an executor reports: the agent's part of the lifecycle, ACCEPTED to REJECTED. */
export type ExecState = Exclude<TaskState, 'new' | 'pending' | 'assigned' | 'remove' | 'orphaned'>;

/** The executor's states in lifecycle order. */
export const EXEC_STATES: readonly ExecState[] = Object.freeze(
  TASK_STATES.slice(TASK_STATES.indexOf('accepted'), TASK_STATES.indexOf('rejected') + 1) as ExecState[],
);
