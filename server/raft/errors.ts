/** Errors the Raft core and its storage raise. Each names one condition; callers test with instanceof. */

/** The requested index is older than the storage's first index: it was compacted into a snapshot. */
export class CompactedError extends Error {
  override readonly name = 'CompactedError';
  constructor() {
    super('raft: requested index is unavailable due to compaction');
  }
}

/** The requested index is newer than anything the storage holds. */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
  constructor() {
    super('raft: requested entry at index is unavailable');
  }
}

/** The snapshot being applied is older than the one the storage already has. */
export class SnapshotOutOfDateError extends Error {
  override readonly name = 'SnapshotOutOfDateError';
  constructor() {
    super('raft: requested index is older than the existing snapshot');
  }
}

/** The storage cannot produce a snapshot right now; the leader retries later. */
export class SnapshotTemporarilyUnavailableError extends Error {
  override readonly name = 'SnapshotTemporarilyUnavailableError';
  constructor() {
    super('raft: snapshot is temporarily unavailable');
  }
}

/** A proposal was not accepted: no known leader, a leadership transfer is under way, or this node was removed. */
export class ProposalDroppedError extends Error {
  override readonly name = 'ProposalDroppedError';
  constructor(reason: string) {
    super(`raft: proposal dropped: ${reason}`);
  }
}

/** The core's configuration is invalid. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
