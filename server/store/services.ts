import type { NewObject, RestartPolicy, Service, UpdateConfig } from './objects.ts';
import { defineTable, type FindFilter } from './table.ts';
import type { ReadTx, Tx } from './transaction.ts';
import type { StoreEvent } from './watch-queue.ts';

/** The services table; names (`spec.name`) are unique: they are DNS names. */
export const serviceTable = defineTable<Service>({
  name: 'services',
  nameOf: service => service.spec.name,
  uniqueNames: true,
});

/** Swarm's update defaults (swarmkit `api/defaults/service.go`): one task at a time, pause on failure. */
export const DEFAULT_UPDATE_CONFIG: Readonly<UpdateConfig> = Object.freeze({
  parallelism: 1,
  delayMs: 0,
  failureAction: 'pause',
  monitorMs: 5000,
  maxFailureRatio: 0,
  order: 'stop-first',
});

/** Swarm's restart defaults: always replace, after 5 s, without limit. */
export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicy> = Object.freeze({
  condition: 'any',
  delayMs: 5000,
  maxAttempts: 0,
});

/** Swarm's default stop grace period (10 s). */
export const DEFAULT_STOP_GRACE_PERIOD_MS = 10_000;

/** What `findServices` selects: the generic criteria plus a network the spec attaches to. */
export interface ServiceFilter extends FindFilter<Service> {
  /** Services whose spec attaches to this network id (swarmkit `ByReferencedNetworkID`). */
  networkId?: string;
}

/**
 * Records the creation of `service`. Throws as `Tx.create`: AlreadyExistsError if the id is taken,
 * NameConflictError if another service has its name.
 */
export function createService(tx: Tx, service: NewObject<Service>): Service {
  return tx.create(serviceTable, service);
}

/**
 * Records `service` as the new state of the service with its id; `service.meta.version` must be the version
 * read. Throws as `Tx.update` (NotFoundError, SequenceConflictError `update out of sequence`, NameConflictError).
 */
export function updateService(tx: Tx, service: Service): Service {
  return tx.update(serviceTable, service);
}

/** Records the removal of the service `id`. Throws NotFoundError if there is none. */
export function deleteService(tx: Tx, id: string): void {
  tx.delete(serviceTable, id);
}

/** The service `id`, or undefined. */
export function getService(tx: ReadTx, id: string): Service | undefined {
  return tx.get(serviceTable, id);
}

/** The services matching `filter`, sorted by id. */
export function findServices(tx: ReadTx, filter: ServiceFilter = {}): Service[] {
  const { networkId, where, ...rest } = filter;
  if (networkId === undefined) return tx.find(serviceTable, filter);
  return tx.find(serviceTable, {
    ...rest,
    where: service =>
      service.spec.networks.some(n => n.target === networkId) && (where === undefined || where(service)),
  });
}

/** True if `event` is a change of the services table (narrows its objects to Service). */
export function isServiceEvent(event: StoreEvent): event is StoreEvent<Service> {
  return event.table === serviceTable.name;
}
