/**
 * The Raft log on disk, in LevelDB.
 *
 * The core's Storage interface is synchronous and LevelDB is not, so the log lives in memory (a
 * MemoryStorage, which answers every read) and every change is first written to LevelDB in one synced
 * batch, and only then applied in memory: what the core can read is always already durable.
 * On open the whole log is loaded back and checked record by record (./log-load.ts), because LevelDB
 * itself can return damaged bytes without an error; a damaged folder refuses to start instead. LevelDB's
 * own write-ahead log is checked before LevelDB opens it (see ./leveldb-log-check.ts), as LevelDB would
 * silently drop damaged records from it.
 *
 * Keys: `h` HardState, `s` snapshot, `c` compaction point (index and term of the last dropped entry),
 * `e/<16 hex digits>` the entries from the compaction point + 1 to the last index, with no gaps.
 */
import { Level } from 'level';
import type { MemoryStorage } from '../raft/index.ts';
import {
  CompactedError,
  SnapshotOutOfDateError,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
  type Storage,
} from '../raft/index.ts';
import {
  COMPACTED_KEY,
  encodeCompactionPoint,
  encodeEntry,
  encodeHardState,
  encodeSnapshot,
  entryKey,
  HARD_STATE_KEY,
  SNAPSHOT_KEY,
} from './codec.ts';
import {
  causeOf,
  CorruptDataError,
  DataDirFullError,
  DataDirLockedError,
  describe,
  isNoSpace,
  levelCode,
  StorageWriteError,
} from './storage-errors.ts';
import { checkWriteAheadLogs, load, type Db } from './log-load.ts';

export {
  CorruptDataError,
  DataDirFullError,
  DataDirLockedError,
  isNoSpace,
  StorageWriteError,
} from './storage-errors.ts';

/** What one Ready asks to persist (step 1 of the Ready contract). Absent fields are left unchanged. */
export interface PersistUpdate {
  hardState?: HardState | undefined;
  /** Contiguous entries; they replace any conflicting suffix of the log. */
  entries?: readonly Entry[] | undefined;
  /** A snapshot from the leader: it replaces the whole log. */
  snapshot?: Snapshot | undefined;
}

type BatchOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

/**
 * A durable Raft Storage. Reads are served from memory; `persist`, `createSnapshot` and `compact` are
 * durable once their promise resolves. Mutations run one at a time, in call order.
 */
export class LevelStorage implements Storage {
  private readonly mem: MemoryStorage;
  /** The chain mutations queue on, so each plans its batch against the state the previous one left. */
  private tail: Promise<void> = Promise.resolve();
  private writeFailure: unknown = undefined;
  private closed = false;

  private constructor(
    private readonly db: Db,
    /** The data folder. */
    readonly dir: string,
    mem: MemoryStorage,
  ) {
    this.mem = mem;
  }

  /**
   * Opens (creating if needed) the log in `dir` and loads it into memory, checking every record.
   * Throws DataDirLockedError if the folder is held by another process or another open LevelStorage,
   * and CorruptDataError if LevelDB's write-ahead log is damaged (found before LevelDB opens, so
   * nothing is changed), LevelDB cannot open it, or any record is damaged or inconsistent (the database
   * is closed again before either is thrown).
   */
  static async open(dir: string): Promise<LevelStorage> {
    await checkWriteAheadLogs(dir);
    const db: Db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
    try {
      await db.open();
    } catch (err) {
      if (levelCode(causeOf(err)) === 'LEVEL_LOCKED') throw new DataDirLockedError(dir, { cause: err });
      if (isNoSpace(err)) throw new DataDirFullError(dir, { cause: err });
      throw new CorruptDataError(dir, `LevelDB cannot open it: ${describe(err)}`, { cause: err });
    }
    try {
      return new LevelStorage(db, dir, await load(db, dir));
    } catch (err) {
      await db.close().catch(() => undefined);
      if (err instanceof CorruptDataError) throw err;
      throw new CorruptDataError(dir, `reading it failed: ${describe(err)}`, { cause: err });
    }
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return this.mem.initialState();
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    return this.mem.entries(lo, hi, maxBytes);
  }

  term(i: number): number {
    return this.mem.term(i);
  }

  firstIndex(): number {
    return this.mem.firstIndex();
  }

  lastIndex(): number {
    return this.mem.lastIndex();
  }

  snapshot(): Snapshot {
    return this.mem.snapshot();
  }

  /**
   * Durably writes a Ready's snapshot, entries and HardState in one synced batch, then applies them in
   * memory (snapshot, then entries, then HardState, as MemoryStorage would). Call it before sending the
   * Ready's messages. Nothing is written if the update is rejected.
   * Throws SnapshotOutOfDateError if the snapshot is not newer than the current one; RangeError if the
   * entries are not contiguous, leave a gap after the last index, would rewrite the entry the snapshot
   * stands on, or hold a value that cannot be encoded; StorageWriteError if LevelDB fails.
   */
  persist(update: PersistUpdate): Promise<void> {
    return this.exclusive(async () => {
      const { hardState, snapshot } = update;
      const ops: BatchOp[] = [];
      // The log's bounds as the batch leaves them, so the append below is planned against them.
      let offset = this.mem.firstIndex() - 1;
      let last = this.mem.lastIndex();
      if (snapshot !== undefined) {
        const { index, term } = snapshot.metadata;
        if (index <= this.mem.snapshot().metadata.index) throw new SnapshotOutOfDateError();
        ops.push(put(SNAPSHOT_KEY, encodeSnapshot(snapshot)));
        ops.push(put(COMPACTED_KEY, encodeCompactionPoint({ index, term })));
        for (let i = offset + 1; i <= last; i++) ops.push(del(entryKey(i)));
        offset = index;
        last = index;
      }
      const appended = this.planAppend(update.entries ?? [], offset, last, snapshot);
      const start = appended[0];
      if (start !== undefined) {
        const newLast = start.index + appended.length - 1;
        for (const e of appended) ops.push(put(entryKey(e.index), encodeEntry(e)));
        // The conflicting suffix beyond the new last entry; the rest of it was overwritten above.
        for (let i = newLast + 1; i <= last; i++) ops.push(del(entryKey(i)));
      }
      if (hardState !== undefined) ops.push(put(HARD_STATE_KEY, encodeHardState(hardState)));
      if (ops.length === 0) return;
      // etcd's MustSync: a commit index lost in a crash is learned again from the leader, so a Ready
      // that only moves it needs no fsync; a later synced write flushes it anyway (LevelDB's log is
      // sequential).
      const prev = this.mem.initialState().hardState;
      const mustSync =
        snapshot !== undefined ||
        appended.length > 0 ||
        (hardState !== undefined && (hardState.term !== prev.term || hardState.vote !== prev.vote));
      await this.write(ops, mustSync);
      if (snapshot !== undefined) this.mem.applySnapshot(snapshot);
      this.mem.append(appended);
      if (hardState !== undefined) this.mem.setHardState(hardState);
    });
  }

  /**
   * Durably records a snapshot of the application's state as of applied index `index` (which must be in
   * the log), so that `compact` may then drop the entries it covers. Returns the snapshot.
   * Throws SnapshotOutOfDateError if it is not newer than the current snapshot, CompactedError if
   * `index` was compacted, RangeError if it is beyond the last index, StorageWriteError if LevelDB fails.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Promise<Snapshot> {
    return this.exclusive(async () => {
      if (index <= this.mem.snapshot().metadata.index) throw new SnapshotOutOfDateError();
      if (index > this.mem.lastIndex()) {
        throw new RangeError(`raft: snapshot index ${index} is beyond last index ${this.mem.lastIndex()}`);
      }
      const snap: Snapshot = {
        metadata: { index, term: this.mem.term(index), confState: { voters: [...confState.voters] } },
        data,
      };
      await this.write([put(SNAPSHOT_KEY, encodeSnapshot(snap))]);
      return this.mem.createSnapshot(index, confState, data);
    });
  }

  /**
   * Durably drops the entries up to `index` (that entry's index and term are kept as the compaction
   * point), in one synced batch. `index` must not be beyond the latest snapshot: MemoryStorage does not
   * check this, but a log compacted past its snapshot could no longer catch up a lagging follower, and
   * its state could not be written down.
   * Throws CompactedError if `index` is already compacted, RangeError if it is beyond the last index or
   * the snapshot, StorageWriteError if LevelDB fails.
   */
  compact(index: number): Promise<void> {
    return this.exclusive(async () => {
      const offset = this.mem.firstIndex() - 1;
      if (index <= offset) throw new CompactedError();
      if (index > this.mem.lastIndex()) throw new RangeError(`raft: compact ${index} is beyond last index`);
      const snapIndex = this.mem.snapshot().metadata.index;
      if (index > snapIndex) {
        throw new RangeError(`raft: compact ${index} is beyond the snapshot at ${snapIndex}`);
      }
      const ops: BatchOp[] = [
        put(COMPACTED_KEY, encodeCompactionPoint({ index, term: this.mem.term(index) })),
      ];
      for (let i = offset + 1; i <= index; i++) ops.push(del(entryKey(i)));
      await this.write(ops);
      this.mem.compact(index);
    });
  }

  /**
   * Waits for pending writes, then closes the database and releases the folder's lock. Reads keep
   * answering from memory; writes fail. Closing twice is harmless.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    await this.db.close();
  }

  /**
   * The entries of `entries` that land after the compaction point, checked as MemoryStorage.append
   * would (and a little more, as they are about to be written down).
   */
  private planAppend(
    entries: readonly Entry[],
    offset: number,
    last: number,
    incoming: Snapshot | undefined,
  ): readonly Entry[] {
    const first = entries[0];
    if (first === undefined) return entries;
    for (let i = 1; i < entries.length; i++) {
      const e = entries[i];
      if (e?.index !== first.index + i) {
        throw new RangeError(`raft: entries are not contiguous at ${first.index + i}: got ${e?.index}`);
      }
    }
    const kept = first.index <= offset ? entries.slice(offset + 1 - first.index) : entries;
    const start = kept[0];
    if (start === undefined) return kept; // all already compacted
    if (start.index > last + 1) {
      throw new RangeError(`raft: missing log entry [last: ${last}, append at: ${start.index}]`);
    }
    // A snapshot recorded without compacting up to it stands on an entry still in the log; a reload
    // checks that entry against it, so it must not be cut off or changed (Raft never does that: a
    // snapshot only covers committed entries).
    const snap = incoming?.metadata ?? this.mem.snapshot().metadata;
    if (snap.index > offset && start.index <= snap.index) {
      const newLast = start.index + kept.length - 1;
      const at = kept[snap.index - start.index];
      if (newLast < snap.index || at?.term !== snap.term) {
        throw new RangeError(
          `raft: append at ${start.index} would rewrite entry ${snap.index} of the snapshot`,
        );
      }
    }
    return kept;
  }

  /** Runs `fn` after every mutation queued before it; a failed write fails all later ones. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(() => {
      if (this.writeFailure !== undefined)
        throw new StorageWriteError(this.dir, { cause: this.writeFailure });
      return fn();
    });
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async write(ops: BatchOp[], sync = true): Promise<void> {
    try {
      await this.db.batch(ops, { sync });
    } catch (err) {
      this.writeFailure = err;
      throw new StorageWriteError(this.dir, { cause: err });
    }
  }
}

function put(key: string, value: Uint8Array): BatchOp {
  return { type: 'put', key, value };
}

function del(key: string): BatchOp {
  return { type: 'del', key };
}
