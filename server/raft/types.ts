/**
 * The data the Raft core reads and writes: log entries, messages, persistent state and snapshots.
 * Plain objects only, so the driver can encode them for the wire and the disk as it likes.
 */

/** A Raft member's ID. 0 means "none". */
export type NodeId = number;
export const NONE: NodeId = 0;

export enum EntryType {
  Normal = 0,
  /** Data is an encoded {@link ConfChange}; it takes effect when the application applies it. */
  ConfChange = 1,
}

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

export enum ConfChangeType {
  AddNode = 0,
  RemoveNode = 1,
}

/** A single-server membership change: add or remove one voter. */
export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  /** Opaque to the core; the driver puts the member's address here so every replica learns it. */
  context?: string;
}

/** The voters of a configuration. */
export interface ConfState {
  voters: NodeId[];
}

/** What must be on disk before any message that depends on it is sent. */
export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  confState: ConfState;
}

export interface Snapshot {
  metadata: SnapshotMetadata;
  data: Uint8Array;
}

export enum MessageType {
  /** Local: start an election. */
  Hup = 0,
  /** Local: the leader's heartbeat timer fired. */
  Beat = 1,
  Prop = 2,
  App = 3,
  AppResp = 4,
  Vote = 5,
  VoteResp = 6,
  Snap = 7,
  Heartbeat = 8,
  HeartbeatResp = 9,
  /** Local: the transport could not reach a peer. */
  Unreachable = 10,
  /** Local: the transport finished (or failed) sending a snapshot. */
  SnapStatus = 11,
  /** Local: the leader's election timer fired; check it still has a quorum. */
  CheckQuorum = 12,
  TransferLeader = 13,
  TimeoutNow = 14,
  ReadIndex = 15,
  ReadIndexResp = 16,
  PreVote = 17,
  PreVoteResp = 18,
}

/** One message between Raft members (or a local event fed through `step`). */
export interface Message {
  type: MessageType;
  to: NodeId;
  from: NodeId;
  term: number;
  /** The term of the entry at `index` (App), or of the candidate's last entry (Vote). */
  logTerm: number;
  index: number;
  entries: Entry[];
  commit: number;
  reject: boolean;
  rejectHint: number;
  snapshot?: Snapshot;
  /** ReadIndex request context, or marks a Vote as part of a leadership transfer. */
  context?: string;
}

/** The outcome of a ReadIndex request: reads at `index` or later are linearizable. */
export interface ReadState {
  index: number;
  context: string;
}

export enum StateType {
  Follower = 'follower',
  PreCandidate = 'pre-candidate',
  Candidate = 'candidate',
  Leader = 'leader',
}

/** Volatile state the application may want to observe (not persisted). */
export interface SoftState {
  lead: NodeId;
  state: StateType;
  /**
   * The term this state belongs to. A driver reads a Ready after the core may have moved on (messages
   * are stepped while the Ready's write is in flight): the core's current term may already be a later
   * one, in which this node holds another state.
   */
  term: number;
}

/** The context of a Vote message sent because the leader asked the candidate to take over. */
export const CAMPAIGN_TRANSFER = 'transfer';

export function emptyHardState(): HardState {
  return { term: 0, vote: NONE, commit: 0 };
}

export function isEmptyHardState(hs: HardState): boolean {
  return hs.term === 0 && hs.vote === NONE && hs.commit === 0;
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export function emptySnapshot(): Snapshot {
  return { metadata: { index: 0, term: 0, confState: { voters: [] } }, data: new Uint8Array(0) };
}

/** A message with every field set to its zero value, overridden by `fields`. */
export function message(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    to: NONE,
    from: NONE,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    ...fields,
  };
}

/** Whether `type` is a response, which a node ignores from peers it does not know. */
export function isResponse(type: MessageType): boolean {
  return (
    type === MessageType.AppResp ||
    type === MessageType.VoteResp ||
    type === MessageType.HeartbeatResp ||
    type === MessageType.PreVoteResp ||
    type === MessageType.ReadIndexResp
  );
}

/** Whether `type` is generated locally and must never arrive from the network. */
export function isLocal(type: MessageType): boolean {
  return (
    type === MessageType.Hup ||
    type === MessageType.Beat ||
    type === MessageType.Unreachable ||
    type === MessageType.SnapStatus ||
    type === MessageType.CheckQuorum
  );
}

/** The response type that answers a (pre-)vote request. */
export function voteResponseType(type: MessageType): MessageType {
  return type === MessageType.PreVote ? MessageType.PreVoteResp : MessageType.VoteResp;
}

/** Byte size used to bound messages and batches (payload plus a fixed header estimate). */
export function entrySize(e: Entry): number {
  return e.data.byteLength + 24;
}
