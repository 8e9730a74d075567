/**
 * The Raft log on disk, in LevelDB.
 *
 * The core's Storage interface is synchronous and LevelDB is not, so the log lives in memory (a
 * MemoryStorage, which answers every read) and every change is first written to LevelDB in one synced
 * batch, and only then applied in memory: what the core can read is always already durable.
 * On open the whole log is loaded back and checked record by record (see ./codec.ts), because LevelDB
 * itself can return damaged bytes without an error; a damaged folder refuses to start instead. LevelDB's
 * own write-ahead log is checked before LevelDB opens it (see ./leveldb-log-check.ts), as LevelDB would
 * silently drop damaged records from it.
 *
 * Keys: `h` HardState, `s` snapshot, `c` compaction point (index and term of the last dropped entry),
 * `e/<16 hex digits>` the entries from the compaction point + 1 to the last index, with no gaps.
 */
import { Level } from 'level';
import {
  CompactedError,
  emptyHardState,
  isEmptyHardState,
  MemoryStorage,
  SnapshotOutOfDateError,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
  type Storage,
} from '../raft/index.ts';
import {
  COMPACTED_KEY,
  decodeCompactionPoint,
  decodeEntry,
  decodeHardState,
  decodeSnapshot,
  encodeCompactionPoint,
  encodeEntry,
  encodeHardState,
  encodeSnapshot,
  ENTRY_KEY_END,
  ENTRY_KEY_MIN,
  entryKey,
  HARD_STATE_KEY,
  MalformedRecordError,
  parseEntryKey,
  SNAPSHOT_KEY,
  type CompactionPoint,
} from './codec.ts';
import { findDamagedLog, type DamagedLog } from './leveldb-log-check.ts';
import { messageOf } from '../../lib/message-of.ts';

/** Another process (or another LevelStorage in this one) holds the data folder's lock. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dir: string,
    options?: ErrorOptions,
  ) {
    super(`data folder ${dir} is in use by another process`, options);
  }
}

/** The data folder cannot be opened, or what it holds is damaged or inconsistent. */
export class CorruptDataError extends Error {
  override readonly name = 'CorruptDataError';
  constructor(
    readonly dir: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`data folder ${dir} is corrupted: ${detail}`, options);
  }
}

/**
 * A write to the data folder failed. After that what is on disk is unknown (a failed fsync may have
 * dropped pages that a retry would then report as written), so every later write fails too: restart,
 * which reloads and checks what really is on disk. A full device is said as such: the data is fine.
 */
export class StorageWriteError extends Error {
  override readonly name = 'StorageWriteError';
  constructor(
    readonly dir: string,
    options?: ErrorOptions,
  ) {
    super(
      isNoSpace(options?.cause)
        ? `writing to data folder ${dir} failed: no space left on the device; free some and restart`
        : `writing to data folder ${dir} failed; restart to reload it: ${describe(options?.cause)}`,
      options,
    );
  }
}

/**
 * The data folder's device is full, so LevelDB cannot open it (it writes a new manifest and log on
 * open). Nothing is wrong with what the folder holds: it must not read as corrupted, or an operator
 * might delete healthy data.
 */
export class DataDirFullError extends Error {
  override readonly name = 'DataDirFullError';
  constructor(
    readonly dir: string,
    options?: ErrorOptions,
  ) {
    super(
      `data folder ${dir} cannot be opened: no space left on the device; free some and start again`,
      options,
    );
  }
}

/** What one Ready asks to persist (step 1 of the Ready contract). Absent fields are left unchanged. */
export interface PersistUpdate {
  hardState?: HardState | undefined;
  /** Contiguous entries; they replace any conflicting suffix of the log. */
  entries?: readonly Entry[] | undefined;
  /** A snapshot from the leader: it replaces the whole log. */
  snapshot?: Snapshot | undefined;
}

type Db = Level<string, Uint8Array>;
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

/**
 * Throws CorruptDataError if one of LevelDB's write-ahead logs in `dir` is damaged. LevelDB itself would
 * drop the damaged records while replaying the log on open, and rewrite the folder without them.
 * This runs before LevelDB takes the folder's lock; a process holding it only appends to its log, which
 * reads as a torn tail at worst, and the open then reports the lock.
 */
async function checkWriteAheadLogs(dir: string): Promise<void> {
  let damaged: DamagedLog | undefined;
  try {
    damaged = await findDamagedLog(dir);
  } catch (err) {
    throw new CorruptDataError(dir, `reading LevelDB's write-ahead log failed: ${describe(err)}`, {
      cause: err,
    });
  }
  if (damaged !== undefined) {
    const { file, offset, problem } = damaged;
    throw new CorruptDataError(
      dir,
      `LevelDB write-ahead log ${file} is damaged at offset ${offset}: ${problem}`,
    );
  }
}

/** Reads and checks everything in `db` and rebuilds the in-memory log. Throws CorruptDataError. */
async function load(db: Db, dir: string): Promise<MemoryStorage> {
  const corrupt = (detail: string, cause?: unknown): CorruptDataError =>
    new CorruptDataError(dir, detail, cause === undefined ? undefined : { cause });
  const decode = <T>(what: string, value: Uint8Array, fn: (v: Uint8Array) => T): T => {
    try {
      return fn(value);
    } catch (err) {
      if (err instanceof MalformedRecordError) throw corrupt(`${what}: ${err.message}`, err);
      throw err;
    }
  };

  // `get` resolves to undefined for a missing key, which level's types do not say.
  const hsValue: Uint8Array | undefined = await db.get(HARD_STATE_KEY);
  const snapValue: Uint8Array | undefined = await db.get(SNAPSHOT_KEY);
  const pointValue: Uint8Array | undefined = await db.get(COMPACTED_KEY);
  const hardState = hsValue === undefined ? emptyHardState() : decode('hard state', hsValue, decodeHardState);
  const snap = snapValue === undefined ? undefined : decode('snapshot', snapValue, decodeSnapshot);
  const point: CompactionPoint =
    pointValue === undefined
      ? { index: 0, term: 0 }
      : decode('compaction point', pointValue, decodeCompactionPoint);
  const snapIndex = snap?.metadata.index ?? 0;
  if (point.index > snapIndex) {
    throw corrupt(`the log is compacted to ${point.index}, beyond the snapshot at ${snapIndex}`);
  }

  const entries: Entry[] = [];
  let expected = point.index + 1;
  let prevTerm = point.term;
  for await (const [key, value] of db.iterator({ gte: ENTRY_KEY_MIN, lt: ENTRY_KEY_END })) {
    const index = parseEntryKey(key);
    if (index === undefined) throw corrupt(`unexpected key ${JSON.stringify(key)} among the log entries`);
    if (index < expected)
      throw corrupt(`log entry ${index} is at or below the compaction point ${point.index}`);
    if (index > expected) throw corrupt(`log entry ${expected} is missing (the next one stored is ${index})`);
    const e = decode(`log entry ${index}`, value, decodeEntry);
    if (e.index !== index) throw corrupt(`log entry ${index} holds entry ${e.index}`);
    if (e.term < prevTerm)
      throw corrupt(`log entry ${index} has term ${e.term}, below the ${prevTerm} before it`);
    entries.push(e);
    expected = index + 1;
    prevTerm = e.term;
  }
  const lastIndex = expected - 1;

  const mem = new MemoryStorage();
  if (snap === undefined || point.index === snapIndex) {
    if (snap !== undefined && snapIndex > 0) {
      if (snap.metadata.term !== point.term) {
        throw corrupt(`snapshot at ${snapIndex} has term ${snap.metadata.term}, the log says ${point.term}`);
      }
      mem.applySnapshot(snap);
    }
    mem.append(entries);
  } else {
    // The snapshot was recorded without compacting up to it: rebuild the log from the compaction
    // point (entering it as a stand-in snapshot, the only way MemoryStorage takes a starting point),
    // then record the real snapshot on top, which needs the entry it stands on.
    if (point.index > 0) {
      mem.applySnapshot({
        metadata: { index: point.index, term: point.term, confState: snap.metadata.confState },
        data: new Uint8Array(0),
      });
    }
    mem.append(entries);
    if (snapIndex > lastIndex) {
      throw corrupt(`the snapshot at ${snapIndex} is beyond the last log entry ${lastIndex}`);
    }
    if (mem.term(snapIndex) !== snap.metadata.term) {
      throw corrupt(
        `snapshot at ${snapIndex} has term ${snap.metadata.term}, the log says ${mem.term(snapIndex)}`,
      );
    }
    mem.createSnapshot(snapIndex, snap.metadata.confState, snap.data);
  }

  // The same bounds the core checks when it starts, reported here as what they mean: lost entries.
  if (!isEmptyHardState(hardState)) {
    if (hardState.commit > lastIndex) {
      throw corrupt(`commit index ${hardState.commit} is beyond the last log entry ${lastIndex}`);
    }
    if (hardState.commit < point.index) {
      throw corrupt(`commit index ${hardState.commit} is below the compaction point ${point.index}`);
    }
  }
  mem.setHardState(hardState);
  return mem;
}

/** LevelDB's error code (`LEVEL_...`) of `err`, if it has one. */
function levelCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

/** Whether `err` (or its cause) says the device is full: LevelDB's IO errors carry the system's text. */
export function isNoSpace(err: unknown): boolean {
  for (let e = err; e !== undefined && e !== null; e = causeOf(e)) {
    const code = levelCode(e);
    if (code === 'ENOSPC') return true;
    if (e instanceof Error && /No space left on device|ENOSPC/i.test(e.message)) return true;
    if (!(e instanceof Error)) return false;
  }
  return false;
}

function causeOf(err: unknown): unknown {
  return err instanceof Error ? err.cause : undefined;
}

/** One line naming an error and its cause, e.g. `Database failed to open (LEVEL_CORRUPTION: ...)`. */
function describe(err: unknown): string {
  const one = (e: unknown): string => {
    const code = levelCode(e);
    const msg = messageOf(e);
    return code === undefined ? msg : `${code}: ${msg}`;
  };
  const cause = causeOf(err);
  const text = cause === undefined ? one(err) : `${one(err)} (${one(cause)})`;
  return text.replace(/\s+/g, ' ').trim();
}
