/**
 * The Raft state machine: leader election with PreVote and CheckQuorum, log replication with batching
 * and pipelining, commitment, snapshots, single-server membership changes, leadership transfer and
 * ReadIndex. It is pure: time arrives as tick(), input as step(), randomness from an injected Rng, and
 * all output accumulates in `msgs` and `readStates` for the RawNode to hand out in a Ready.
 *
 * One file past 500 lines on purpose: it is one state machine whose every handler reads and writes the
 * same term, vote, role and progress, and whose safety is argued across handlers (etcd's raft.go is one
 * file for the same reason). The parts that stand alone already live beside it: the log, progress
 * tracking, ReadIndex bookkeeping, configuration changes.
 */
import { decodeConfChange, encodeConfChange } from './conf-change.ts';
import {
  ConfigError,
  ProposalDroppedError,
  SnapshotTemporarilyUnavailableError,
  CompactedError,
} from './errors.ts';
import { RaftLog } from './log.ts';
import { ProgressState, ProgressTracker } from './progress.ts';
import { ReadOnly } from './read-only.ts';
import type { Rng } from './rng.ts';
import type { Storage } from './storage.ts';
import {
  CAMPAIGN_TRANSFER,
  isEmptyHardState,
  ConfChangeType,
  EntryType,
  message,
  MessageType,
  NONE,
  StateType,
  voteResponseType,
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

export interface RaftConfig {
  /** This node's ID; never 0. */
  id: NodeId;
  storage: Storage;
  /** Ticks without hearing from a leader before campaigning (randomized in [n, 2n)). @default 10 */
  electionTick?: number;
  /** Ticks between a leader's heartbeats. Must be < electionTick. @default 1 */
  heartbeatTick?: number;
  /** The last index the application has applied (on restart). @default 0 */
  applied?: number;
  /** Upper bound on the bytes of entries in one append. @default 1 MiB */
  maxSizePerMsg?: number;
  /** Upper bound on appends in flight to one follower. @default 256 */
  maxInflightMsgs?: number;
  /** Upper bound on the bytes of committed entries in one Ready. @default 64 MiB */
  maxApplyBytes?: number;
  /** Step down when a quorum has not been heard from for an election timeout. @default true */
  checkQuorum?: boolean;
  /** Ask for votes without bumping the term first, so a partitioned node cannot disrupt. @default true */
  preVote?: boolean;
  rng: Rng;
  /** Initial voters when storage is empty (a brand new cluster); ignored once storage has a config. */
  peers?: NodeId[];
  /** Context for each initial voter's ConfChange entry (the driver puts addresses there). */
  peerContexts?: ReadonlyMap<NodeId, string>;
}

type StepFn = (m: Message) => void;

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  state = StateType.Follower;
  readonly raftLog: RaftLog;
  readonly prs: ProgressTracker;
  msgs: Message[] = [];
  readStates: ReadState[] = [];

  /** Target of a leadership transfer in progress, or NONE. */
  leadTransferee: NodeId = NONE;
  /** No new conf change may be proposed until this index is applied: one change at a time. */
  pendingConfIndex = 0;

  private readonly readOnly = new ReadOnly();
  /** Proposals were appended to the log and not yet sent to followers. */
  private proposalsPending = false;
  /** ReadIndex requests that arrived before the leader committed an entry of its term. */
  private pendingReadIndexMessages: Message[] = [];

  private readonly electionTimeout: number;
  private readonly heartbeatTimeout: number;
  private readonly maxSizePerMsg: number;
  private readonly checkQuorum: boolean;
  private readonly preVote: boolean;
  private readonly rng: Rng;
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private stepFn: StepFn;
  private tickFn: () => void;

  constructor(cfg: RaftConfig) {
    if (cfg.id === NONE) throw new ConfigError('raft: cannot use none as id');
    const electionTick = cfg.electionTick ?? 10;
    const heartbeatTick = cfg.heartbeatTick ?? 1;
    if (heartbeatTick <= 0) throw new ConfigError('raft: heartbeat tick must be greater than 0');
    if (electionTick <= heartbeatTick)
      throw new ConfigError('raft: election tick must be greater than heartbeat tick');
    this.id = cfg.id;
    this.electionTimeout = electionTick;
    this.heartbeatTimeout = heartbeatTick;
    this.maxSizePerMsg = cfg.maxSizePerMsg ?? 1024 * 1024;
    this.checkQuorum = cfg.checkQuorum ?? true;
    this.preVote = cfg.preVote ?? true;
    this.rng = cfg.rng;
    this.prs = new ProgressTracker(cfg.maxInflightMsgs ?? 256);
    this.raftLog = new RaftLog(cfg.storage, cfg.maxApplyBytes ?? 64 * 1024 * 1024);

    const { hardState, confState } = cfg.storage.initialState();
    for (const v of confState.voters) this.prs.add(v, 0, 1);
    if (!isEmptyHardState(hardState)) this.loadState(hardState);
    if (cfg.applied !== undefined && cfg.applied > 0) this.raftLog.appliedTo(cfg.applied);

    this.stepFn = this.stepFollower;
    this.tickFn = this.tickElection;
    this.becomeFollower(this.term, NONE);
    const fresh = isEmptyHardState(hardState) && cfg.storage.lastIndex() === 0;
    if (fresh && cfg.peers !== undefined && cfg.peers.length > 0) this.bootstrap(cfg.peers, cfg.peerContexts);
  }

  /**
   * Starts a brand-new cluster: the initial voters become committed ConfChange entries at term 1, so
   * the configuration lives in the log and a member that joins later rebuilds it by replaying the log.
   * Every founding member must bootstrap with the same peers.
   */
  private bootstrap(peers: NodeId[], contexts: ReadonlyMap<NodeId, string> | undefined): void {
    this.becomeFollower(1, NONE);
    const ents = peers.map((nodeId, i) => ({
      term: 1,
      index: i + 1,
      type: EntryType.ConfChange,
      data: encodeConfChange({ type: ConfChangeType.AddNode, nodeId, context: contexts?.get(nodeId) ?? '' }),
    }));
    this.raftLog.append(ents);
    this.raftLog.committed = ents.length;
    // The application applies these entries again when they come out of Ready; AddNode is idempotent.
    for (const nodeId of peers) this.applyConfChange({ type: ConfChangeType.AddNode, nodeId });
  }

  softState(): SoftState {
    return { lead: this.lead, state: this.state, term: this.term };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  /** Whether this node may become leader: it is a voter in its current configuration. */
  promotable(): boolean {
    return this.prs.has(this.id);
  }

  private loadState(hs: HardState): void {
    if (hs.commit < this.raftLog.committed || hs.commit > this.raftLog.lastIndex()) {
      throw new Error(
        `raft: state.commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`,
      );
    }
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  // --- sending -------------------------------------------------------------------------------------

  private send(m: Message): void {
    if (m.from === NONE) m.from = this.id;
    // Vote messages carry the term they are for (a pre-vote's is the next term); everything
    // else carries ours, except proposals and forwarded reads which are term-less.
    if (
      m.type !== MessageType.Vote &&
      m.type !== MessageType.VoteResp &&
      m.type !== MessageType.PreVote &&
      m.type !== MessageType.PreVoteResp &&
      m.type !== MessageType.Prop &&
      m.type !== MessageType.ReadIndex
    ) {
      m.term = this.term;
    }
    this.msgs.push(m);
  }

  /** Sends an append (or a snapshot, if the follower needs compacted entries). Returns whether it sent. */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.prs.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    let prevTerm: number;
    let ents: Entry[];
    try {
      prevTerm = this.raftLog.termOrCompacted(prevIndex);
      ents = this.raftLog.entries(pr.next, this.maxSizePerMsg);
    } catch (err) {
      if (!(err instanceof CompactedError)) throw err;
      return this.sendSnapshot(to);
    }
    if (ents.length === 0 && !sendIfEmpty) return false;
    const last = ents[ents.length - 1];
    if (last !== undefined) {
      if (pr.state === ProgressState.Replicate) {
        pr.optimisticUpdate(last.index);
        pr.inflights.add(last.index);
      } else if (pr.state === ProgressState.Probe) {
        pr.probeSent = true;
      }
    }
    this.send(
      message({
        type: MessageType.App,
        to,
        index: prevIndex,
        logTerm: prevTerm,
        entries: ents,
        commit: this.raftLog.committed,
      }),
    );
    return true;
  }

  private sendSnapshot(to: NodeId): boolean {
    const pr = this.prs.get(to);
    if (pr === undefined || !pr.recentActive) return false;
    let snapshot: Snapshot;
    try {
      snapshot = this.raftLog.snapshot();
    } catch (err) {
      if (err instanceof SnapshotTemporarilyUnavailableError) return false;
      throw err;
    }
    if (snapshot.metadata.index === 0) throw new Error('raft: need a non-empty snapshot');
    pr.becomeSnapshot(snapshot.metadata.index);
    this.send(message({ type: MessageType.Snap, to, snapshot }));
    return true;
  }

  private sendHeartbeat(to: NodeId, context: string | undefined): void {
    const pr = this.prs.get(to);
    // Never tell a follower to commit beyond what it is known to have.
    const commit = Math.min(pr?.match ?? 0, this.raftLog.committed);
    const m = message({ type: MessageType.Heartbeat, to, commit });
    if (context !== undefined) m.context = context;
    this.send(m);
  }

  private forEachPeer(fn: (id: NodeId) => void): void {
    for (const id of this.prs.progress.keys()) if (id !== this.id) fn(id);
  }

  bcastAppend(): void {
    this.forEachPeer(id => this.maybeSendAppend(id, true));
  }

  private bcastHeartbeat(context: string | undefined): void {
    this.forEachPeer(id => this.sendHeartbeat(id, context));
  }

  /** Advances the commit index if a quorum has a newer entry of this term. */
  private maybeCommit(): boolean {
    return this.raftLog.maybeCommit(this.prs.committed(), this.term);
  }

  // --- state transitions ---------------------------------------------------------------------------

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTimeout + this.rng.int(this.electionTimeout);
    this.abortLeaderTransfer();
    this.prs.resetVotes();
    const last = this.raftLog.lastIndex();
    for (const id of this.prs.voters()) {
      this.prs.add(id, id === this.id ? last : 0, last + 1).recentActive = id === this.id;
    }
    this.pendingConfIndex = 0;
    this.readOnly.reset();
    this.pendingReadIndexMessages = [];
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.stepFn = this.stepFollower;
    this.tickFn = this.tickElection;
    this.reset(term);
    this.lead = lead;
    this.state = StateType.Follower;
  }

  /**
   * A follower's hint that its leader is gone (its connection died): forget it, so this node grants
   * votes at once instead of honouring the leader's lease until the election timeout (etcd's
   * ForgetLeader). Safe: reads go through ReadIndex, not leases, and a live leader's next message
   * restores it. A wrong hint costs nothing while the other followers still hear the leader.
   */
  forgetLeader(): void {
    if (this.state === StateType.Follower) this.lead = NONE;
  }

  private becomeCandidate(): void {
    if (this.state === StateType.Leader) throw new Error('raft: invalid transition [leader -> candidate]');
    this.stepFn = this.stepCandidate;
    this.tickFn = this.tickElection;
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = StateType.Candidate;
  }

  private becomePreCandidate(): void {
    if (this.state === StateType.Leader)
      throw new Error('raft: invalid transition [leader -> pre-candidate]');
    // A pre-candidate changes neither its term nor its vote: that is the point of PreVote.
    this.stepFn = this.stepCandidate;
    this.tickFn = this.tickElection;
    this.prs.resetVotes();
    this.lead = NONE;
    this.state = StateType.PreCandidate;
  }

  private becomeLeader(): void {
    if (this.state === StateType.Follower) throw new Error('raft: invalid transition [follower -> leader]');
    this.stepFn = this.stepLeader;
    this.tickFn = this.tickHeartbeat;
    this.reset(this.term);
    this.lead = this.id;
    this.state = StateType.Leader;
    this.prs.get(this.id)?.becomeReplicate();
    // Conservatively forbid conf changes until everything before this term is applied: a new
    // leader may have an unapplied change in its log.
    this.pendingConfIndex = this.raftLog.lastIndex();
    // An empty entry of our own term lets us commit everything before it (§5.4.2).
    this.appendEntries([{ term: 0, index: 0, type: EntryType.Normal, data: new Uint8Array(0) }]);
  }

  private appendEntries(ents: Entry[]): void {
    let li = this.raftLog.lastIndex();
    for (const e of ents) {
      e.term = this.term;
      e.index = ++li;
    }
    li = this.raftLog.append(ents);
    this.prs.get(this.id)?.maybeUpdate(li);
    this.maybeCommit();
  }

  // --- ticks ---------------------------------------------------------------------------------------

  tick(): void {
    this.tickFn();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(message({ type: MessageType.Hup, from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.step(message({ type: MessageType.CheckQuorum, from: this.id }));
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.state === StateType.Leader && this.leadTransferee !== NONE) this.abortLeaderTransfer();
    }
    if (this.state !== StateType.Leader) return;
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.step(message({ type: MessageType.Beat, from: this.id }));
    }
  }

  // --- elections -----------------------------------------------------------------------------------

  private hup(transfer: boolean): void {
    if (this.state === StateType.Leader || !this.promotable()) return;
    if (this.hasUnappliedConfChanges()) return;
    if (this.preVote && !transfer) this.campaign('pre-election', false);
    else this.campaign('election', transfer);
  }

  /** Whether a committed conf change is not applied yet: the configuration we would campaign with is stale. */
  private hasUnappliedConfChanges(): boolean {
    const log = this.raftLog;
    if (log.applied >= log.committed) return false;
    const lo = Math.max(log.applied + 1, log.firstIndex());
    for (const e of log.slice(lo, log.committed + 1, Number.MAX_SAFE_INTEGER)) {
      if (e.type === EntryType.ConfChange) return true;
    }
    return false;
  }

  private campaign(kind: 'pre-election' | 'election', transfer: boolean): void {
    let term: number;
    let voteType: MessageType;
    if (kind === 'pre-election') {
      this.becomePreCandidate();
      voteType = MessageType.PreVote;
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = MessageType.Vote;
      term = this.term;
    }
    if (this.poll(this.id, true) === 'won') {
      // A single-node cluster wins at once.
      if (kind === 'pre-election') this.campaign('election', false);
      else this.becomeLeader();
      return;
    }
    this.forEachPeer(id => {
      const m = message({
        type: voteType,
        to: id,
        term,
        index: this.raftLog.lastIndex(),
        logTerm: this.raftLog.lastTerm(),
      });
      if (transfer) m.context = CAMPAIGN_TRANSFER;
      this.send(m);
    });
  }

  private poll(id: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    this.prs.recordVote(id, granted);
    return this.prs.tallyVotes();
  }

  // --- step ----------------------------------------------------------------------------------------

  /** Feeds one message (from a peer, or a local event) into the state machine. */
  step(m: Message): void {
    if (!this.stepTerm(m)) return;
    switch (m.type) {
      case MessageType.Hup:
        this.hup(false);
        return;
      case MessageType.Vote:
      case MessageType.PreVote:
        this.handleVoteRequest(m);
        return;
      default:
        this.stepFn.call(this, m);
    }
  }

  /** The rules every message's term is checked against first. Returns false if m is consumed. */
  private stepTerm(m: Message): boolean {
    if (m.term === 0) return true; // local message or term-less proposal/read
    if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const force = m.context === CAMPAIGN_TRANSFER;
        const inLease = this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTimeout;
        // We heard from a leader recently: ignore the request so a node that was cut off cannot
        // depose a working leader (§4.2.3 of the thesis).
        if (!force && inLease) return false;
      }
      if (m.type === MessageType.PreVote) {
        // Never change our term for a pre-vote.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // The term in a granted pre-vote response is the one we asked for; we bump it when we win.
      } else if (
        m.type === MessageType.App ||
        m.type === MessageType.Heartbeat ||
        m.type === MessageType.Snap
      ) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
      return true;
    }
    if (m.term < this.term) {
      if (
        (this.checkQuorum || this.preVote) &&
        (m.type === MessageType.Heartbeat || m.type === MessageType.App)
      ) {
        // A stale leader: tell it our term so it steps down. Without this, a node that was partitioned
        // with PreVote on could never learn the new term and would block forever.
        this.send(message({ type: MessageType.AppResp, to: m.from }));
      } else if (m.type === MessageType.PreVote) {
        this.send(message({ type: MessageType.PreVoteResp, to: m.from, term: this.term, reject: true }));
      }
      return false;
    }
    return true;
  }

  private handleVoteRequest(m: Message): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === MessageType.PreVote && m.term > this.term);
    if (canVote && this.raftLog.isUpToDate(m.index, m.logTerm)) {
      // The response carries the request's term: for a pre-vote it is the future term, so the
      // candidate can tell our answer from a stale one.
      this.send(message({ type: voteResponseType(m.type), to: m.from, term: m.term }));
      if (m.type === MessageType.Vote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send(message({ type: voteResponseType(m.type), to: m.from, term: this.term, reject: true }));
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case MessageType.Beat:
        this.bcastHeartbeat(this.readOnly.lastPendingContext());
        return;
      case MessageType.CheckQuorum:
        if (!this.prs.quorumActive()) {
          this.becomeFollower(this.term, NONE);
          return;
        }
        for (const [id, pr] of this.prs.progress) pr.recentActive = id === this.id;
        return;
      case MessageType.Prop:
        this.handleProposal(m);
        return;
      case MessageType.ReadIndex:
        this.handleReadIndex(m);
        return;
      case MessageType.TransferLeader:
        this.handleTransferLeader(m);
        return;
    }
    const pr = this.prs.get(m.from);
    if (pr === undefined) return;
    switch (m.type) {
      case MessageType.AppResp: {
        pr.recentActive = true;
        if (m.reject) {
          let nextProbe = m.rejectHint;
          if (m.logTerm > 0) nextProbe = this.raftLog.findConflictByTerm(m.rejectHint, m.logTerm).index;
          if (pr.maybeDecrTo(m.index, nextProbe)) {
            if (pr.state === ProgressState.Replicate) pr.becomeProbe();
            this.maybeSendAppend(m.from, true);
          }
          return;
        }
        const wasPaused = pr.isPaused();
        // A probe answered at the match we already knew still proves the follower's position.
        if (pr.maybeUpdate(m.index) || (pr.match === m.index && pr.state === ProgressState.Probe)) {
          if (pr.state === ProgressState.Probe) {
            pr.becomeReplicate();
          } else if (pr.state === ProgressState.Snapshot && pr.match + 1 >= this.raftLog.firstIndex()) {
            // The follower caught up through the snapshot (or otherwise); resume normal replication.
            pr.becomeProbe();
            pr.becomeReplicate();
          } else if (pr.state === ProgressState.Replicate) {
            pr.inflights.freeLE(m.index);
          }
          if (this.maybeCommit()) {
            this.releasePendingReadIndexMessages();
            this.bcastAppend();
          } else if (wasPaused) {
            // While paused, the follower may have missed a commit index change: send it now.
            this.maybeSendAppend(m.from, true);
          }
          // Fill the pipeline while there is room and something to send.
          while (this.maybeSendAppend(m.from, false)) {
            /* keep sending */
          }
          if (m.from === this.leadTransferee && pr.match === this.raftLog.lastIndex()) {
            this.send(message({ type: MessageType.TimeoutNow, to: m.from }));
          }
        }
        return;
      }
      case MessageType.HeartbeatResp: {
        pr.recentActive = true;
        pr.probeSent = false;
        if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
        if (pr.match < this.raftLog.lastIndex()) this.maybeSendAppend(m.from, true);
        if (m.context === undefined) return;
        this.readOnly.recvAck(m.from, m.context);
        this.releaseConfirmedReads();
        return;
      }
      case MessageType.SnapStatus:
        if (pr.state !== ProgressState.Snapshot) return;
        if (m.reject) pr.pendingSnapshot = 0;
        // Wait for the next heartbeat response (or append response) before probing again.
        pr.becomeProbe();
        pr.probeSent = true;
        return;
      case MessageType.Unreachable:
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        return;
    }
  }

  private handleProposal(m: Message): void {
    if (m.entries.length === 0) throw new Error('raft: stepped empty proposal');
    if (!this.prs.has(this.id))
      throw new ProposalDroppedError('this node was removed from the configuration');
    if (this.leadTransferee !== NONE) throw new ProposalDroppedError('leadership transfer in progress');
    for (const e of m.entries) {
      if (e.type !== EntryType.ConfChange) continue;
      const cc = decodeConfChange(e.data);
      // A leader that removed itself would step down the moment it applied the change, before any
      // other member learned the change was committed: they would keep it in their configuration,
      // need its vote, and could never elect again. It hands leadership over first.
      if (cc.type === ConfChangeType.RemoveNode && cc.nodeId === this.id) {
        throw new ProposalDroppedError('the leader cannot remove itself: hand leadership over first');
      }
    }
    for (const [i, e] of m.entries.entries()) {
      if (e.type !== EntryType.ConfChange) continue;
      if (this.pendingConfIndex > this.raftLog.applied) {
        throw new ProposalDroppedError('a configuration change is already in progress');
      }
      this.pendingConfIndex = this.raftLog.lastIndex() + i + 1;
    }
    // Copy: the caller's entry objects are stamped with term and index.
    this.appendEntries(m.entries.map(e => ({ ...e })));
    // Batching: every proposal until the next Ready goes out in one append per follower.
    this.proposalsPending = true;
  }

  /** Sends the appends for proposals accepted since the last Ready (the RawNode calls it). */
  flushProposals(): void {
    if (!this.proposalsPending) return;
    this.proposalsPending = false;
    if (this.state === StateType.Leader) this.bcastAppend();
  }

  private handleReadIndex(m: Message): void {
    if (this.prs.voters().length === 1) {
      this.respondToReadIndex(m, this.raftLog.committed);
      return;
    }
    // Until an entry of this term commits, our commit index may lag what a previous leader committed.
    if (!this.committedEntryInCurrentTerm()) {
      this.pendingReadIndexMessages.push(m);
      return;
    }
    this.startReadIndex(m);
  }

  private startReadIndex(m: Message): void {
    const ctx = m.context ?? '';
    this.readOnly.addRequest(this.raftLog.committed, m);
    this.readOnly.recvAck(this.id, ctx);
    this.bcastHeartbeat(ctx);
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.raftLog.term(this.raftLog.committed) === this.term;
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const msgs = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of msgs) this.startReadIndex(m);
  }

  private respondToReadIndex(req: Message, index: number): void {
    const context = req.context ?? '';
    if (req.from === NONE || req.from === this.id) {
      this.readStates.push({ index, context });
    } else {
      this.send(message({ type: MessageType.ReadIndexResp, to: req.from, index, context }));
    }
  }

  private handleTransferLeader(m: Message): void {
    const transferee = m.from;
    if (!this.prs.has(transferee)) return;
    if (this.leadTransferee !== NONE) {
      if (this.leadTransferee === transferee) return;
      this.abortLeaderTransfer();
    }
    if (transferee === this.id) return;
    // The transfer must finish within one election timeout.
    this.electionElapsed = 0;
    this.leadTransferee = transferee;
    const pr = this.prs.get(transferee);
    if (pr !== undefined && pr.match === this.raftLog.lastIndex()) {
      this.send(message({ type: MessageType.TimeoutNow, to: transferee }));
    } else {
      this.maybeSendAppend(transferee, true);
    }
  }

  private abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  private stepCandidate(m: Message): void {
    const myVoteResp = this.state === StateType.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
    switch (m.type) {
      case MessageType.Prop:
        throw new ProposalDroppedError('no leader');
      case MessageType.App:
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case myVoteResp: {
        const result = this.poll(m.from, !m.reject);
        if (result === 'won') {
          if (this.state === StateType.PreCandidate) {
            this.campaign('election', false);
          } else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (result === 'lost') {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.Prop:
        if (this.lead === NONE) throw new ProposalDroppedError('no leader');
        this.send({ ...m, to: this.lead });
        return;
      case MessageType.App:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.TransferLeader:
        if (this.lead === NONE) return;
        this.send({ ...m, to: this.lead });
        return;
      case MessageType.TimeoutNow:
        // The leader asked us to take over: campaign at once, skipping PreVote.
        this.hup(true);
        return;
      case MessageType.ReadIndex:
        if (this.lead === NONE) throw new ProposalDroppedError('no leader to serve a read');
        this.send({ ...m, to: this.lead });
        return;
      case MessageType.ReadIndexResp:
        this.readStates.push({ index: m.index, context: m.context ?? '' });
        return;
    }
  }

  private handleAppendEntries(m: Message): void {
    if (m.index < this.raftLog.committed) {
      this.send(message({ type: MessageType.AppResp, to: m.from, index: this.raftLog.committed }));
      return;
    }
    const lastNew = this.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.send(message({ type: MessageType.AppResp, to: m.from, index: lastNew }));
      return;
    }
    // Tell the leader the largest index it could match, and its term, so it can skip a whole term
    // of mismatching entries in one round trip.
    const hint = this.raftLog.findConflictByTerm(Math.min(m.index, this.raftLog.lastIndex()), m.logTerm);
    this.send(
      message({
        type: MessageType.AppResp,
        to: m.from,
        index: m.index,
        reject: true,
        rejectHint: hint.index,
        logTerm: hint.term,
      }),
    );
  }

  private handleHeartbeat(m: Message): void {
    this.raftLog.commitTo(Math.min(m.commit, this.raftLog.lastIndex()));
    const resp = message({ type: MessageType.HeartbeatResp, to: m.from });
    if (m.context !== undefined) resp.context = m.context;
    this.send(resp);
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    if (s !== undefined && this.restore(s)) {
      this.send(message({ type: MessageType.AppResp, to: m.from, index: this.raftLog.lastIndex() }));
    } else {
      this.send(message({ type: MessageType.AppResp, to: m.from, index: this.raftLog.committed }));
    }
  }

  /** Installs a snapshot from the leader. Returns false if it is not newer than what we have. */
  private restore(s: Snapshot): boolean {
    const { index, term } = s.metadata;
    if (index <= this.raftLog.committed) return false;
    if (this.raftLog.matchTerm(index, term)) {
      // We already have the snapshot's last entry: just fast-forward the commit index.
      this.raftLog.commitTo(index);
      return false;
    }
    this.raftLog.restore(s);
    this.resetConfig(s.metadata.confState);
    return true;
  }

  private resetConfig(cs: ConfState): void {
    for (const id of this.prs.voters()) this.prs.remove(id);
    const last = this.raftLog.lastIndex();
    for (const id of cs.voters) this.prs.add(id, id === this.id ? last : 0, last + 1);
  }

  // --- membership ----------------------------------------------------------------------------------

  /** Applies a committed conf change (called by the application when it applies the entry). */
  applyConfChange(cc: ConfChange): ConfState {
    if (cc.type === ConfChangeType.AddNode) {
      if (!this.prs.has(cc.nodeId)) {
        const pr = this.prs.add(cc.nodeId, 0, this.raftLog.lastIndex() + 1);
        // A new member counts as active, or CheckQuorum could depose us before it has spoken.
        pr.recentActive = true;
      }
    } else {
      this.prs.remove(cc.nodeId);
    }
    if (this.state === StateType.Leader) {
      if (!this.prs.has(this.id)) {
        // We removed ourselves: stop leading; the remaining members elect a leader among themselves.
        this.becomeFollower(this.term, NONE);
      } else {
        if (this.leadTransferee !== NONE && !this.prs.has(this.leadTransferee)) this.abortLeaderTransfer();
        // The quorum changed: something may be committed now, and new members need the log.
        if (this.maybeCommit()) this.bcastAppend();
        else this.forEachPeer(id => this.maybeSendAppend(id, false));
        // Pending reads are judged by the new quorum: a removed member will never answer them, and a
        // smaller configuration (a single voter: our own ack) may have confirmed them already.
        this.releaseConfirmedReads();
      }
    }
    return { voters: this.prs.voters() };
  }

  /** Answers every pending ReadIndex up to the latest one whose heartbeat a quorum of voters acknowledged. */
  private releaseConfirmedReads(): void {
    const ctx = this.readOnly.lastConfirmed(
      acks => [...acks].filter(id => this.prs.has(id)).length >= this.prs.quorum(),
    );
    if (ctx === undefined) return;
    for (const rs of this.readOnly.advance(ctx)) this.respondToReadIndex(rs.req, rs.index);
  }

  /** Decodes and applies a ConfChange entry's data. */
  applyConfChangeEntry(e: Entry): ConfState {
    return this.applyConfChange(decodeConfChange(e.data));
  }
}
