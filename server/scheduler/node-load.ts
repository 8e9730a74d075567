/**
 * What a node carries while one scheduling pass runs (swarmkit `NodeInfo`, trimmed): the counts of what
 * already occupies it (a TaskOccupancy, read only for the services and ports the pass asks about) plus
 * what the pass placed on it so far.
 */
import { taskHostPorts, type Task, type TaskOccupancy } from '../store/index.ts';
import type { ConstraintNode } from './constraint.ts';

/** What the scheduler reads of a task's for its node's load. */
type LoadTask = Pick<Task, 'serviceId' | 'endpoint'>;

/**
 * One node's load. Invariant: each count is the base occupancy's for the node, plus the tasks `add`ed,
 * minus the tasks `remove`d; a count read once is kept here, so the pass reads each from the base once.
 */
export class NodeLoad {
  /** Occupying tasks on the node. */
  total: number;
  private readonly byService = new Map<string, number>();
  private readonly byHostPort = new Map<string, number>();

  constructor(
    readonly node: ConstraintNode,
    private readonly base: TaskOccupancy,
  ) {
    this.total = base.tasksOn(node.id);
  }

  /** Occupying tasks of `serviceId` on the node. */
  serviceTasks(serviceId: string): number {
    let n = this.byService.get(serviceId);
    if (n === undefined)
      this.byService.set(serviceId, (n = this.base.serviceTasksOn(this.node.id, serviceId)));
    return n;
  }

  /** True if an occupying task on the node publishes host port `key`. */
  holdsHostPort(key: string): boolean {
    return this.hostPortTasks(key) > 0;
  }

  /** `task` now occupies the node. */
  add(task: LoadTask): void {
    this.count(task, 1);
  }

  /** `task`, counted in the base, no longer does (it is being placed again). */
  remove(task: LoadTask): void {
    this.count(task, -1);
  }

  private count(task: LoadTask, by: 1 | -1): void {
    this.total += by;
    this.byService.set(task.serviceId, this.serviceTasks(task.serviceId) + by);
    for (const key of taskHostPorts(task)) this.byHostPort.set(key, this.hostPortTasks(key) + by);
  }

  private hostPortTasks(key: string): number {
    let n = this.byHostPort.get(key);
    if (n === undefined) this.byHostPort.set(key, (n = this.base.hostPortTasksOn(this.node.id, key)));
    return n;
  }
}
