/**
 * Rolling updates (swarmkit `orchestrator/update`), derived from the tasks at every pass instead of kept in
 * goroutines: a slot is out of date when none of its live tasks carries the current spec; the update's own
 * tasks are the up-to-date ones made since `updateStatus.startedAt`. A slot is busy while its new task has
 * not reached running, and for `delayMs` after (each of the `parallelism` workers waits that long before
 * its next slot); free workers take the out-of-date slots in order, each slot once (a slot whose new task
 * failed is left to the restart policy, as in swarmkit). An own task that ends by itself (complete, failed,
 * rejected) before it was recorded running, or within `monitorMs` of when it was, is a failure (swarmkit's
 * updater); above `maxFailureRatio` of the slots, the failure action runs. The update completes when every out-of-date slot was tried, none is
 * starting, and `monitorMs` passed since the last own task changed state.
 */
import { compareTaskStates } from '../store/index.ts';
import { byAge, type Pass, type WorkTask } from './pass.ts';
import { createInSlot, liveTasks, startState, type SlotRules } from './slots.ts';
import { endedByItself, isLive } from './task-facts.ts';
import type { UpdateState, UpdateStatus } from './types.ts';

/** One slot as the updater sees it; slots are taken in the order given. */
export interface UpdateSlot {
  readonly group: WorkTask[];
  readonly rules: SlotRules;
}

/** True while an update or a rollback runs. */
export function isInProgress(state: UpdateState | undefined): boolean {
  return state === 'updating' || state === 'rollback_started';
}

/** True if `task` is one of the running update's own tasks. */
function isOwn(pass: Pass, status: UpdateStatus, task: WorkTask): boolean {
  return !task.deleted && task.createdAt >= status.startedAt && pass.upToDate(task);
}

/**
 * The task whose failure takes the running update over its failure ratio, or undefined (no update running,
 * failure action `continue`, or not enough failures). `slotCount` is the number of slots of the service.
 * Failures are taken in the order they happened; the one that crossed the ratio is named.
 */
export function failureOverRatio(pass: Pass, slotCount: number): WorkTask | undefined {
  const status = pass.service.updateStatus;
  const config = pass.service.spec.update;
  if (status === undefined || !isInProgress(status.state) || config.failureAction === 'continue') {
    return undefined;
  }
  const failures = pass.tasks
    .filter(t => isOwn(pass, status, t) && endedByItself(t) && endedEarly(t, config.monitorMs))
    .sort((a, b) => a.status.timestamp - b.status.timestamp || (a.id < b.id ? -1 : 1));
  const slots = Math.max(1, slotCount);
  for (let i = 0; i < failures.length; i++) {
    if ((i + 1) / slots > config.maxFailureRatio) return failures[i];
  }
  return undefined;
}

/**
 * True if a task that ended did so before it was recorded running or within `monitorMs` of it. Counted
 * from its creation instead, a task slow to start (a loaded node, a large image) that then failed would
 * not count, and an update whose every task fails would complete.
 */
function endedEarly(task: WorkTask, monitorMs: number): boolean {
  const { startedAt, timestamp } = task.status;
  return startedAt === undefined || timestamp - startedAt <= monitorMs;
}

/** Swarm's texts for a paused update (`update …`) or rollback (`rollback …`). */
export function pausedStatus(status: UpdateStatus, failed: WorkTask): UpdateStatus {
  const rollback = status.state === 'rollback_started';
  return {
    state: rollback ? 'rollback_paused' : 'paused',
    startedAt: status.startedAt,
    message: `${rollback ? 'rollback' : 'update'} paused due to failure or early termination of task ${failed.id}`,
  };
}

/** Replaces the live tasks of an out-of-date slot, in the spec's update order. */
function replaceSlot(pass: Pass, slot: UpdateSlot): void {
  const old = liveTasks(slot.group).sort(byAge);
  if (pass.service.spec.update.order === 'start-first') {
    // The newest running task stays until the new one runs (tendSlot then shuts it down); the others go.
    const stays = old.filter(t => t.status.state === 'running').pop();
    for (const task of old) if (task !== stays) pass.setDesired(task, 'shutdown');
    if (stays !== undefined) {
      createInSlot(pass, slot.group, slot.rules, 'running');
      return;
    }
  }
  for (const task of old) pass.setDesired(task, 'shutdown');
  createInSlot(pass, slot.group, slot.rules, startState(pass, slot.group));
}

/**
 * One step of the rolling update over `slots` (the slots that stay, already tended): starts an update when
 * a slot is out of date, hands free workers their slots, and completes the update. Does nothing while the
 * update is paused. Returns the update status after the step (the one given if nothing changed).
 */
export function stepUpdate(pass: Pass, slots: readonly UpdateSlot[]): UpdateStatus | undefined {
  const config = pass.service.spec.update;
  const { now } = pass;
  let status = pass.service.updateStatus;
  if (status !== undefined && (status.state === 'paused' || status.state === 'rollback_paused')) {
    return status;
  }
  const outOfDate = slots.filter(s => {
    if (!s.rules.mayCreate) return false;
    const live = liveTasks(s.group);
    return live.length > 0 && !live.some(t => pass.upToDate(t));
  });
  if (outOfDate.length > 0 && (status === undefined || !isInProgress(status.state))) {
    status = { state: 'updating', startedAt: now, message: 'update in progress' };
  }
  if (status === undefined || !isInProgress(status.state)) return status;
  const current = status;

  let busy = 0;
  let starting = false;
  let lastChange = current.startedAt;
  for (const slot of slots) {
    let slotBusy = false;
    for (const task of slot.group) {
      if (!isOwn(pass, current, task)) continue;
      lastChange = Math.max(lastChange, task.status.timestamp);
      if (compareTaskStates(task.status.state, 'running') < 0) {
        if (!isLive(task)) continue; // shut down before it started: nothing to wait for
        slotBusy = true;
        starting = true;
      } else if (now < task.status.timestamp + config.delayMs) {
        slotBusy = true;
        pass.wakeAt(task.status.timestamp + config.delayMs);
      }
    }
    if (slotBusy) busy++;
  }

  // A slot is updated once per update: a slot whose own task failed is left to the restart policy.
  const untried = outOfDate.filter(s => !s.group.some(t => isOwn(pass, current, t)));
  let free = config.parallelism === 0 ? Infinity : config.parallelism - busy;
  for (const slot of untried) {
    if (free <= 0) break;
    replaceSlot(pass, slot);
    free--;
  }

  if (untried.length > 0 || starting) return current;
  const doneAt = lastChange + config.monitorMs;
  if (now < doneAt) {
    pass.wakeAt(doneAt);
    return current;
  }
  const rollback = current.state === 'rollback_started';
  return {
    state: rollback ? 'rollback_completed' : 'completed',
    startedAt: current.startedAt,
    completedAt: now,
    message: rollback ? 'rollback completed' : 'update completed',
  };
}
