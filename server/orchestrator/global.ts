/**
 * Global services (swarmkit `orchestrator/global`): one slot per node, its tasks pre-assigned to the node
 * (slot number 0). A node READY and ACTIVE that satisfies the placement constraints gets a task; on a
 * paused node the task stays but nothing new is made (no restart, no update); a node that is down, drained,
 * removed or no longer matching has its task shut down and gets none (when a down node comes back, it gets
 * a new task, started once the old one reported stopped).
 */
import { nodeMatchesConstraints, parseConstraints, type Constraint } from '../scheduler/index.ts';
import type { Pass, WorkTask } from './pass.ts';
import type { TendedSlots } from './replicated.ts';
import { createInSlot, liveTasks, tendSlot, type SlotRules } from './slots.ts';
import { acceptsNewTasks } from './task-facts.ts';
import type { OrchestratorNode } from './types.ts';
import type { UpdateSlot } from './update.ts';

/**
 * Matches nodes against a service's placement constraints. Constraints are checked at the Control API's
 * boundary; one that does not parse anyway matches no node.
 */
export function constraintMatcher(texts: readonly string[]): (node: OrchestratorNode) => boolean {
  const parsed: Constraint[] | { problem: string } = parseConstraints(texts);
  if ('problem' in parsed) return () => false;
  return node => nodeMatchesConstraints(node, parsed);
}

/** True if `node` may keep a global service's task: not down, not drained, matching. */
function mayKeep(node: OrchestratorNode | undefined, matches: (node: OrchestratorNode) => boolean): boolean {
  return (
    node !== undefined && node.status.state !== 'down' && node.spec.availability !== 'drain' && matches(node)
  );
}

/** Tends a global service: one slot per node; returns its slots. */
export function reconcileGlobal(pass: Pass): TendedSlots {
  const matches = constraintMatcher(pass.service.spec.task.constraints);
  const groups = new Map<string, WorkTask[]>();
  for (const node of [...pass.nodes.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (acceptsNewTasks(node) && matches(node)) groups.set(node.id, []);
  }
  for (const task of pass.tasks) {
    const group = groups.get(task.nodeId);
    if (group === undefined) groups.set(task.nodeId, [task]);
    else group.push(task);
  }

  const kept: UpdateSlot[] = [];
  const all: TendedSlots['all'] = [];
  for (const [nodeId, group] of groups) {
    const node = pass.nodes.get(nodeId);
    const keep = mayKeep(node, matches);
    const rules: SlotRules = {
      slot: 0,
      nodeId,
      nodeLost: () => !keep,
      replaceLost: false,
      mayCreate: keep && node !== undefined && acceptsNewTasks(node),
    };
    tendSlot(pass, group, rules);
    if (rules.mayCreate && liveTasks(group).length === 0) createInSlot(pass, group, rules);
    if (keep) kept.push({ group, rules });
    all.push({ group, dropIfDead: node === undefined });
  }
  return { kept, all };
}
