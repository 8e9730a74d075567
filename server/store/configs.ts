import type { Config, NewObject } from './objects.ts';
import { defineTable, type FindFilter } from './table.ts';
import type { ReadTx, Tx } from './transaction.ts';
import type { StoreEvent } from './watch-queue.ts';

/** The configs table; names (`spec.name`) are unique, as `docker config create` requires. */
export const configTable = defineTable<Config>({
  name: 'configs',
  nameOf: config => config.spec.name,
  uniqueNames: true,
});

/**
 * Records the creation of `config`. Throws as `Tx.create`: AlreadyExistsError if the id is taken,
 * NameConflictError if another config has its name.
 */
export function createConfig(tx: Tx, config: NewObject<Config>): Config {
  return tx.create(configTable, config);
}

/**
 * Records `config` as the new state of the config with its id; `config.meta.version` must be the version
 * read. Throws as `Tx.update` (NotFoundError, SequenceConflictError, NameConflictError).
 */
export function updateConfig(tx: Tx, config: Config): Config {
  return tx.update(configTable, config);
}

/** Records the removal of the config `id`. Throws NotFoundError if there is none. */
export function deleteConfig(tx: Tx, id: string): void {
  tx.delete(configTable, id);
}

/** The config `id`, or undefined. */
export function getConfig(tx: ReadTx, id: string): Config | undefined {
  return tx.get(configTable, id);
}

/** The configs matching `filter`, sorted by id. */
export function findConfigs(tx: ReadTx, filter: FindFilter<Config> = {}): Config[] {
  return tx.find(configTable, filter);
}

/** True if `event` is a change of the configs table (narrows its objects to Config). */
export function isConfigEvent(event: StoreEvent): event is StoreEvent<Config> {
  return event.table === configTable.name;
}
