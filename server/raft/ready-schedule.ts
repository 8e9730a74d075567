/**
 * Which parts of a Ready may overlap its disk write. The contract's order (persist → send → apply →
 * advance) is the safe default; two exceptions shorten a write's latency by a whole fsync:
 *
 * - A leader may send its appends before writing them down (Raft thesis §10.2.1; etcd does the same).
 *   The core counts the leader's own copy towards a commit at once, but nothing that depends on that
 *   commit leaves the node or is applied before the next Ready, and the driver asks for the next Ready
 *   only after this write is done.
 * - Committed entries this node already holds on disk may be applied before the write (the client's
 *   answer need not wait for unrelated new entries to be synced).
 *
 * Votes, vote refusals and append acknowledgements promise what is on disk, so they always wait.
 */
import type { Ready } from './raw-node.ts';
import { MessageType, type Entry, type HardState, type Message } from './types.ts';

export interface ReadySchedule {
  sendBeforeWrite: Message[];
  applyBeforeWrite: Entry[];
  sendAfterWrite: Message[];
  applyAfterWrite: Entry[];
}

export interface NodeView {
  isLeader: boolean;
  /** The last index already on disk, before this Ready's write. */
  stableIndex: number;
  /** The HardState already on disk. */
  stableHardState: HardState;
}

const REPLICATION = new Set([MessageType.App, MessageType.Heartbeat, MessageType.Snap]);

export function scheduleReady(rd: Ready, node: NodeView): ReadySchedule {
  const hs = rd.hardState;
  const sameTerm =
    hs === undefined || (hs.term === node.stableHardState.term && hs.vote === node.stableHardState.vote);
  const early = node.isLeader && sameTerm;
  const sendBeforeWrite = early ? rd.messages.filter(m => REPLICATION.has(m.type)) : [];
  const sendAfterWrite = early ? rd.messages.filter(m => !REPLICATION.has(m.type)) : rd.messages;
  // A snapshot replaces the state machine first; keep that Ready in the contract's order.
  const stable = rd.snapshot === undefined ? node.stableIndex : 0;
  let k = 0;
  while (k < rd.committedEntries.length && (rd.committedEntries[k]?.index ?? Infinity) <= stable) k++;
  return {
    sendBeforeWrite,
    applyBeforeWrite: rd.committedEntries.slice(0, k),
    sendAfterWrite,
    applyAfterWrite: rd.committedEntries.slice(k),
  };
}
