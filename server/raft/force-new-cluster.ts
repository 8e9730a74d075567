/**
 * What a member's log must become for it to go on alone, when the others are gone for good and no
 * quorum can ever form again (`swarm init --force-new-cluster`, as swarmkit's and etcd's): entries
 * nobody knows to be committed are dropped, and the removal of every other voter is appended and
 * marked committed in the member's current term. The member then replays them on start and finds itself
 * the only voter; everything committed before is kept.
 */
import { decodeConfChange, encodeConfChange } from './conf-change.ts';
import type { Storage } from './storage.ts';
import { ConfChangeType, EntryType, type Entry, type HardState, type NodeId } from './types.ts';

/** The member is not a voter of its own log's configuration: forcing it to lead alone makes no sense. */
export class NotAVoterError extends Error {
  override readonly name = 'NotAVoterError';
  constructor(readonly id: NodeId) {
    super(`raft: member ${id} is not a voter of its log's configuration`);
  }
}

export interface ForcedLog {
  /** To append after the last committed entry (replacing whatever came after it). */
  entries: Entry[];
  hardState: HardState;
  /** The voters removed. */
  removed: NodeId[];
}

/** The voters as of the last committed entry: the snapshot's, then every committed change after it. */
export function committedVoters(storage: Storage): Set<NodeId> {
  const { hardState, confState } = storage.initialState();
  const voters = new Set(confState.voters);
  const first = storage.firstIndex();
  if (hardState.commit >= first) {
    for (const e of storage.entries(first, hardState.commit + 1, Number.POSITIVE_INFINITY)) {
      if (e.type !== EntryType.ConfChange) continue;
      const cc = decodeConfChange(e.data);
      if (cc.type === ConfChangeType.AddNode) voters.add(cc.nodeId);
      else voters.delete(cc.nodeId);
    }
  }
  return voters;
}

/** The entries and HardState that leave `self` the only voter of `storage`'s log. Throws NotAVoterError. */
export function forceNewCluster(storage: Storage, self: NodeId): ForcedLog {
  const { hardState } = storage.initialState();
  const voters = committedVoters(storage);
  if (!voters.has(self)) throw new NotAVoterError(self);
  const removed = [...voters].filter(v => v !== self).sort((a, b) => a - b);
  const entries = removed.map((nodeId, i) => ({
    term: hardState.term,
    index: hardState.commit + 1 + i,
    type: EntryType.ConfChange,
    data: encodeConfChange({ type: ConfChangeType.RemoveNode, nodeId }),
  }));
  return {
    entries,
    hardState: { term: hardState.term, vote: hardState.vote, commit: hardState.commit + entries.length },
    removed,
  };
}
