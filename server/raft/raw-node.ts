import { encodeConfChange } from './conf-change.ts';
import { ProposalDroppedError } from './errors.ts';
import { Raft, type RaftConfig } from './raft.ts';
import {
  emptyHardState,
  EntryType,
  hardStateEqual,
  isLocal,
  isResponse,
  message,
  MessageType,
  NONE,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type ReadState,
  type Snapshot,
  type SoftState,
} from './types.ts';

/**
 * Everything the driver must do after the core changed, in this order (the etcd Ready contract):
 * 1. persist `hardState`, `snapshot` and `entries` in one synced write;
 * 2. only then send `messages` (they may promise what step 1 wrote: a vote, an appended entry);
 * 3. apply `snapshot` and then `committedEntries` to the state machine; serve `readStates` once the
 *    applied index reaches theirs;
 * 4. call `advance(ready)`.
 */
export interface Ready {
  /** Set when leader or role changed. Not persisted. */
  softState?: SoftState;
  /** Set when term, vote or commit changed. */
  hardState?: HardState;
  /** Entries to append to storage (replacing any conflicting suffix). */
  entries: Entry[];
  /** A snapshot from the leader to install in storage. */
  snapshot?: Snapshot;
  /** Entries committed and not yet applied; may include some of `entries`, which step 1 persisted. */
  committedEntries: Entry[];
  messages: Message[];
  readStates: ReadState[];
  /** Whether step 1 must fsync (a vote, a term or entries changed). */
  mustSync: boolean;
}

/** A snapshot of the node's state for observers and tests. */
export interface Status {
  id: NodeId;
  hardState: HardState;
  softState: SoftState;
  applied: number;
  lastIndex: number;
  voters: NodeId[];
  /** Leader only: each follower's match index. */
  progress: Map<NodeId, number>;
  leadTransferee: NodeId;
}

/**
 * The synchronous API of the Raft core. Not safe for re-entrant use: one caller drives it, calling
 * ready()/advance() in a loop around tick(), step() and the propose methods.
 */
export class RawNode {
  readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;

  constructor(cfg: RaftConfig) {
    this.raft = new Raft(cfg);
    this.prevSoft = this.raft.softState();
    // The bootstrap entries (if any) make the first Ready carry a HardState, as they must be persisted.
    this.prevHard = cfg.storage.lastIndex() === 0 ? emptyHardState() : this.raft.hardState();
  }

  /** Advances the logical clock by one tick. */
  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (tests and leadership hand-off). */
  campaign(): void {
    this.raft.step(message({ type: MessageType.Hup, from: this.raft.id }));
  }

  /**
   * Takes the proposals this node forwards to its leader out of the next Ready, for the driver to
   * send now: a forwarded proposal promises nothing about this node's disk, so it need not wait for
   * the write in progress.
   */
  takeForwardedProposals(): Message[] {
    const r = this.raft;
    const props = r.msgs.filter(m => m.type === MessageType.Prop);
    if (props.length > 0) r.msgs = r.msgs.filter(m => m.type !== MessageType.Prop);
    return props;
  }

  /** Forgets a follower's leader (see Raft.forgetLeader); campaign() afterwards to replace it fast. */
  forgetLeader(): void {
    this.raft.forgetLeader();
  }

  /**
   * Proposes one entry per item; they are appended as one batch. Throws ProposalDroppedError if there
   * is no leader to take it or a transfer is in progress.
   */
  propose(...data: Uint8Array[]): void {
    this.raft.step(
      message({
        type: MessageType.Prop,
        from: this.raft.id,
        entries: data.map(d => ({ term: 0, index: 0, type: EntryType.Normal, data: d })),
      }),
    );
  }

  /** Proposes a membership change. Only one may be in progress at a time. */
  proposeConfChange(cc: ConfChange): void {
    this.raft.step(
      message({
        type: MessageType.Prop,
        from: this.raft.id,
        entries: [{ term: 0, index: 0, type: EntryType.ConfChange, data: encodeConfChange(cc) }],
      }),
    );
  }

  /** Applies a committed conf change entry; returns the new configuration (for snapshots). */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /**
   * Feeds a message from a peer. Local message types and responses from unknown peers are ignored;
   * a forwarded proposal this node cannot take is dropped (its proposer times out and retries).
   */
  step(m: Message): void {
    if (isLocal(m.type)) return;
    if (isResponse(m.type) && !this.raft.prs.has(m.from) && m.type !== MessageType.ReadIndexResp) {
      // Responses from non-voters can still matter to a (pre-)candidate's term; etcd drops them.
      return;
    }
    try {
      this.raft.step(m);
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) throw err;
    }
  }

  /** Asks for a linearizable read; a ReadState with this context appears in a later Ready. */
  readIndex(context: string): void {
    this.raft.step(message({ type: MessageType.ReadIndex, entries: [], context }));
  }

  /** Asks the leader to hand leadership to `transferee`. */
  transferLeadership(transferee: NodeId): void {
    this.raft.step(message({ type: MessageType.TransferLeader, from: transferee, to: this.raft.lead }));
  }

  /** The transport could not deliver to `id`: stop pipelining to it. */
  reportUnreachable(id: NodeId): void {
    this.raft.step(message({ type: MessageType.Unreachable, from: id }));
  }

  /** The transport finished sending a snapshot to `id`, or failed. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.step(message({ type: MessageType.SnapStatus, from: id, reject: !ok }));
  }

  hasReady(): boolean {
    const r = this.raft;
    r.flushProposals();
    const soft = r.softState();
    if (softStateChanged(soft, this.prevSoft)) return true;
    if (!hardStateEqual(r.hardState(), this.prevHard)) return true;
    if (r.raftLog.unstable.snapshot !== undefined) return true;
    return (
      r.msgs.length > 0 ||
      r.raftLog.unstableEntries().length > 0 ||
      r.raftLog.hasNextCommittedEntries() ||
      r.readStates.length > 0
    );
  }

  /** What the driver must do now (see {@link Ready}). Call advance() with it when done. */
  ready(): Ready {
    const r = this.raft;
    r.flushProposals();
    const rd: Ready = {
      entries: [...r.raftLog.unstableEntries()],
      committedEntries: r.raftLog.nextCommittedEntries(),
      messages: r.msgs,
      readStates: r.readStates,
      mustSync: false,
    };
    const soft = r.softState();
    if (softStateChanged(soft, this.prevSoft)) rd.softState = soft;
    const hard = r.hardState();
    if (!hardStateEqual(hard, this.prevHard)) rd.hardState = hard;
    const snap = r.raftLog.unstable.snapshot;
    if (snap !== undefined) rd.snapshot = snap;
    rd.mustSync =
      rd.entries.length > 0 ||
      (rd.hardState !== undefined && (hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote));
    r.msgs = [];
    r.readStates = [];
    return rd;
  }

  /** Tells the core that the driver finished with `rd`: what it persisted is stable, what it applied is applied. */
  advance(rd: Ready): void {
    const r = this.raft;
    if (rd.softState !== undefined) this.prevSoft = rd.softState;
    if (rd.hardState !== undefined) this.prevHard = rd.hardState;
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastCommitted !== undefined) r.raftLog.appliedTo(lastCommitted.index);
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) r.raftLog.stableTo(lastEntry.index, lastEntry.term);
    if (rd.snapshot !== undefined) {
      r.raftLog.stableSnapTo(rd.snapshot.metadata.index);
      // The state machine now reflects the snapshot.
      if (r.raftLog.applied < rd.snapshot.metadata.index) r.raftLog.applied = rd.snapshot.metadata.index;
    }
  }

  status(): Status {
    const r = this.raft;
    const progress = new Map<NodeId, number>();
    if (r.lead === r.id) for (const [id, pr] of r.prs.progress) progress.set(id, pr.match);
    return {
      id: r.id,
      hardState: r.hardState(),
      softState: r.softState(),
      applied: r.raftLog.applied,
      lastIndex: r.raftLog.lastIndex(),
      voters: r.prs.voters(),
      progress,
      leadTransferee: r.leadTransferee === NONE ? NONE : r.leadTransferee,
    };
  }
}

/**
 * Whether the Ready must report the soft state. A new term counts even with the same leader and role: a
 * leader deposed and re-elected between two Readys leads in another term, and its leader-only work
 * (fenced to the term it started in) must hear of it.
 */
function softStateChanged(a: SoftState, b: SoftState): boolean {
  return a.lead !== b.lead || a.state !== b.state || a.term !== b.term;
}
