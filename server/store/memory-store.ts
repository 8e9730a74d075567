import { deepFreeze } from './deep-freeze.ts';
import {
  decodeSnapshot,
  encodeSnapshot,
  encodeSnapshotPieces,
  SNAPSHOT_FORMAT,
  storeActionProblem,
  type SnapshotDocument,
} from './encoding.ts';
import {
  AlreadyExistsError,
  InvalidArgumentError,
  NameConflictError,
  NotFoundError,
  SequenceConflictError,
  StoreError,
  StoreRestoredError,
} from './errors.ts';
import type { StoreObject } from './objects.ts';
import type { ApplyResult, ProposeOptions, Proposer, StoreAction } from './store-action.ts';
import { TableState } from './table-state.ts';
import { byId, nameKey, type Table } from './table.ts';
import { STORE_TABLES } from './tables.ts';
import { ReadTransaction, WriteTransaction, type ReadTx, type Tx } from './transaction.ts';
import {
  WatchQueue,
  type StoreEvent,
  type WatchFilter,
  type Watcher,
  type WatchOptions,
} from './watch-queue.ts';

/** Options of a MemoryStore. */
export interface MemoryStoreOptions {
  /**
   * The tables the store holds. Every replica must have the same list (an action naming a table a replica
   * lacks is rejected there, and the replicas would disagree).
   * @default STORE_TABLES
   */
  tables?: readonly Table[];
  /**
   * Default `maxQueued` of watchers: how far behind a watcher may fall before it is closed.
   * @default 10000
   */
  watchQueueLimit?: number;
}

/** A consistent read together with the feed of every change after it. */
export interface ViewAndWatch<T> {
  /** What the view callback returned. */
  result: T;
  /** The applied index the view saw; the first event has a greater index. */
  index: number;
  watcher: Watcher;
}

/**
 * The manager's replicated state, in memory (swarmkit `MemoryStore`). One instance per manager; every
 * manager's instance holds the same state once it has applied the same entries.
 *
 * State changes in exactly one place, `applyStoreActions`, which the Raft driver calls for every committed
 * entry in log order on every replica (and `restore` replaces it wholesale). `update` only records and
 * proposes. Reads (`view`) see committed state only. Not safe to share across worker threads; within the
 * event loop every method is synchronous except `update`'s wait for its proposal.
 */
export class MemoryStore {
  private readonly proposer: Proposer;
  private readonly tables: readonly Table[];
  private state: Map<string, TableState>;
  private readonly watchers = new Set<WatchQueue>();
  private readonly watchQueueLimit: number | undefined;
  private applied = 0;

  /** Throws InvalidArgumentError if two tables share a name. */
  constructor(proposer: Proposer, options: MemoryStoreOptions = {}) {
    this.proposer = proposer;
    this.tables = options.tables ?? STORE_TABLES;
    this.watchQueueLimit = options.watchQueueLimit;
    this.state = emptyState(this.tables);
  }

  /** The index of the last entry applied (or of the restored snapshot); 0 for a new store. */
  get appliedIndex(): number {
    return this.applied;
  }

  /** How many watchers are open (closed ones are forgotten at once). */
  get watcherCount(): number {
    return this.watchers.size;
  }

  /**
   * Runs `fn` against the committed state and returns what it returns. The ReadTx is valid only during
   * the call. Throws whatever `fn` throws.
   */
  view<T>(fn: (tx: ReadTx) => T): T {
    const tx = new ReadTransaction(this.state);
    try {
      return fn(tx);
    } finally {
      tx.close();
    }
  }

  /**
   * Runs `fn` synchronously, right away, against the committed state plus its own writes, then proposes the
   * changelist it recorded as one entry and resolves once that entry was applied here. Nothing is visible to
   * `view` before. A transaction that wrote nothing resolves without proposing.
   *
   * `now` (ms) becomes `meta.updatedAt` of every written object, and `meta.createdAt` of created ones.
   *
   * Rejects with what `fn` threw (then nothing is proposed); with the apply-time verdict if the entry was
   * rejected when applied (SequenceConflictError `update out of sequence` when another write to the same
   * object got in first, AlreadyExistsError, NameConflictError, NotFoundError); with InvalidArgumentError if
   * `fn` is asynchronous or `now` is not a finite number; or with the proposer's error if the entry's fate
   * is unknown (not the leader, leadership lost). `options` go to the proposer (see ProposeOptions).
   */
  async update(fn: (tx: Tx) => void, now: number, options?: ProposeOptions): Promise<void> {
    if (!Number.isFinite(now)) throw new InvalidArgumentError('store: update needs a finite `now`');
    const tx = new WriteTransaction(this.state, now);
    let returned: unknown;
    try {
      returned = fn(tx);
    } finally {
      tx.close();
    }
    if (isThenable(returned)) {
      // Its writes after the first await would land in a closed transaction; refuse it outright. Its own
      // failure (TransactionClosedError, most likely) is dropped so it cannot surface as an unhandled rejection.
      (returned as PromiseLike<unknown>).then(undefined, () => undefined);
      throw new InvalidArgumentError('store: update callbacks must be synchronous');
    }
    const actions = tx.changes();
    if (actions.length === 0) return;
    const result = await this.proposer.propose(actions, options);
    if (!result.ok) throw result.error;
  }

  /**
   * Applies one committed entry's changelist at Raft index `index`: the only place where the state changes.
   * Called by the Raft driver on every replica for every committed store entry, in log order.
   *
   * Every action is checked against the committed state (and the earlier actions of the list): create of
   * an existing id (AlreadyExistsError), update or remove of a missing object (NotFoundError), update whose
   * `meta.version.index` is not the stored object's (SequenceConflictError), a unique name held twice once
   * the list is applied (NameConflictError), an unknown table or malformed action (InvalidArgumentError).
   * The verdict depends only on the state and the list, so every replica reaches the same one. If any check
   * fails nothing is applied; otherwise every written object gets `meta.version.index = index` (times as
   * the action carries them), the events are published to watchers, and the result is `{ ok: true }`.
   * Either way the entry counts as applied (`appliedIndex` becomes `index`).
   *
   * The store keeps (and freezes) the action objects: do not change them afterwards.
   * Throws InvalidArgumentError — a driver bug, not a verdict — if `index` is not greater than `appliedIndex`.
   */
  applyStoreActions(actions: readonly StoreAction[], index: number): ApplyResult {
    if (!Number.isSafeInteger(index) || index <= this.applied) {
      throw new InvalidArgumentError(`store: apply at index ${index} after index ${this.applied}`);
    }
    this.applied = index;
    const staged = this.stage(actions, index);
    if (staged instanceof StoreError) return { ok: false, index, error: staged };
    for (const [ts, objects] of staged.writes) {
      for (const [id, object] of objects) {
        if (object === null) ts.remove(id);
        else ts.put(object);
      }
    }
    for (const event of staged.events) for (const watcher of this.watchers) watcher.offer(event);
    return { ok: true, index };
  }

  /**
   * A feed of the changes applied from now on that match `filter`. See Watcher for how it ends; a watcher
   * that falls more than `options.maxQueued` events behind is closed with WatchQueueOverflowError.
   */
  watch(filter: WatchFilter = {}, options: WatchOptions = {}): Watcher {
    const limit = options.maxQueued ?? this.watchQueueLimit;
    const queue = new WatchQueue(filter, limit === undefined ? {} : { maxQueued: limit }, q =>
      this.watchers.delete(q),
    );
    this.watchers.add(queue);
    return queue;
  }

  /**
   * Runs `fn` against the committed state and starts a watch in the same synchronous step, so the events
   * are exactly the changes after what `fn` saw: none missed, none repeated (swarmkit `ViewAndWatch`).
   * If `fn` throws, no watcher is created and the error propagates.
   */
  viewAndWatch<T>(
    fn: (tx: ReadTx) => T,
    filter: WatchFilter = {},
    options: WatchOptions = {},
  ): ViewAndWatch<T> {
    const result = this.view(fn);
    return { result, index: this.applied, watcher: this.watch(filter, options) };
  }

  /** The whole store (every table and the applied index) as bytes; identical on replicas with equal state. */
  snapshot(): Uint8Array {
    return encodeSnapshot(this.snapshotDocument());
  }

  /**
   * The bytes of `snapshot()` in pieces, of the store as it is when this is called: objects are immutable,
   * so writes between pieces do not change what the later pieces hold.
   */
  snapshotPieces(): Iterable<Uint8Array> {
    return encodeSnapshotPieces(this.snapshotDocument());
  }

  private snapshotDocument(): SnapshotDocument {
    const tables: Record<string, StoreObject[]> = {};
    for (const table of this.tables) {
      const ts = this.state.get(table.name) as TableState;
      tables[table.name] = [...ts.objects.values()].sort(byId);
    }
    return { format: SNAPSHOT_FORMAT, index: this.applied, tables };
  }

  /**
   * Replaces the whole state by the snapshot `data` (made by `snapshot()`), including `appliedIndex`. Emits
   * no events: there is no list of changes from the old state to the new one. Instead every open watcher is
   * closed with StoreRestoredError, and its consumer re-syncs with `viewAndWatch`.
   *
   * Throws InvalidArgumentError, leaving the store as it was, if `data` is not a snapshot, names a table
   * this store does not have, or holds a duplicate id or unique name.
   */
  restore(data: Uint8Array): void {
    const doc = decodeSnapshot(data);
    const next = emptyState(this.tables);
    for (const [name, objects] of Object.entries(doc.tables)) {
      const ts = next.get(name);
      if (ts === undefined) throw new InvalidArgumentError(`store: snapshot has unknown table ${name}`, name);
      for (const object of objects) {
        if (ts.objects.has(object.id)) {
          throw new InvalidArgumentError(`store: snapshot holds ${name} ${object.id} twice`, name, object.id);
        }
        const key = nameKey(ts.table, object);
        if (key !== undefined && ts.holderOf(key) !== undefined) {
          throw new InvalidArgumentError(`store: snapshot holds ${name} name ${key} twice`, name, object.id);
        }
        ts.put(deepFreeze(object));
      }
    }
    this.state = next;
    this.applied = doc.index;
    const error = new StoreRestoredError(doc.index);
    for (const watcher of [...this.watchers]) watcher.fail(error);
  }

  /**
   * Checks `actions` against the committed state and builds what applying them writes, or returns the
   * reason they cannot apply. Changes nothing.
   */
  private stage(
    actions: readonly StoreAction[],
    index: number,
  ): { writes: Map<TableState, Map<string, StoreObject | null>>; events: StoreEvent[] } | StoreError {
    const writes = new Map<TableState, Map<string, StoreObject | null>>();
    const events: StoreEvent[] = [];
    const current = (ts: TableState, id: string): StoreObject | undefined => {
      const mine = writes.get(ts)?.get(id);
      return mine === undefined ? ts.objects.get(id) : (mine ?? undefined);
    };
    for (const [i, action] of actions.entries()) {
      const problem = storeActionProblem(action);
      if (problem !== undefined) return new InvalidArgumentError(`store: action ${i}: ${problem}`);
      const { kind, table, object } = action;
      const ts = this.state.get(table);
      if (ts === undefined) return new InvalidArgumentError(`store: no table ${table}`, table);
      const old = current(ts, object.id);
      let next: StoreObject | null;
      if (kind === 'create') {
        if (old !== undefined) return new AlreadyExistsError(table, object.id);
        next = withVersion(object, index);
        events.push({ kind, table, object: next, index });
      } else if (old === undefined) {
        return new NotFoundError(table, object.id);
      } else if (kind === 'update') {
        if (object.meta.version.index !== old.meta.version.index) {
          return new SequenceConflictError(
            table,
            object.id,
            object.meta.version.index,
            old.meta.version.index,
          );
        }
        next = withVersion(object, index);
        events.push({ kind, table, object: next, oldObject: old, index });
      } else {
        next = null;
        events.push({ kind, table, object: old, index });
      }
      let mine = writes.get(ts);
      if (mine === undefined) writes.set(ts, (mine = new Map()));
      mine.set(object.id, next);
    }
    const conflict = findNameConflict(writes);
    return conflict ?? { writes, events };
  }
}

/**
 * Checks unique names over the state the staged writes would produce, all at once, so the verdict does not
 * depend on the order of the actions (a rename and a create that takes the old name may come either way).
 */
function findNameConflict(
  writes: Map<TableState, Map<string, StoreObject | null>>,
): NameConflictError | undefined {
  for (const [ts, objects] of writes) {
    if (ts.names === undefined) continue;
    const taken = new Map<string, string>();
    for (const [id, object] of objects) {
      const key = object === null ? undefined : nameKey(ts.table, object);
      if (object === null || key === undefined) continue;
      const committedHolder = ts.holderOf(key);
      // A committed holder that is itself written is judged by its new state, through `taken`.
      const holder =
        taken.get(key) ??
        (committedHolder !== undefined && !objects.has(committedHolder) ? committedHolder : undefined);
      if (holder !== undefined && holder !== id) {
        return new NameConflictError(ts.table.name, id, ts.table.nameOf?.(object) ?? key, holder);
      }
      taken.set(key, id);
    }
  }
  return undefined;
}

function withVersion(object: StoreObject, index: number): StoreObject {
  return deepFreeze({ ...object, meta: { ...object.meta, version: { index } } });
}

function emptyState(tables: readonly Table[]): Map<string, TableState> {
  const state = new Map<string, TableState>();
  for (const table of tables) {
    if (state.has(table.name)) throw new InvalidArgumentError(`store: table ${table.name} registered twice`);
    state.set(table.name, new TableState(table));
  }
  return state;
}

function isThenable(value: unknown): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
