import type { Cluster, NewObject } from './objects.ts';
import { defineTable, type FindFilter } from './table.ts';
import type { ReadTx, Tx } from './transaction.ts';
import type { StoreEvent } from './watch-queue.ts';

/** Name of the one cluster object a swarm has (swarmkit `store.DefaultClusterName`). */
export const DEFAULT_CLUSTER_NAME = 'default';

/** The clusters table; names (`spec.name`) are unique. */
export const clusterTable = defineTable<Cluster>({
  name: 'clusters',
  nameOf: cluster => cluster.spec.name,
  uniqueNames: true,
});

/**
 * Records the creation of `cluster`. Throws as `Tx.create`: AlreadyExistsError if the id is taken,
 * NameConflictError if another cluster has its name.
 */
export function createCluster(tx: Tx, cluster: NewObject<Cluster>): Cluster {
  return tx.create(clusterTable, cluster);
}

/**
 * Records `cluster` as the new state of the cluster with its id; `cluster.meta.version` must be the version
 * read. Throws as `Tx.update` (NotFoundError, SequenceConflictError, NameConflictError).
 */
export function updateCluster(tx: Tx, cluster: Cluster): Cluster {
  return tx.update(clusterTable, cluster);
}

/** Records the removal of the cluster `id`. Throws NotFoundError if there is none. */
export function deleteCluster(tx: Tx, id: string): void {
  tx.delete(clusterTable, id);
}

/** The cluster `id`, or undefined. */
export function getCluster(tx: ReadTx, id: string): Cluster | undefined {
  return tx.get(clusterTable, id);
}

/** The clusters matching `filter`, sorted by id. */
export function findClusters(tx: ReadTx, filter: FindFilter<Cluster> = {}): Cluster[] {
  return tx.find(clusterTable, filter);
}

/** True if `event` is a change of the clusters table (narrows its objects to Cluster). */
export function isClusterEvent(event: StoreEvent): event is StoreEvent<Cluster> {
  return event.table === clusterTable.name;
}
