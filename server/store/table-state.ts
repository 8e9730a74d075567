import type { StoreObject } from './objects.ts';
import { indexOf, nameKey, type Table } from './table.ts';

/**
 * The committed contents of one table on this replica: objects by id, for tables with unique names the
 * name index, and the table's secondary indexes. Changed only by `MemoryStore` when it applies an entry
 * or restores a snapshot. Invariant: every object is deeply frozen; `names` maps each named object's
 * `nameKey` to its id; `indexed` lists each object's id under each of its keys, and nothing else.
 */
export class TableState {
  readonly table: Table;
  readonly objects = new Map<string, StoreObject>();
  /** Lower-cased name → id; only for tables with unique names. */
  readonly names: Map<string, string> | undefined;
  /** Index name → key → the ids listed under it. */
  private readonly indexed = new Map<string, Map<string, Set<string>>>();

  constructor(table: Table) {
    this.table = table;
    this.names = table.uniqueNames ? new Map() : undefined;
    for (const name of Object.keys(table.indexes ?? {})) this.indexed.set(name, new Map());
  }

  /** Stores `object` (frozen), replacing any object with its id and keeping the name index right. */
  put(object: StoreObject): void {
    this.remove(object.id);
    this.objects.set(object.id, object);
    const key = this.names && nameKey(this.table, object);
    if (key !== undefined) this.names?.set(key, object.id);
    for (const [name, byKey] of this.indexed) {
      for (const k of indexOf(this.table, name).keysOf(object)) {
        let ids = byKey.get(k);
        if (ids === undefined) byKey.set(k, (ids = new Set()));
        ids.add(object.id);
      }
    }
  }

  /** Drops the object with `id`, if any, and its name. */
  remove(id: string): void {
    const old = this.objects.get(id);
    if (old === undefined) return;
    this.objects.delete(id);
    const key = this.names && nameKey(this.table, old);
    if (key !== undefined && this.names?.get(key) === id) this.names.delete(key);
    for (const [name, byKey] of this.indexed) {
      for (const k of indexOf(this.table, name).keysOf(old)) {
        const ids = byKey.get(k);
        ids?.delete(id);
        if (ids?.size === 0) byKey.delete(k);
      }
    }
  }

  /** The ids of committed objects listed under `key` in index `name` (which the table must have). */
  idsUnder(name: string, key: string): ReadonlySet<string> {
    const byKey = this.indexed.get(name);
    if (byKey === undefined) indexOf(this.table, name); // throws: no such index
    return byKey?.get(key) ?? NONE;
  }

  /** The id of the committed object named `key` (a `nameKey`), if the table indexes names. */
  holderOf(key: string): string | undefined {
    return this.names?.get(key);
  }
}

const NONE: ReadonlySet<string> = new Set();
