/**
 * Shoal's orchestrator: which tasks each service should have (swarmkit's `manager/orchestrator`:
 * replicated, global, restart, update and the task reaper, trimmed).
 *
 * Design: `reconcileService` is one pure pass over one service. The caller (a leader-only loop watching
 * the store) hands it the time, the service, every task of the service and every node; it answers the
 * task writes (create, set desired state, delete), the service's new `updateStatus` (and, when a rollback
 * starts, its spec and previous spec swapped) and when to be called again if nothing changes meanwhile
 * (`wakeAt`: restart delays, update delays, monitor periods). Nothing is remembered between passes: every
 * decision is derived from the objects, so a new leader carries on where the old one stopped.
 *
 * The task flow: a new task is desired `running`, or `ready` while an older task of its slot may still run
 * (stop-first updates, a drained node's task), and is started (desired `running`) once that one stopped, or
 * after one minute. A task that ended by itself stays live (desired `running`) until its restart delay ran
 * out; then it is shut down (desired `shutdown`) and replaced in its slot, or, if the restart policy says no,
 * it stays as its slot's last word. Replaced tasks stay as history (five per slot) and are deleted once
 * stopped; scaled-away slots are marked `remove` and deleted once stopped. Slots (replicated: numbers; global:
 * nodes) are tended one by one with the same steps. The folder is pure: no clock, no randomness, no I/O.
 */
export { reconcileRemovedService, reconcileService } from './reconcile.ts';
export { compileOrchestratorOptions } from './pass.ts';
export { constraintMatcher } from './global.ts';
export { slotsToRemove, type SlotTask } from './replicated.ts';
export { isLive, isUpToDate, type TaskTarget } from './task-facts.ts';
export {
  DEFAULT_STOP_WAIT_MS,
  DEFAULT_TASK_HISTORY_LIMIT,
  type CompiledOrchestratorOptions,
  type OrchestratorInput,
  type OrchestratorNode,
  type OrchestratorOptions,
  type OrchestratorResult,
  type ServiceChange,
  type TaskChange,
  type UpdateState,
  type UpdateStatus,
} from './types.ts';
