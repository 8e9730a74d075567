/**
 * The restart policy (swarmkit `orchestrator/restart`): whether a task that ended by itself is replaced,
 * when, and how many replacements its slot has had. Nothing is kept but the tasks: attempts are counted
 * from the slot's history.
 */
import type { RestartPolicy } from '../store/index.ts';
import { byAge, type WorkTask } from './pass.ts';
import { jsonEqual } from '../../lib/json-equal.ts';
import { isLive } from './task-facts.ts';

/**
 * How many replacements the slot of `ended` has had with its spec: the earlier tasks of the slot, no longer
 * live, with the same task spec, made since the newest task with another spec (an update or rollback starts
 * the count again, as swarmkit's per-spec-version restart history does). Restarts and replacements for a
 * lost node both count. `group` is every task of the slot (or of the node, for a global service).
 */
export function restartAttempts(ended: WorkTask, group: readonly WorkTask[]): number {
  const earlier = group.filter(t => t !== ended && !t.isNew && byAge(t, ended) < 0).sort(byAge);
  let count = 0;
  for (let i = earlier.length - 1; i >= 0; i--) {
    const t = earlier[i];
    if (t === undefined || !jsonEqual(t.spec, ended.spec)) break;
    if (!isLive(t)) count++;
  }
  return count;
}

/**
 * True if the restart policy of `ended` (its own spec's, as swarmkit reads it) replaces it: condition `any`
 * always, `on-failure` unless it completed (swarmkit: an unrequested shutdown counts as a failure too),
 * `none` never; and fewer than `maxAttempts` replacements so far (0 = no limit).
 */
export function shouldRestart(ended: WorkTask, group: readonly WorkTask[]): boolean {
  const { condition, maxAttempts } = ended.spec.restart;
  if (condition === 'none') return false;
  if (condition === 'on-failure' && ended.status.state === 'complete') return false;
  return maxAttempts === 0 || restartAttempts(ended, group) < maxAttempts;
}

/** When the replacement of `ended` is due: its restart delay after the time it was seen ending. */
export function restartDueAt(ended: WorkTask): number {
  return ended.status.timestamp + ended.spec.restart.delayMs;
}

/**
 * How many tasks a slot keeps: the history limit, or more when `policy` limits attempts (counting them needs
 * every replacement of the current spec, plus the first task).
 */
export function historyToKeep(historyLimit: number, policy: RestartPolicy): number {
  return policy.maxAttempts > 0 ? Math.max(historyLimit, policy.maxAttempts + 1) : historyLimit;
}
