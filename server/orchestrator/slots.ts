/**
 * Tending one slot (a replicated service's slot number, or a global service's node): the steps every pass
 * takes for a slot that stays, whatever the mode. A slot is the list of its tasks, live and history; the
 * invariant the steps restore is one live task per slot (two only while a start-first replacement starts).
 */
import type { TaskState } from '../store/index.ts';
import { byAge, type Pass, type WorkTask } from './pass.ts';
import { restartDueAt, shouldRestart } from './restart.ts';
import { hasEnded, isLive, needNotWaitFor } from './task-facts.ts';

/** How one slot is tended: what the mode decides about its node and its new tasks. */
export interface SlotRules {
  /** The slot number new tasks get (0 for a global service). */
  readonly slot: number;
  /** The node new tasks get ('' to be scheduled). */
  readonly nodeId: string;
  /** True if the live `task` must stop because of its node (removed, down, drained, no longer matching). */
  readonly nodeLost: (task: WorkTask) => boolean;
  /** True if a task stopped for its node is replaced at once (replicated: elsewhere; global: never). */
  readonly replaceLost: boolean;
  /** True if the slot may get a new task now (a restart, an update); false on a paused or unready node. */
  readonly mayCreate: boolean;
}

/** The live tasks of `group`, as decided so far. */
export function liveTasks(group: readonly WorkTask[]): WorkTask[] {
  return group.filter(t => !t.deleted && isLive(t));
}

/**
 * The desired state a new task of `group` starts with: `ready` (made and placed, not started) while an
 * older task of the slot, no longer live, may still be running on a reachable node, so that the two never
 * run at once; `running` otherwise.
 */
export function startState(pass: Pass, group: readonly WorkTask[]): TaskState {
  const waiting = group.some(t => !t.deleted && !isLive(t) && !needNotWaitFor(t, pass.nodes));
  return waiting ? 'ready' : 'running';
}

/** Creates the next task of the slot (current spec), added to `group`. */
export function createInSlot(
  pass: Pass,
  group: WorkTask[],
  rules: Pick<SlotRules, 'slot' | 'nodeId'>,
  desiredState: TaskState = startState(pass, group),
): WorkTask {
  const task = pass.create(rules.slot, rules.nodeId, desiredState);
  group.push(task);
  if (desiredState === 'ready') pass.wakeAt(task.createdAt + pass.options.stopWaitMs);
  return task;
}

/**
 * The steps, in order:
 * 1. A live task whose node is lost is shut down (desired `shutdown`).
 * 2. Start-first done: once the newest live task runs, the older live tasks are shut down.
 * 3. No live task left after 1: a replacement now, if the mode replaces lost tasks.
 * 4. Of the live tasks that ended by themselves, the newest stands for the slot (older ones are shut down):
 *    it is shut down if a live up-to-date task that has not ended remains beside it; else it is replaced
 *    after the restart delay if the restart policy says so (it is shut down then, and an old task still
 *    running beside it, start-first, stays); if not, it is shut down when another live task remains, else
 *    it stays, ended, as the slot's last word.
 * 5. A `ready` task starts (desired `running`) once every older task of the slot stopped, or after the
 *    stop wait.
 */
export function tendSlot(pass: Pass, group: WorkTask[], rules: SlotRules): void {
  let lost = false;
  for (const task of liveTasks(group)) {
    if (rules.nodeLost(task)) {
      pass.setDesired(task, 'shutdown');
      lost = true;
    }
  }

  let live = liveTasks(group).sort(byAge);
  const newest = live[live.length - 1];
  if (newest !== undefined && newest.status.state === 'running' && live.length > 1) {
    for (const task of live) if (task !== newest) pass.setDesired(task, 'shutdown');
    live = [newest];
  }
  if (live.length === 0) {
    if (lost && rules.replaceLost) createInSlot(pass, group, rules);
  } else {
    const ended = live.filter(hasEnded);
    const last = ended.pop();
    for (const task of ended) pass.setDesired(task, 'shutdown');
    const others = live.filter(t => !hasEnded(t));
    if (last !== undefined) {
      if (others.some(t => pass.upToDate(t))) {
        pass.setDesired(last, 'shutdown'); // superseded: an up-to-date task stands for the slot
      } else if (rules.mayCreate && shouldRestart(last, group)) {
        const due = restartDueAt(last);
        if (pass.now >= due) {
          pass.setDesired(last, 'shutdown');
          createInSlot(pass, group, rules);
        } else {
          pass.wakeAt(due);
        }
      } else if (others.length > 0) {
        pass.setDesired(last, 'shutdown');
      }
    }
  }

  for (const task of liveTasks(group)) {
    if (task.desiredState !== 'ready') continue;
    const giveUpAt = task.createdAt + pass.options.stopWaitMs;
    const waiting = group.some(t => t !== task && !t.deleted && !isLive(t) && !needNotWaitFor(t, pass.nodes));
    if (!waiting || pass.now >= giveUpAt) pass.setDesired(task, 'running');
    else pass.wakeAt(giveUpAt);
  }
}
