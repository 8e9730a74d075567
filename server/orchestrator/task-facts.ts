/**
 * What the orchestrator reads off a task: whether it is live, has ended, has stopped; whether it is out
 * of date against its service; whether its node can keep it.
 */
import { jsonEqual } from '../../lib/json-equal.ts';
import { isNodeAvailable } from '../scheduler/index.ts';
import {
  compareTaskStates,
  type Endpoint,
  type NetworkAttachment,
  type Task,
  type TaskSpec,
} from '../store/index.ts';
import type { OrchestratorNode } from './types.ts';

/**
 * True if the task is meant to run (desired state at most `running`: `ready` while it waits, `running`).
 * A live task may have ended (observed past running): it still stands for its slot until it is replaced.
 */
export function isLive(task: Pick<Task, 'desiredState'>): boolean {
  return compareTaskStates(task.desiredState, 'running') <= 0;
}

/** True if the task's process is over: observed complete, shutdown, failed, rejected, remove or orphaned. */
export function hasEnded(task: Pick<Task, 'status'>): boolean {
  return compareTaskStates(task.status.state, 'running') > 0;
}

/** True if the task's own ending counts as a failure of it (complete, failed, rejected; Swarm's updater rule). */
export function endedByItself(task: Pick<Task, 'status'>): boolean {
  const { state } = task.status;
  return state === 'complete' || state === 'failed' || state === 'rejected';
}

/**
 * True if nothing of the task can still be running: it ended, it never reached a node (observed before
 * `assigned`), or its node was removed from the cluster (swarmkit's task reaper rule, plus removed nodes).
 */
export function isStopped(task: Pick<Task, 'status' | 'nodeId'>, nodes: NodeIndex): boolean {
  if (hasEnded(task)) return true;
  if (compareTaskStates(task.status.state, 'assigned') < 0) return true;
  return task.nodeId !== '' && !nodes.has(task.nodeId);
}

/**
 * True if a replacement need not wait for the task to stop: it stopped, or its node is down (and will not
 * report anything before it comes back).
 */
export function needNotWaitFor(task: Pick<Task, 'status' | 'nodeId'>, nodes: NodeIndex): boolean {
  return isStopped(task, nodes) || nodes.get(task.nodeId)?.status.state === 'down';
}

/** Nodes by id. */
export type NodeIndex = ReadonlyMap<string, OrchestratorNode>;

/**
 * True if a replicated task on `nodeId` must move (swarmkit `InvalidNode`): the node was removed, is down or
 * is drained. A task not yet on a node ('') may stay.
 */
export function replicatedNodeLost(nodeId: string, nodes: NodeIndex): boolean {
  if (nodeId === '') return false;
  const node = nodes.get(nodeId);
  return node === undefined || node.status.state === 'down' || node.spec.availability === 'drain';
}

/** True if a node may be given new tasks (swarmkit's ReadyFilter: READY and ACTIVE). */
export function acceptsNewTasks(node: OrchestratorNode): boolean {
  return isNodeAvailable(node);
}

/** What a task must carry to be up to date: the template, the network ids, the endpoint copy. */
export interface TaskTarget {
  readonly spec: TaskSpec;
  /** Network ids as new tasks get them; compared as a set. */
  readonly networkIds: readonly string[];
  readonly endpoint: Endpoint | undefined;
}

/**
 * True if `task` was made from `target` (swarmkit `IsTaskDirty`, negated): same task template, same set of
 * networks, same endpoint copy (ports and VIPs: the allocator changes the service's endpoint only when the
 * spec's ports, endpoint mode or networks changed).
 */
export function isUpToDate(
  task: {
    readonly spec: TaskSpec;
    readonly networks: readonly NetworkAttachment[];
    readonly endpoint?: Endpoint | undefined;
  },
  target: TaskTarget,
): boolean {
  if (!jsonEqual(task.spec, target.spec)) return false;
  const have = new Set(task.networks.map(n => n.networkId));
  const want = new Set(target.networkIds);
  if (have.size !== want.size || [...want].some(id => !have.has(id))) return false;
  return jsonEqual(task.endpoint, target.endpoint);
}
