import type { Network, NewObject } from './objects.ts';
import { defineTable, type FindFilter } from './table.ts';
import type { ReadTx, Tx } from './transaction.ts';
import type { StoreEvent } from './watch-queue.ts';

/** The networks table; names (`spec.name`) are unique, as swarmkit's network name index requires. */
export const networkTable = defineTable<Network>({
  name: 'networks',
  nameOf: network => network.spec.name,
  uniqueNames: true,
});

/**
 * Records the creation of `network`. Throws as `Tx.create`: AlreadyExistsError if the id is taken,
 * NameConflictError if another network has its name.
 */
export function createNetwork(tx: Tx, network: NewObject<Network>): Network {
  return tx.create(networkTable, network);
}

/**
 * Records `network` as the new state of the network with its id; `network.meta.version` must be the version
 * read. Throws as `Tx.update` (NotFoundError, SequenceConflictError, NameConflictError).
 */
export function updateNetwork(tx: Tx, network: Network): Network {
  return tx.update(networkTable, network);
}

/** Records the removal of the network `id`. Throws NotFoundError if there is none. */
export function deleteNetwork(tx: Tx, id: string): void {
  tx.delete(networkTable, id);
}

/** The network `id`, or undefined. */
export function getNetwork(tx: ReadTx, id: string): Network | undefined {
  return tx.get(networkTable, id);
}

/** The networks matching `filter`, sorted by id. */
export function findNetworks(tx: ReadTx, filter: FindFilter<Network> = {}): Network[] {
  return tx.find(networkTable, filter);
}

/** True if `event` is a change of the networks table (narrows its objects to Network). */
export function isNetworkEvent(event: StoreEvent): event is StoreEvent<Network> {
  return event.table === networkTable.name;
}
