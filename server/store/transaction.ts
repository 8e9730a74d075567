import { deepFreeze } from './deep-freeze.ts';
import {
  AlreadyExistsError,
  InvalidArgumentError,
  NameConflictError,
  NotFoundError,
  SequenceConflictError,
  TransactionClosedError,
} from './errors.ts';
import type { NewObject, StoreObject } from './objects.ts';
import type { StoreAction } from './store-action.ts';
import type { TableState } from './table-state.ts';
import { byId, compileFilter, indexOf, nameKey, type FindFilter, type Table } from './table.ts';

/**
 * A consistent read of the store, valid only inside the callback it was given to. Objects it returns are
 * deeply frozen. Every method throws TransactionClosedError after the callback returned, and
 * InvalidArgumentError for a table the store does not have.
 */
export interface ReadTx {
  /** The object with `id`, or undefined. */
  get<T extends StoreObject>(table: Table<T>, id: string): T | undefined;
  /** The objects that match `filter` (all of them without one), sorted by id. */
  find<T extends StoreObject>(table: Table<T>, filter?: FindFilter<T>): T[];
  /** How many objects are listed under `index.key` in the table's index `index.name`. */
  count<T extends StoreObject>(table: Table<T>, index: { name: string; key: string }): number;
}

/**
 * A write transaction: reads see the committed state plus this transaction's own writes. Each write is
 * checked against that view when it is made and, if it passes, recorded in the changelist; nothing is
 * visible outside the transaction until the store applies the changelist. A write that throws records
 * nothing, so a callback may catch the error and go on.
 */
export interface Tx extends ReadTx {
  /**
   * Creates `object`; `meta` is set by the store. Returns the object as recorded (version 0 until applied).
   * Throws AlreadyExistsError if the id is taken, NameConflictError if the table's unique name is,
   * InvalidArgumentError if the id is empty.
   */
  create<T extends StoreObject>(table: Table<T>, object: NewObject<T>): T;
  /**
   * Replaces the object with `object.id` by `object`, whose `meta.version` must be the version the writer
   * read. Returns the object as recorded. Throws NotFoundError if there is no such object,
   * SequenceConflictError if its version differs, NameConflictError if the new name is taken.
   */
  update<T extends StoreObject>(table: Table<T>, object: T): T;
  /** Removes the object with `id`. Throws NotFoundError if there is none. */
  delete<T extends StoreObject>(table: Table<T>, id: string): void;
}

/** The read side, over the committed state only. Used by `MemoryStore.view`. */
export class ReadTransaction implements ReadTx {
  protected readonly state: ReadonlyMap<string, TableState>;
  private closed = false;

  constructor(state: ReadonlyMap<string, TableState>) {
    this.state = state;
  }

  /** Ends the transaction: later calls throw TransactionClosedError. */
  close(): void {
    this.closed = true;
  }

  get<T extends StoreObject>(table: Table<T>, id: string): T | undefined {
    return this.lookup(this.tableState(table), id) as T | undefined;
  }

  find<T extends StoreObject>(table: Table<T>, filter: FindFilter<T> = {}): T[] {
    const ts = this.tableState(table);
    const matches = compileFilter(table, filter);
    const out: T[] = [];
    const { index } = filter;
    const candidates = index === undefined ? this.scan(ts) : this.scanIndex(ts, index.name, index.key);
    for (const object of candidates) if (matches(object as T)) out.push(object as T);
    return out.sort(byId);
  }

  count<T extends StoreObject>(table: Table<T>, index: { name: string; key: string }): number {
    return this.tableState(table).idsUnder(index.name, index.key).size;
  }

  /** The table's state; throws if the transaction is closed or the table unknown. */
  protected tableState(table: Table): TableState {
    if (this.closed) throw new TransactionClosedError();
    const ts = this.state.get(table.name);
    if (ts === undefined) throw new InvalidArgumentError(`store: no table ${table.name}`, table.name);
    return ts;
  }

  /** The object with `id` as this transaction sees it. */
  protected lookup(ts: TableState, id: string): StoreObject | undefined {
    return ts.objects.get(id);
  }

  /** Every object of the table as this transaction sees it, in no particular order. */
  protected *scan(ts: TableState): Iterable<StoreObject> {
    yield* ts.objects.values();
  }

  /**
   * At least every object listed under `key` in index `name` as this transaction sees it (the caller
   * checks the key again: a transaction's own writes are yielded whatever their keys).
   */
  protected *scanIndex(ts: TableState, name: string, key: string): Iterable<StoreObject> {
    for (const id of ts.idsUnder(name, key)) {
      const object = ts.objects.get(id);
      if (object !== undefined) yield object;
    }
  }
}

/**
 * The write side, used by `MemoryStore.update`: an overlay of this transaction's writes over the committed
 * state. The overlay holds the latest state of each touched object (null once removed), so the changelist
 * has at most one action per object, each checked at apply time against the committed state the writer saw:
 *
 * | committed | after the tx | action                                       |
 * |-----------|--------------|----------------------------------------------|
 * | absent    | present      | create                                       |
 * | absent    | absent       | none (created, then removed)                 |
 * | present   | present      | update, carrying the committed version       |
 * | present   | absent       | remove                                       |
 */
export class WriteTransaction extends ReadTransaction implements Tx {
  private readonly now: number;
  /** Table name → id → the object's state in this transaction (null: removed). */
  private readonly overlay = new Map<string, Map<string, StoreObject | null>>();
  /** Touched objects in the order first touched: the order of the changelist. */
  private readonly touched: { ts: TableState; id: string }[] = [];

  constructor(state: ReadonlyMap<string, TableState>, now: number) {
    super(state);
    this.now = now;
  }

  create<T extends StoreObject>(table: Table<T>, object: NewObject<T>): T {
    const ts = this.tableState(table);
    const id: unknown = object.id;
    if (typeof id !== 'string' || id === '') {
      throw new InvalidArgumentError(`store: ${table.name}: create needs a non-empty string id`, table.name);
    }
    if (this.lookup(ts, id) !== undefined) throw new AlreadyExistsError(table.name, id);
    const copy = structuredClone(object) as StoreObject;
    const created = { ...copy, meta: { version: { index: 0 }, createdAt: this.now, updatedAt: this.now } };
    this.checkName(ts, created);
    this.write(ts, id, deepFreeze(created));
    return created as T;
  }

  update<T extends StoreObject>(table: Table<T>, object: T): T {
    const ts = this.tableState(table);
    const current = this.lookup(ts, object.id);
    if (current === undefined) throw new NotFoundError(table.name, object.id);
    const given: unknown = object.meta?.version?.index;
    const stored = current.meta.version.index;
    if (given !== stored) {
      throw new SequenceConflictError(table.name, object.id, typeof given === 'number' ? given : NaN, stored);
    }
    const copy = structuredClone(object) as StoreObject;
    // The version stays the one read until apply gives the entry's index; createdAt is never the writer's to change.
    const meta = { version: { index: stored }, createdAt: current.meta.createdAt, updatedAt: this.now };
    const updated = { ...copy, meta };
    this.checkName(ts, updated);
    this.write(ts, object.id, deepFreeze(updated));
    return updated as T;
  }

  delete<T extends StoreObject>(table: Table<T>, id: string): void {
    const ts = this.tableState(table);
    if (this.lookup(ts, id) === undefined) throw new NotFoundError(table.name, id);
    this.write(ts, id, null);
  }

  /**
   * The changelist: one action per touched object, in the order first touched (see the class comment).
   * Call after the callback returned; the transaction is closed by then, this reads only its own fields.
   */
  changes(): StoreAction[] {
    const actions: StoreAction[] = [];
    for (const { ts, id } of this.touched) {
      const committed = ts.objects.get(id);
      const final = this.overlay.get(ts.table.name)?.get(id) ?? null;
      const table = ts.table.name;
      if (committed === undefined) {
        if (final !== null) actions.push({ kind: 'create', table, object: final });
      } else if (final === null) {
        // Applying a remove reads the object from the state: the entry carries only what names it.
        actions.push({ kind: 'remove', table, object: { id: committed.id, meta: committed.meta } });
      } else if (final.meta.version.index === committed.meta.version.index) {
        actions.push({ kind: 'update', table, object: final });
      } else {
        // Removed and created again in this transaction: an update of the committed object.
        const meta = { ...final.meta, version: { index: committed.meta.version.index } };
        actions.push({ kind: 'update', table, object: deepFreeze({ ...final, meta }) });
      }
    }
    return actions;
  }

  /** Counts what `find` would find: the committed objects under the key plus this transaction's own. */
  override count<T extends StoreObject>(table: Table<T>, index: { name: string; key: string }): number {
    const ts = this.tableState(table);
    const keys = indexOf(table, index.name);
    let n = 0;
    for (const object of this.scanIndex(ts, index.name, index.key)) {
      if (keys.keysOf(object as T).includes(index.key)) n += 1;
    }
    return n;
  }

  protected override lookup(ts: TableState, id: string): StoreObject | undefined {
    const mine = this.overlay.get(ts.table.name)?.get(id);
    return mine === undefined ? ts.objects.get(id) : (mine ?? undefined);
  }

  protected override *scan(ts: TableState): Iterable<StoreObject> {
    const mine = this.overlay.get(ts.table.name);
    for (const [id, object] of ts.objects) if (!mine?.has(id)) yield object;
    if (mine) for (const object of mine.values()) if (object !== null) yield object;
  }

  protected override *scanIndex(ts: TableState, name: string, key: string): Iterable<StoreObject> {
    const mine = this.overlay.get(ts.table.name);
    for (const id of ts.idsUnder(name, key)) {
      const object = ts.objects.get(id);
      if (object !== undefined && !mine?.has(id)) yield object;
    }
    if (mine) for (const object of mine.values()) if (object !== null) yield object;
  }

  /** Throws NameConflictError if another object in this transaction's view has `object`'s unique name. */
  private checkName(ts: TableState, object: StoreObject): void {
    if (!ts.table.uniqueNames) return;
    const key = nameKey(ts.table, object);
    if (key === undefined) return;
    const conflict = (holder: StoreObject | undefined): boolean =>
      holder !== undefined && holder.id !== object.id && nameKey(ts.table, holder) === key;
    const committedHolder = ts.holderOf(key);
    let holder = committedHolder === undefined ? undefined : this.lookup(ts, committedHolder);
    if (!conflict(holder)) {
      holder = undefined;
      for (const mine of this.overlay.get(ts.table.name)?.values() ?? []) {
        if (mine !== null && conflict(mine)) holder = mine;
      }
    }
    if (holder !== undefined) {
      throw new NameConflictError(ts.table.name, object.id, ts.table.nameOf?.(object) ?? key, holder.id);
    }
  }

  private write(ts: TableState, id: string, object: StoreObject | null): void {
    let mine = this.overlay.get(ts.table.name);
    if (mine === undefined) this.overlay.set(ts.table.name, (mine = new Map()));
    if (!mine.has(id)) this.touched.push({ ts, id });
    mine.set(id, object);
  }
}
