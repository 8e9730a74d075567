import { CompactedError, SnapshotOutOfDateError, UnavailableError } from './errors.ts';
import {
  emptyHardState,
  emptySnapshot,
  entrySize,
  EntryType,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
} from './types.ts';

/**
 * What the core reads of the durable log. The driver writes to it (after persisting a Ready);
 * the core only reads. If a method throws anything other than the named errors, the core stops.
 */
export interface Storage {
  /** The persisted HardState and the configuration of the latest snapshot. */
  initialState(): { hardState: HardState; confState: ConfState };
  /**
   * Entries in [lo, hi), at most `maxBytes` of them but always at least one.
   * Throws CompactedError if lo is compacted, UnavailableError if hi is beyond the last entry.
   */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** Term of entry i, for i in [firstIndex - 1, lastIndex]. Throws CompactedError / UnavailableError. */
  term(i: number): number;
  firstIndex(): number;
  lastIndex(): number;
  /** The most recent snapshot. May throw SnapshotTemporarilyUnavailableError. */
  snapshot(): Snapshot;
}

/** Keeps the prefix of `entries` that fits in `maxBytes`, never fewer than one entry. */
export function limitSize(entries: Entry[], maxBytes: number): Entry[] {
  if (entries.length === 0) return entries;
  let size = 0;
  let n = 0;
  for (const e of entries) {
    size += entrySize(e);
    if (n > 0 && size > maxBytes) break;
    n++;
  }
  return n === entries.length ? entries : entries.slice(0, n);
}

/**
 * A Storage held in memory: the reference implementation, used by tests and the simulator (where it
 * stands for what survived on disk). `ents[0]` is a dummy entry holding the snapshot's index and term.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = emptyHardState();
  private snap: Snapshot = emptySnapshot();
  private ents: Entry[] = [{ term: 0, index: 0, type: EntryType.Normal, data: new Uint8Array(0) }];

  initialState(): { hardState: HardState; confState: ConfState } {
    return {
      hardState: { ...this.hardState },
      confState: { voters: [...this.snap.metadata.confState.voters] },
    };
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const offset = this.offset();
    if (lo <= offset) throw new CompactedError();
    if (hi > this.lastIndex() + 1) throw new UnavailableError();
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxBytes);
  }

  term(i: number): number {
    const offset = this.offset();
    if (i < offset) throw new CompactedError();
    const e = this.ents[i - offset];
    if (e === undefined) throw new UnavailableError();
    return e.term;
  }

  firstIndex(): number {
    return this.offset() + 1;
  }

  lastIndex(): number {
    return this.offset() + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the log with a snapshot received from the leader. */
  applySnapshot(snap: Snapshot): void {
    if (snap.metadata.index <= this.snap.metadata.index) throw new SnapshotOutOfDateError();
    this.snap = snap;
    this.ents = [
      {
        term: snap.metadata.term,
        index: snap.metadata.index,
        type: EntryType.Normal,
        data: new Uint8Array(0),
      },
    ];
  }

  /**
   * Records a snapshot of the application's state as of applied index `i` (which must be in the log),
   * so that `compact` can drop the entries it covers.
   */
  createSnapshot(i: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (i <= this.snap.metadata.index) throw new SnapshotOutOfDateError();
    if (i > this.lastIndex())
      throw new Error(`raft: snapshot index ${i} is beyond last index ${this.lastIndex()}`);
    this.snap = {
      metadata: { index: i, term: this.term(i), confState: { voters: [...confState.voters] } },
      data,
    };
    return this.snap;
  }

  /** Drops the entries before `compactIndex`; the entry at compactIndex becomes the new dummy. */
  compact(compactIndex: number): void {
    const offset = this.offset();
    if (compactIndex <= offset) throw new CompactedError();
    if (compactIndex > this.lastIndex())
      throw new Error(`raft: compact ${compactIndex} is beyond last index`);
    const dummy = this.ents[compactIndex - offset];
    if (dummy === undefined) throw new Error('raft: compact index out of range');
    this.ents = [
      { ...dummy, type: EntryType.Normal, data: new Uint8Array(0) },
      ...this.ents.slice(compactIndex - offset + 1),
    ];
  }

  /** Appends entries, replacing any conflicting suffix. Entries must be contiguous. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const firstKept = this.firstIndex();
    const last = first.index + entries.length - 1;
    if (last < firstKept) return; // all already compacted
    const ents = first.index < firstKept ? entries.slice(firstKept - first.index) : entries;
    const start = ents[0];
    if (start === undefined) return;
    const at = start.index - this.offset();
    if (at > this.ents.length) {
      throw new Error(`raft: missing log entry [last: ${this.lastIndex()}, append at: ${start.index}]`);
    }
    this.ents.length = at;
    for (const e of ents) this.ents.push(e);
  }

  /** An independent copy (the simulator uses it to model what a lying disk really kept). */
  clone(): MemoryStorage {
    const c = new MemoryStorage();
    c.hardState = { ...this.hardState };
    c.snap = this.snap;
    c.ents = [...this.ents];
    return c;
  }

  private offset(): number {
    const dummy = this.ents[0];
    if (dummy === undefined) throw new Error('raft: storage lost its dummy entry');
    return dummy.index;
  }
}
