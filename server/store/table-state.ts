import type { StoreObject } from './objects.ts';
import { nameKey, type Table } from './table.ts';

/**
 * The committed contents of one table on this replica: objects by id, and for tables with unique names
 * the name index. Changed only by `MemoryStore` when it applies an entry or restores a snapshot.
 * Invariant: every object is deeply frozen; `names` maps each named object's `nameKey` to its id.
 */
export class TableState {
  readonly table: Table;
  readonly objects = new Map<string, StoreObject>();
  /** Lower-cased name → id; only for tables with unique names. */
  readonly names: Map<string, string> | undefined;

  constructor(table: Table) {
    this.table = table;
    this.names = table.uniqueNames ? new Map() : undefined;
  }

  /** Stores `object` (frozen), replacing any object with its id and keeping the name index right. */
  put(object: StoreObject): void {
    this.remove(object.id);
    this.objects.set(object.id, object);
    const key = this.names && nameKey(this.table, object);
    if (key !== undefined) this.names?.set(key, object.id);
  }

  /** Drops the object with `id`, if any, and its name. */
  remove(id: string): void {
    const old = this.objects.get(id);
    if (old === undefined) return;
    this.objects.delete(id);
    const key = this.names && nameKey(this.table, old);
    if (key !== undefined && this.names?.get(key) === id) this.names.delete(key);
  }

  /** The id of the committed object named `key` (a `nameKey`), if the table indexes names. */
  holderOf(key: string): string | undefined {
    return this.names?.get(key);
  }
}
