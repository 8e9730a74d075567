/**
 * Replicated services (swarmkit `orchestrator/replicated`): N slots. A slot is live while it has a live
 * task. Too many live slots: the extra ones are removed (desired `remove`), those without a running task
 * first, then those on the nodes holding the most of the service's tasks, then the highest slot numbers.
 * Too few: new slots take the lowest numbers not live. Slot numbers are not compacted after a scale-down
 * (as in swarmkit), so a scaled-down service's slots may be e.g. 2 and 5.
 */
import type { Task } from '../store/index.ts';
import type { Pass, WorkTask } from './pass.ts';
import { createInSlot, liveTasks, tendSlot, type SlotRules } from './slots.ts';
import { replicatedNodeLost } from './task-facts.ts';
import type { UpdateSlot } from './update.ts';

/** The slots of a service after tending: those that stay (for the updater), and all of them (for the reaper). */
export interface TendedSlots {
  readonly kept: UpdateSlot[];
  /** Every slot's tasks, and whether its stopped tasks go once it has no live task. */
  readonly all: { readonly group: WorkTask[]; readonly dropIfDead: boolean }[];
}

/** What the scale-down order reads of a task. */
export type SlotTask = Pick<Task, 'nodeId' | 'status'>;

/** The task that stands for a live slot: a running one if any, else the last (newest) live one. */
function standIn<T extends SlotTask>(live: readonly T[]): T | undefined {
  return live.find(t => t.status.state === 'running') ?? live[live.length - 1];
}

/**
 * The live slots to remove to get down to `replicas`, in the order they go: not running before running;
 * then the higher a slot's rank among the service's slots on its node (its node's k-th, counting running
 * ones and lower slot numbers first), the earlier; then the higher slot number. A slot with no node ranks
 * after every placed one. `live` maps each live slot to its live tasks, oldest first.
 */
export function slotsToRemove(live: ReadonlyMap<number, readonly SlotTask[]>, replicas: number): number[] {
  const entries = [...live].map(([slot, tasks]) => {
    const task = standIn(tasks);
    return {
      slot,
      running: task?.status.state === 'running',
      nodeId: task?.nodeId ?? '',
      rank: Infinity,
    };
  });
  const perNode = new Map<string, number>();
  for (const entry of [...entries].sort((a, b) => Number(b.running) - Number(a.running) || a.slot - b.slot)) {
    if (entry.nodeId === '') continue;
    const rank = (perNode.get(entry.nodeId) ?? 0) + 1;
    perNode.set(entry.nodeId, rank);
    entry.rank = rank;
  }
  entries.sort(
    (a, b) =>
      Number(a.running) - Number(b.running) ||
      (b.rank === a.rank ? 0 : b.rank > a.rank ? 1 : -1) ||
      b.slot - a.slot,
  );
  return entries.slice(0, Math.max(0, entries.length - replicas)).map(e => e.slot);
}

/** Tends a replicated service with `replicas` slots: scale, node losses, restarts; returns its slots. */
export function reconcileReplicated(pass: Pass, replicas: number): TendedSlots {
  const groups = new Map<number, WorkTask[]>();
  for (const task of pass.tasks) {
    const group = groups.get(task.slot);
    if (group === undefined) groups.set(task.slot, [task]);
    else group.push(task);
  }
  const live = new Map<number, WorkTask[]>();
  for (const [slot, group] of groups) {
    const tasks = liveTasks(group);
    if (tasks.length > 0) live.set(slot, tasks);
  }

  const removed = new Set(slotsToRemove(live, replicas));
  for (const slot of removed) {
    for (const task of live.get(slot) ?? []) pass.setDesired(task, 'remove');
  }

  const rulesFor = (slot: number): SlotRules => ({
    slot,
    nodeId: '',
    nodeLost: task => replicatedNodeLost(task.nodeId, pass.nodes),
    replaceLost: true,
    mayCreate: true,
  });
  const keptSlots = [...live.keys()].filter(slot => !removed.has(slot)).sort((a, b) => a - b);
  const kept: UpdateSlot[] = [];
  for (const slot of keptSlots) {
    const group = groups.get(slot) ?? [];
    const rules = rulesFor(slot);
    tendSlot(pass, group, rules);
    kept.push({ group, rules });
  }

  let missing = replicas - keptSlots.length;
  const taken = new Set(keptSlots);
  for (let slot = 1; missing > 0; slot++) {
    if (pass.createsLeft <= 0) {
      pass.unfinished = true;
      break;
    }
    if (taken.has(slot)) continue;
    let group = groups.get(slot);
    if (group === undefined) {
      group = [];
      groups.set(slot, group);
    }
    createInSlot(pass, group, rulesFor(slot));
    missing--;
  }

  const all = [...groups].map(([slot, group]) => ({ group, dropIfDead: !taken.has(slot) }));
  return { kept, all };
}
