/**
 * What one node's Assignments stream has told its agent, pure (swarmkit's assignmentSet): the tasks
 * assigned to the node, a COMPLETE set first, then INCREMENTAL changes chained by sequence number
 * (`appliesTo` = the previous message's `resultsIn`). A task belongs to the set while it is on the node
 * and the scheduler has assigned it (state ASSIGNED or later), whatever its desired state: tasks being
 * shut down are sent, so the agent stops them; a task leaves the set when it is deleted or moved off.
 * Status changes the agent itself reported are not sent back; anything else about a task is.
 * Not safe for re-entrant use.
 */
import { isDeepStrictEqual } from 'node:util';
import { compareTaskStates, type Task } from '../store/index.ts';

export type AssignmentAction = 'update' | 'remove';

export interface AssignmentChange {
  action: AssignmentAction;
  task: Task;
}

export interface AssignmentBatch {
  type: 'complete' | 'incremental';
  /** 0 for a complete set. */
  appliesTo: number;
  resultsIn: number;
  changes: AssignmentChange[];
}

/** Whether `task` is assigned to `nodeId`: on it, and placed there by the scheduler (ASSIGNED or later). */
export function isAssignedTo(task: Task, nodeId: string): boolean {
  return task.nodeId === nodeId && compareTaskStates(task.status.state, 'assigned') >= 0;
}

/** Equal apart from what the agent itself reports (status) and the store's bookkeeping (meta). */
function sameForAgent(a: Task, b: Task): boolean {
  const { status: _s1, meta: _m1, ...x } = a;
  const { status: _s2, meta: _m2, ...y } = b;
  return isDeepStrictEqual(x, y);
}

export class AssignmentSet {
  /** Task id → the task as the agent will know it once the pending changes are sent. */
  private readonly tasks = new Map<string, Task>();
  /** Changes observed since the last message, by task id (the last one of each task wins). */
  private readonly pending = new Map<string, AssignmentChange>();
  /** The `resultsIn` of the last message; 0 before the first. */
  private seq = 0;

  constructor(readonly nodeId: string) {}

  /** The complete set from tasks read in one view (any tasks: those not assigned to the node are left out). */
  complete(tasks: readonly Task[]): AssignmentBatch {
    this.tasks.clear();
    this.pending.clear();
    const changes: AssignmentChange[] = [];
    for (const t of tasks) {
      if (!isAssignedTo(t, this.nodeId)) continue;
      this.tasks.set(t.id, t);
      changes.push({ action: 'update', task: t });
    }
    this.seq++;
    return { type: 'complete', appliesTo: 0, resultsIn: this.seq, changes };
  }

  /**
   * Records one committed change of a task (`removed` = deleted from the store). Returns true if it
   * changes what the agent should know (a change is then pending).
   */
  observe(task: Task, removed: boolean): boolean {
    const known = this.tasks.get(task.id);
    if (removed || !isAssignedTo(task, this.nodeId)) {
      if (known === undefined) return false;
      this.tasks.delete(task.id);
      this.pending.set(task.id, { action: 'remove', task });
      return true;
    }
    this.tasks.set(task.id, task);
    // States up to ASSIGNED are the manager's, so such a task goes out even if nothing else changed.
    if (
      known !== undefined &&
      sameForAgent(known, task) &&
      compareTaskStates(task.status.state, 'assigned') > 0
    ) {
      return false;
    }
    this.pending.set(task.id, { action: 'update', task });
    return true;
  }

  /** How many tasks have a change pending. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * The incremental message of the changes pending, chained to the last message; undefined if none,
   * unless `evenEmpty` (a message that carries something else, such as a new network view).
   */
  flush(evenEmpty = false): AssignmentBatch | undefined {
    if (this.pending.size === 0 && !evenEmpty) return undefined;
    const changes = [...this.pending.values()];
    this.pending.clear();
    const appliesTo = this.seq;
    this.seq++;
    return { type: 'incremental', appliesTo, resultsIn: this.seq, changes };
  }

  /**
   * `batch`, the last one made, as messages of at most `maxBytes` of changes each (a change larger than
   * that alone): the first keeps its type, the others are increments, each chained to the one before.
   * The agent acts on them together, once the last has come (see the wire's `more`).
   */
  split(
    batch: AssignmentBatch,
    maxBytes: number,
    sizeOf: (c: AssignmentChange) => number,
  ): AssignmentBatch[] {
    if (batch.resultsIn !== this.seq) throw new Error('assignment set: only the last batch can be split');
    const parts: AssignmentChange[][] = [[]];
    let bytes = 0;
    for (const change of batch.changes) {
      const size = sizeOf(change);
      const part = parts[parts.length - 1] ?? [];
      if (part.length > 0 && bytes + size > maxBytes) {
        parts.push([change]);
        bytes = size;
      } else {
        part.push(change);
        bytes += size;
      }
    }
    if (parts.length === 1) return [batch];
    const out: AssignmentBatch[] = [{ ...batch, changes: parts[0] ?? [] }];
    for (const changes of parts.slice(1)) {
      const appliesTo = this.seq;
      this.seq++;
      out.push({ type: 'incremental', appliesTo, resultsIn: this.seq, changes });
    }
    return out;
  }

  /** The tasks in the set once the pending changes are sent, by id. */
  current(): ReadonlyMap<string, Task> {
    return this.tasks;
  }
}
