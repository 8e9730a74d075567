/**
 * The occupancy of the nodes counted from a list of tasks (the store keeps it in its indexes instead:
 * taskOccupancy): what `schedule` uses when it is handed the tasks themselves.
 */
import { taskHostPorts, taskOccupiesNode, type Task, type TaskOccupancy } from '../store/index.ts';

interface Counts {
  total: number;
  readonly byService: Map<string, number>;
  readonly byHostPort: Map<string, number>;
}

/** Counts the tasks of `tasks` that occupy a node (taskOccupiesNode), but those whose id is in `skip`. */
export function listedOccupancy(
  tasks: Iterable<Pick<Task, 'id' | 'serviceId' | 'nodeId' | 'desiredState' | 'status' | 'endpoint'>>,
  skip: ReadonlySet<string> = new Set(),
): TaskOccupancy {
  const nodes = new Map<string, Counts>();
  const bump = (m: Map<string, number>, key: string): void => void m.set(key, (m.get(key) ?? 0) + 1);
  for (const task of tasks) {
    if (skip.has(task.id) || !taskOccupiesNode(task)) continue;
    let counts = nodes.get(task.nodeId);
    if (counts === undefined) {
      nodes.set(task.nodeId, (counts = { total: 0, byService: new Map(), byHostPort: new Map() }));
    }
    counts.total += 1;
    bump(counts.byService, task.serviceId);
    for (const key of taskHostPorts(task)) bump(counts.byHostPort, key);
  }
  return {
    tasksOn: nodeId => nodes.get(nodeId)?.total ?? 0,
    serviceTasksOn: (nodeId, serviceId) => nodes.get(nodeId)?.byService.get(serviceId) ?? 0,
    hostPortTasksOn: (nodeId, key) => nodes.get(nodeId)?.byHostPort.get(key) ?? 0,
  };
}
