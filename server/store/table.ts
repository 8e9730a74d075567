import { InvalidArgumentError } from './errors.ts';
import type { StoreObject } from './objects.ts';

/**
 * Describes one table: its name (the `table` of actions and events) and how its objects are named.
 * A new kind of object is one file that defines its `Table` and its helpers, plus one line in
 * `STORE_TABLES` (tables.ts). `T` ties the descriptor to its object type so `tx.get(nodeTable, id)` is a Node.
 */
export interface Table<T extends StoreObject = StoreObject> {
  /** The table's name, e.g. `nodes`. Invariant: unique among registered tables; never changes (it is in the log). */
  readonly name: string;
  /** The object's name for `find({ name })`, or undefined if it has none. Absent if the kind has no names. */
  nameOf?(object: T): string | undefined;
  /**
   * Whether names are unique within the table (compared case-insensitively). Creates and updates that would
   * duplicate one fail with NameConflictError. Objects without a name (undefined or '') never conflict.
   */
  readonly uniqueNames: boolean;
  /**
   * Secondary indexes: index name → the keys an object is listed under. `find({ index })` reads only the
   * objects under one key, so a lookup costs what it finds, not the size of the table.
   */
  readonly indexes?: Readonly<Record<string, IndexKeys<T>>>;
}

/** How one secondary index lists an object (a method, so that a Table<Task> is a Table). */
export interface IndexKeys<T extends StoreObject> {
  keysOf(object: T): readonly string[];
}

/** Defines a table; see `Table`. Throws InvalidArgumentError if unique names are asked for without `nameOf`. */
export function defineTable<T extends StoreObject>(table: Table<T>): Table<T> {
  if (table.uniqueNames && table.nameOf === undefined) {
    throw new InvalidArgumentError(`store: table ${table.name} has unique names but no nameOf`, table.name);
  }
  return Object.freeze({ ...table });
}

/**
 * What `find` selects; all given criteria must hold. Name criteria compare case-insensitively, as swarmkit's
 * name index does. Results come sorted by id.
 */
export interface FindFilter<T extends StoreObject> {
  /** Objects whose id starts with this (for short ids in the CLI). */
  idPrefix?: string;
  /** Objects with this name. */
  name?: string;
  /** Objects whose name starts with this. */
  namePrefix?: string;
  /** Objects listed under `key` in the table's index `name` (see `Table.indexes`). */
  index?: { name: string; key: string };
  /** Any further condition. Must not throw or touch the store. */
  where?: (object: T) => boolean;
}

/**
 * The key the table's name index uses for `object`: its name in lower case, or undefined if it has none.
 * `toLowerCase` (not `toLocaleLowerCase`) so that every replica computes the same key.
 */
export function nameKey(table: Table, object: StoreObject): string | undefined {
  const name = table.nameOf?.(object);
  return name === undefined || name === '' ? undefined : name.toLowerCase();
}

/**
 * Returns a predicate for `filter` over objects of `table`.
 * Throws InvalidArgumentError if the filter selects by name in a table whose objects have no names.
 */
export function compileFilter<T extends StoreObject>(
  table: Table<T>,
  filter: FindFilter<T>,
): (object: T) => boolean {
  const { idPrefix, name, namePrefix, index, where } = filter;
  if ((name !== undefined || namePrefix !== undefined) && table.nameOf === undefined) {
    throw new InvalidArgumentError(`store: table ${table.name} cannot be searched by name`, table.name);
  }
  const keys = index === undefined ? undefined : indexOf(table, index.name);
  const wanted = name?.toLowerCase();
  const prefix = namePrefix?.toLowerCase();
  return object => {
    if (idPrefix !== undefined && !object.id.startsWith(idPrefix)) return false;
    if (keys !== undefined && index !== undefined && !keys.keysOf(object).includes(index.key)) return false;
    if (wanted !== undefined || prefix !== undefined) {
      const key = nameKey(table, object);
      if (key === undefined) return false;
      if (wanted !== undefined && key !== wanted) return false;
      if (prefix !== undefined && !key.startsWith(prefix)) return false;
    }
    return where === undefined || where(object);
  };
}

/** The key function of `table`'s index `name`; throws InvalidArgumentError if the table has no such index. */
export function indexOf<T extends StoreObject>(table: Table<T>, name: string): IndexKeys<T> {
  const keys = table.indexes?.[name];
  if (keys === undefined) {
    throw new InvalidArgumentError(`store: table ${table.name} has no index ${name}`, table.name);
  }
  return keys;
}

/** Orders objects by id, the order `find` returns them in on every replica. */
export function byId(a: StoreObject, b: StoreObject): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
