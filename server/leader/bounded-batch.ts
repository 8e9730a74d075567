/**
 * How much of a large change one write of the leader's pipeline carries. A scale from 0 to 10,000 is
 * written a few hundred tasks at a time, one pass after another, so every write is a small proposal and
 * heartbeats, status reports and API calls are served between them; the next pass picks up the rest
 * from the store, as every pass does.
 */
import { MAX_PROPOSAL_BYTES } from '../raftnode/raft-node.ts';

export interface BatchLimits {
  maxItems: number;
  /** The most bytes (as the store encodes them) of the items together. */
  maxBytes: number;
}

/** The pipeline's writes: well inside one proposal, and short enough to commit in a few milliseconds. */
export const PIPELINE_BATCH: BatchLimits = { maxItems: 500, maxBytes: MAX_PROPOSAL_BYTES / 2 };

export interface Batch<T> {
  items: T[];
  bytes: number;
  /** Items left for a later write. */
  left: number;
}

/**
 * The items from the front of `items` that fit the limits together. An item larger than `maxBytes` on
 * its own goes alone (its write decides whether it may be that large), so nothing is stuck behind it.
 */
export function takeBatch<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  limits: BatchLimits = PIPELINE_BATCH,
): Batch<T> {
  const taken: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (taken.length >= limits.maxItems) break;
    const size = sizeOf(item);
    if (taken.length > 0 && bytes + size > limits.maxBytes) break;
    taken.push(item);
    bytes += size;
    if (bytes > limits.maxBytes) break;
  }
  return { items: taken, bytes, left: items.length - taken.length };
}

/**
 * The proposal options of a batch's write: a lone item over the proposal limit is an object stored before
 * the limit existed (the API refuses new ones), and must still be writable, or it could never be shut
 * down or removed. Its write may be as large as it needs.
 */
export function oversizeAllowance(batch: Batch<unknown>): { maxBytes?: number } {
  return batch.items.length === 1 && batch.bytes > MAX_PROPOSAL_BYTES / 2
    ? { maxBytes: Number.POSITIVE_INFINITY }
    : {};
}
