import { decodeConfChange } from './conf-change.ts';
import type { Storage } from './storage.ts';
import { ConfChangeType, EntryType, type NodeId } from './types.ts';

/** A member's ID is not one its log has known: the ID or the log is someone else's. */
export class NotAMemberOfLogError extends Error {
  override readonly name = 'NotAMemberOfLogError';
  constructor(
    readonly id: NodeId,
    readonly known: ReadonlySet<NodeId>,
  ) {
    super(`raft: member ${id} is not one its log has known (it knows ${known.size})`);
  }
}

/** Throws NotAMemberOfLogError if `storage` holds a log in which member `id` never was. */
export function checkMemberOfLog(storage: Storage, id: NodeId): void {
  const known = membersInLog(storage);
  if (known !== undefined && !known.has(id)) throw new NotAMemberOfLogError(id, known);
}

/**
 * Every member a log has known: the voters of its latest snapshot and every member a ConfChange entry
 * after it adds (removed ones included: a member taken out while it was down still reads its own log).
 * A member's own ID is always among them once it holds anything, as a founder writes its own addition
 * first and a newcomer receives the entries or the snapshot that add it. Undefined for a log that
 * holds nothing yet (a new member before its first entry), where nothing can be told.
 */
export function membersInLog(storage: Storage): Set<NodeId> | undefined {
  const first = storage.firstIndex();
  const last = storage.lastIndex();
  const { confState } = storage.initialState();
  if (last < first && storage.snapshot().metadata.index === 0) return undefined;
  const members = new Set(confState.voters);
  if (last >= first) {
    for (const e of storage.entries(first, last + 1, Infinity)) {
      if (e.type !== EntryType.ConfChange) continue;
      const cc = decodeConfChange(e.data);
      if (cc.type === ConfChangeType.AddNode) members.add(cc.nodeId);
    }
  }
  return members;
}
