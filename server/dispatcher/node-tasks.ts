/**
 * The tasks assigned to each node (on it, ASSIGNED or later: what its Assignments stream sends), kept
 * from the store's changes, pure: a stream opening takes its complete set from here without a pass over
 * every task.
 */
import type { Task } from '../store/index.ts';
import { isAssignedTo } from './assignment-set.ts';

export class NodeTasks {
  private readonly byNode = new Map<string, Map<string, Task>>();
  /** Task → the node it is assigned to. */
  private readonly nodeOf = new Map<string, string>();

  constructor(tasks: readonly Task[]) {
    for (const t of tasks) this.observe(t, false);
  }

  /** A task was created, changed or removed (`removed`). Returns the node it was assigned to before, if any. */
  observe(t: Task, removed: boolean): string | undefined {
    const was = this.nodeOf.get(t.id);
    if (was !== undefined) {
      const tasks = this.byNode.get(was);
      tasks?.delete(t.id);
      if (tasks?.size === 0) this.byNode.delete(was);
      this.nodeOf.delete(t.id);
    }
    if (!removed && t.nodeId !== '' && isAssignedTo(t, t.nodeId)) {
      let tasks = this.byNode.get(t.nodeId);
      if (tasks === undefined) this.byNode.set(t.nodeId, (tasks = new Map()));
      tasks.set(t.id, t);
      this.nodeOf.set(t.id, t.nodeId);
    }
    return was;
  }

  /** The tasks assigned to `nodeId` now. */
  of(nodeId: string): Task[] {
    return [...(this.byNode.get(nodeId)?.values() ?? [])];
  }
}
