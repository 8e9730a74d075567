/**
 * The task reaper's part of a pass (swarmkit `orchestrator/taskreaper`): which tasks of the service are
 * deleted. A task is deleted only once it stopped (`isStopped`), and never while live.
 */
import type { Pass, WorkTask } from './pass.ts';
import { byAge } from './pass.ts';
import { historyToKeep } from './restart.ts';
import { isLive, isStopped } from './task-facts.ts';

/**
 * Deletes, in `group` (one slot's tasks): the tasks with desired state `remove` that stopped; every
 * stopped task if the slot has no live task left and `dropIfDead` (a replicated slot scaled away, a global
 * service's removed node); then the oldest stopped tasks while the slot holds more than its history limit.
 */
export function reapSlot(pass: Pass, group: readonly WorkTask[], dropIfDead: boolean): void {
  const present = (): WorkTask[] => group.filter(t => !t.deleted);
  for (const task of present()) {
    if (task.desiredState === 'remove' && isStopped(task, pass.nodes)) pass.delete(task);
  }
  if (dropIfDead && !present().some(isLive)) {
    for (const task of present()) if (isStopped(task, pass.nodes)) pass.delete(task);
  }
  const keep = historyToKeep(pass.options.historyLimit, pass.service.spec.task.restart);
  const left = present().sort(byAge);
  let count = left.length;
  for (const task of left) {
    if (count <= keep) break;
    if (!isLive(task) && isStopped(task, pass.nodes)) {
      pass.delete(task);
      count--;
    }
  }
}
