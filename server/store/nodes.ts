import type { NewObject, Node, NodeRole } from './objects.ts';
import { defineTable, type FindFilter } from './table.ts';
import type { ReadTx, Tx } from './transaction.ts';
import type { StoreEvent } from './watch-queue.ts';

/**
 * The nodes table. A node's name is its hostname, which is not unique (two machines may share one), so
 * `findNodes(tx, { name })` may return several.
 */
export const nodeTable = defineTable<Node>({
  name: 'nodes',
  nameOf: node => node.description.hostname,
  uniqueNames: false,
});

/** What `findNodes` selects: the generic criteria (name = hostname) plus the observed role. */
export interface NodeFilter extends FindFilter<Node> {
  role?: NodeRole;
}

/** Records the creation of `node`. Throws as `Tx.create` (AlreadyExistsError if the id is taken). */
export function createNode(tx: Tx, node: NewObject<Node>): Node {
  return tx.create(nodeTable, node);
}

/**
 * Records `node` as the new state of the node with its id; `node.meta.version` must be the version read.
 * Throws as `Tx.update` (NotFoundError, SequenceConflictError).
 */
export function updateNode(tx: Tx, node: Node): Node {
  return tx.update(nodeTable, node);
}

/** Records the removal of the node `id`. Throws NotFoundError if there is none. */
export function deleteNode(tx: Tx, id: string): void {
  tx.delete(nodeTable, id);
}

/** The node `id`, or undefined. */
export function getNode(tx: ReadTx, id: string): Node | undefined {
  return tx.get(nodeTable, id);
}

/** The nodes matching `filter`, sorted by id. */
export function findNodes(tx: ReadTx, filter: NodeFilter = {}): Node[] {
  const { role, where, ...rest } = filter;
  if (role === undefined) return tx.find(nodeTable, filter);
  return tx.find(nodeTable, {
    ...rest,
    where: node => node.role === role && (where === undefined || where(node)),
  });
}

/** True if `event` is a change of the nodes table (narrows its objects to Node). */
export function isNodeEvent(event: StoreEvent): event is StoreEvent<Node> {
  return event.table === nodeTable.name;
}
