/**
 * Loading the Raft log back from LevelDB on open, checking it record by record (see ./codec.ts), and
 * LevelDB's write-ahead logs before LevelDB opens them (see ./leveldb-log-check.ts): LevelDB itself can
 * return damaged bytes without an error, and silently drops damaged records from its write-ahead log.
 */
import type { Level } from 'level';
import { emptyHardState, isEmptyHardState, MemoryStorage, type Entry } from '../raft/index.ts';
import {
  COMPACTED_KEY,
  decodeCompactionPoint,
  decodeEntry,
  decodeHardState,
  decodeSnapshot,
  ENTRY_KEY_END,
  ENTRY_KEY_MIN,
  HARD_STATE_KEY,
  MalformedRecordError,
  parseEntryKey,
  SNAPSHOT_KEY,
  type CompactionPoint,
} from './codec.ts';
import { findDamagedLog, type DamagedLog } from './leveldb-log-check.ts';
import { CorruptDataError, describe } from './storage-errors.ts';

export type Db = Level<string, Uint8Array>;

/**
 * Throws CorruptDataError if one of LevelDB's write-ahead logs in `dir` is damaged. LevelDB itself would
 * drop the damaged records while replaying the log on open, and rewrite the folder without them.
 * This runs before LevelDB takes the folder's lock; a process holding it only appends to its log, which
 * reads as a torn tail at worst, and the open then reports the lock.
 */
export async function checkWriteAheadLogs(dir: string): Promise<void> {
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
export async function load(db: Db, dir: string): Promise<MemoryStorage> {
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
