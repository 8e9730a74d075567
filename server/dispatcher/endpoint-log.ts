/**
 * One network's endpoint change log, pure: which task's endpoint changed, numbered in the order of
 * change (numbers ascending, shared by all networks' logs). Readers remember the number they read up to;
 * the owner drops what every reader has read.
 */

/** Entries a log keeps at least before it is trimmed (and after, when a reader lags behind). */
export const MIN_LOG_KEPT = 4096;

export class EndpointLog {
  private changes: number[] = [];
  private taskIds: string[] = [];
  /** Entries before this index are dropped (compacted away from time to time). */
  private start = 0;
  /** The length past which the owner trims; doubles with what a trim leaves, so trims cost O(1) per entry. */
  trimAt: number;

  /** @param minKept entries kept at least (MIN_LOG_KEPT; tests trim small logs). */
  constructor(readonly minKept = MIN_LOG_KEPT) {
    this.trimAt = 2 * minKept;
  }

  get length(): number {
    return this.changes.length - this.start;
  }

  /** The number of the last entry (0 when empty). */
  get lastChange(): number {
    return this.changes[this.changes.length - 1] ?? 0;
  }

  /** Logs `taskId` changed as change `change` (above every number logged before). */
  add(change: number, taskId: string): void {
    this.changes.push(change);
    this.taskIds.push(taskId);
  }

  /** The number of entry `i` (0 = oldest kept); undefined out of range. */
  changeAt(i: number): number | undefined {
    return i < 0 ? undefined : this.changes[this.start + i];
  }

  /** How many entries are numbered after `after`. */
  countAfter(after: number): number {
    return this.changes.length - this.firstAfter(after);
  }

  /** Calls `fn` with each entry's task numbered in (after, upTo], oldest first. */
  forEachAfter(after: number, fn: (taskId: string) => void, upTo = Infinity): void {
    for (let i = this.firstAfter(after); i < this.changes.length; i++) {
      if ((this.changes[i] as number) > upTo) break;
      fn(this.taskIds[i] as string);
    }
  }

  /** Drops the entries numbered `upTo` or below. */
  dropUpTo(upTo: number): void {
    this.start = this.firstAfter(upTo);
    if (this.start > this.changes.length / 2) {
      this.changes = this.changes.slice(this.start);
      this.taskIds = this.taskIds.slice(this.start);
      this.start = 0;
    }
    this.trimAt = Math.max(2 * this.minKept, 2 * this.length);
  }

  /** The index of the first kept entry numbered after `after` (binary search). */
  private firstAfter(after: number): number {
    let lo = this.start;
    let hi = this.changes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.changes[mid] as number) <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
