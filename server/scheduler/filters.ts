/**
 * The filters a node must pass to take a task, in swarmkit's pipeline order (Ready, Constraint, HostPort;
 * Shoal has no resources, plugins, platforms or max-replicas to filter on), and Swarm's explanation of why
 * no node passed: per filter, the nodes it was the first to reject, most first, e.g.
 * `no suitable node (scheduling constraints not satisfied on 2 nodes; 1 node not available for new tasks)`.
 */
import { taskHostPorts, type Task } from '../store/index.ts';
import type { ConstraintNode } from './constraint.ts';

/** A filter of the pipeline, named after swarmkit's. */
export type FilterName = 'ready' | 'constraint' | 'host-port';

/** The pipeline order: a node is counted against the first filter it fails, only. */
export const FILTER_ORDER: readonly FilterName[] = Object.freeze(['ready', 'constraint', 'host-port']);

/** Swarmkit's ReadyFilter: the node is READY and its availability ACTIVE (pause and drain take no new tasks). */
export function isNodeAvailable(node: Pick<ConstraintNode, 'spec' | 'status'>): boolean {
  return node.status.state === 'ready' && node.spec.availability === 'active';
}

/** The host-mode ports a task publishes, as `protocol/port` keys (the store's taskHostPorts: port 0 holds nothing). */
export const hostPortKeys: (task: Pick<Task, 'endpoint'>) => string[] = taskHostPorts;

function plural(nodes: number): string {
  return nodes === 1 ? '1 node' : `${nodes} nodes`;
}

/** What it means that `filter` rejected `nodes` nodes (swarmkit's `Filter.Explain`, word for word). */
export function explainFilter(filter: FilterName, nodes: number): string {
  switch (filter) {
    case 'ready':
      return `${plural(nodes)} not available for new tasks`;
    case 'constraint':
      return `scheduling constraints not satisfied on ${plural(nodes)}`;
    case 'host-port':
      return `host-mode port already in use on ${plural(nodes)}`;
  }
}

/**
 * Swarmkit's `Pipeline.Explain`: each filter that rejected a node, the most rejections first (ties in
 * pipeline order), joined by `; `. Empty if no filter rejected anything (there were no nodes).
 */
export function explainFailures(failures: ReadonlyMap<FilterName, number>): string {
  return FILTER_ORDER.filter(filter => (failures.get(filter) ?? 0) > 0)
    .sort((a, b) => (failures.get(b) ?? 0) - (failures.get(a) ?? 0)) // stable: ties keep pipeline order
    .map(filter => explainFilter(filter, failures.get(filter) ?? 0))
    .join('; ');
}

/** The error an unplaceable task carries: `no suitable node (<explanation>)`, or bare with no nodes at all. */
export function noSuitableNode(explanation: string): string {
  return explanation === '' ? 'no suitable node' : `no suitable node (${explanation})`;
}
