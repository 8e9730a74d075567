/**
 * The I/O shell around the pure Raft core: a ticker, durable storage, the transport and the Ready
 * loop, in the contract's order: persist (one synced write) → send → apply → advance. It turns
 * proposals into promises that settle when the entry is applied here, serves linearizable reads
 * through ReadIndex, and carries member addresses in ConfChange contexts and snapshots.
 *
 * Over 500 lines as one thing: the Ready loop and the calls it settles (proposals, reads, membership
 * changes, retries after a leader change) share the applied index, the waiters and the leader, and each
 * step of the loop touches all of them. Its errors and snapshot format live beside it
 * (raft-node-errors.ts, snapshot-data.ts).
 */
import type { Logger } from 'pino';
import {
  ConfChangeType,
  decodeConfChange,
  EntryType,
  MessageType,
  ProposalDroppedError,
  RawNode,
  scheduleReady,
  SeededRng,
  StateType,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type Ready,
  type Snapshot,
  type Storage,
} from '../raft/index.ts';
import { randomInt } from 'node:crypto';
import { ConfChangeQueue, type ConfChangeRequest } from './conf-change-queue.ts';
import { decodeProposal, encodeProposal, isOwnProposal, readContext } from './proposal-envelope.ts';
import { ProposalSessions } from './proposal-sessions.ts';
import {
  MAX_PROPOSAL_BYTES,
  NO_LEADER,
  ProposalTooLargeError,
  RaftUnavailableError,
} from './raft-node-errors.ts';
import { decodeSnapshotData, encodeSnapshotData } from './snapshot-data.ts';
import type { RaftTransport } from './transport.ts';

export {
  MAX_PROPOSAL_BYTES,
  NO_LEADER,
  ProposalTooLargeError,
  RaftUnavailableError,
} from './raft-node-errors.ts';

/** Storage the driver can write to: the core reads it, the driver persists each Ready into it. */
export interface DurableStorage extends Storage {
  persist(change: { hardState?: HardState; entries?: Entry[]; snapshot?: Snapshot }): Promise<void>;
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Promise<unknown>;
  compact(index: number): Promise<void>;
}

/** What Raft replicates into: the manager's store, in production. */
export interface StateMachine {
  /** Applies one committed command; the result settles the proposer's promise (on the proposing node). */
  apply(payload: Uint8Array, index: number): unknown;
  snapshot(): Uint8Array;
  /**
   * The bytes of `snapshot()` in pieces, of the state as it is when called: the node answers other work
   * (heartbeats, reads) between pieces instead of stalling for the whole state.
   */
  snapshotPieces?(): Iterable<Uint8Array>;
  restore(data: Uint8Array): void;
}

export interface RaftNodeOptions {
  id: NodeId;
  /** This manager's address for peers (host:port). */
  addr: string;
  storage: DurableStorage;
  transport: RaftTransport;
  stateMachine: StateMachine;
  log: Logger;
  /** Founding members with their addresses, for a brand-new cluster (ignored once the log has a config). */
  bootstrap?: Map<NodeId, string>;
  /** Known members' addresses for a member that just joined with an empty log (its log fills them in later). */
  peers?: Map<NodeId, string>;
  /** @default 100 */
  tickMs?: number;
  /** @default 10 */
  electionTick?: number;
  /**
   * Take a snapshot and compact the log after at least this many applied entries, and once the log
   * since the last snapshot holds at least as many bytes as that snapshot. @default 10000
   */
  snapshotEvery?: number;
  /** How long a proposal or read may wait for its outcome. @default 10000 */
  proposalTimeoutMs?: number;
  /** Called when this node learns a new leader (or loses it: 0), or leads again in a later term. */
  onLeaderChange?: (leader: NodeId, term: number) => void;
  /** A disk write failed: the node stopped; the process should exit. */
  onFatal?: (err: Error) => void;
  /** The largest payload one proposal may carry. @default MAX_PROPOSAL_BYTES */
  maxProposalBytes?: number;
}

/**
 * How many election timeouts of ticks without a leader before calls fail at once instead of waiting out
 * their timeout. An election takes one timeout (randomized up to two), a split vote another: four mean
 * the managers cannot elect. Counted in ticks, which a busy machine slows down as it slows elections.
 */
const LEADERLESS_ELECTIONS = 4;

interface Waiter {
  resolve(v: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  /** Starts the operation again (it was dropped before reaching a leader). */
  retry(): void;
}

export class RaftNode {
  readonly id: NodeId;
  private readonly raw: RawNode;
  private readonly o: RaftNodeOptions;
  private ticker: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  /** This run of the process: with the member's ID and `seq`, what names a proposal (proposal-envelope.ts). */
  private readonly run = randomInt(1, 2 ** 48);
  private seq = 0;
  private readonly proposals = new Map<number, Waiter>();
  /** Membership changes asked here, proposed one at a time. */
  private readonly confChanges = new ConfChangeQueue<Waiter & { lastDrop: string }>();
  private readonly reads = new Map<string, Waiter>();
  /** Reads whose index is known, waiting for apply to reach it. */
  private readonly readsAt: { index: number; waiter: Waiter }[] = [];
  private applied: number;
  private confState: ConfState;
  private snapshotIndex: number;
  /** Member addresses, replicated through ConfChange contexts and snapshots. */
  readonly members = new Map<NodeId, string>();
  private lead = 0;
  /** The term of the last onLeaderChange. */
  private leadTerm = 0;
  /** Size of the last snapshot, and of the entries applied since (see handle). */
  private lastSnapshotBytes = 0;
  private bytesSinceSnapshot = 0;
  /** When each peer last sent us anything (ms): the leader hears every member every tick. */
  private readonly lastHeard = new Map<NodeId, number>();
  /** Operations dropped for want of a leader: retried every tick, and at once when one is known. */
  private readonly retries = new Set<() => void>();
  /** Which proposals every replica applied: one proposed again is applied once (proposal-sessions.ts). */
  private readonly sessions = new ProposalSessions();
  /** Ticks since a leader was last known (0 while one is). */
  private leaderlessTicks = 0;

  constructor(opts: RaftNodeOptions) {
    this.o = opts;
    this.id = opts.id;
    const snap = opts.storage.snapshot();
    this.applied = snap.metadata.index;
    this.snapshotIndex = snap.metadata.index;
    this.confState = snap.metadata.confState;
    if (snap.metadata.index > 0) this.restoreSnapshot(snap.data);
    const peers = opts.bootstrap === undefined ? undefined : [...opts.bootstrap.keys()];
    this.raw = new RawNode({
      id: opts.id,
      storage: opts.storage,
      applied: this.applied,
      electionTick: opts.electionTick ?? 10,
      heartbeatTick: 1,
      maxSizePerMsg: 1024 * 1024,
      maxInflightMsgs: 256,
      // Election jitter needs no cryptographic quality; seeding from the ID keeps peers apart.
      rng: new SeededRng((Date.now() ^ (opts.id * 2654435761)) >>> 0),
      ...(peers === undefined ? {} : { peers, peerContexts: opts.bootstrap }),
    });
    // Addresses come back as the log's ConfChange entries are applied (or from a snapshot); until
    // then, a founder still knows its peers from the bootstrap map.
    for (const [id, addr] of opts.bootstrap ?? opts.peers ?? []) this.members.set(id, addr);
    this.members.set(opts.id, opts.addr);
    this.syncPeers();
  }

  start(): void {
    this.ticker = setInterval(() => {
      this.raw.tick();
      this.leaderlessTicks = this.raw.raft.lead === 0 ? this.leaderlessTicks + 1 : 0;
      if (this.leaderlessTooLong()) this.failWaiting(new RaftUnavailableError(NO_LEADER));
      this.retryDropped();
      this.kick();
    }, this.o.tickMs ?? 100);
    this.kick();
  }

  /** Stops ticking and processing; pending proposals and reads fail. Storage and transport stay open. */
  stop(): void {
    this.stopped = true;
    if (this.ticker !== undefined) clearInterval(this.ticker);
    const err = new RaftUnavailableError('raft node stopped');
    this.failWaiting(err);
    for (const r of this.confChanges.drain()) this.settle(r.waiter, err);
  }

  /** A message from the transport. */
  step(m: Message): void {
    if (this.stopped) return;
    this.lastHeard.set(m.from, Date.now());
    this.raw.step(m);
    this.kick();
  }

  reportUnreachable(id: NodeId): void {
    if (!this.stopped) this.raw.reportUnreachable(id);
  }

  /**
   * The transport saw the connection to `id` die. If `id` led us, it most likely crashed (a killed
   * process's sockets close at once): forget it, so this node votes at once instead of honouring the
   * leader's lease, and campaign after a random pause of up to three ticks, far less than an election
   * timeout yet enough that two survivors rarely split their votes. PreVote keeps a wrong guess harmless:
   * members that still hear the leader refuse, and its next heartbeat brings this node back.
   */
  peerLost(id: NodeId): void {
    if (this.stopped || id !== this.raw.raft.lead || this.isLeader) return;
    this.o.log.info({ leader: id }, 'lost the connection to the leader; electing a new one');
    this.raw.forgetLeader();
    this.kick();
    const pause = Math.random() * 3 * (this.o.tickMs ?? 100);
    setTimeout(() => {
      if (this.stopped || this.raw.raft.lead !== 0 || this.raw.raft.state !== StateType.Follower) return;
      this.raw.campaign();
      this.kick();
    }, pause).unref();
  }

  /** Messages the transport could not send: proposals among them go again once a leader is reachable. */
  dropped(messages: readonly Message[]): void {
    for (const m of messages) {
      if (m.type !== MessageType.Prop) continue;
      for (const e of m.entries) {
        if (e.type === EntryType.ConfChange) this.retries.add(() => this.proposeConfChange());
        const id = e.type === EntryType.Normal ? decodeProposal(e.data)?.id : undefined;
        if (id === undefined || !isOwnProposal(id, this.id, this.run)) continue;
        const w = this.proposals.get(id.seq);
        if (w !== undefined) this.retries.add(w.retry);
      }
    }
  }

  /** Whether no leader has been known for several election timeouts: the managers cannot elect one. */
  private leaderlessTooLong(): boolean {
    return !this.stopped && this.leaderlessTicks > LEADERLESS_ELECTIONS * (this.o.electionTick ?? 10);
  }

  /** Fails every proposal and read that waits, with `err` (membership changes wait out their own timeouts). */
  private failWaiting(err: Error): void {
    if (this.proposals.size + this.reads.size + this.readsAt.length === 0) return;
    for (const w of this.proposals.values()) this.settle(w, err);
    for (const w of this.reads.values()) this.settle(w, err);
    for (const r of this.readsAt) this.settle(r.waiter, err);
    this.proposals.clear();
    this.reads.clear();
    this.readsAt.length = 0;
  }

  private retryDropped(): void {
    if (this.retries.size === 0) return;
    const all = [...this.retries];
    this.retries.clear();
    for (const retry of all) retry();
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    if (this.stopped) return;
    this.raw.reportSnapshot(id, ok);
    this.kick();
  }

  /** The leader this member knows; 0 when it knows none, or has stopped. */
  get leader(): NodeId {
    return this.stopped ? 0 : this.raw.raft.lead;
  }

  /** Whether this member leads now: never once it has stopped (its storage failed, or it was stopped). */
  get isLeader(): boolean {
    return !this.stopped && this.raw.raft.state === StateType.Leader;
  }

  get term(): number {
    return this.raw.raft.term;
  }

  get appliedIndex(): number {
    return this.applied;
  }

  voters(): NodeId[] {
    return this.raw.raft.prs.voters();
  }

  /**
   * Whether this member heard from the others once but from none for two election timeouts: so ends a
   * member removed while it was away (the others drop what it sends). A new member that no leader has
   * reached yet is not cut off, nor is a leader.
   */
  get cutOff(): boolean {
    if (this.stopped || this.isLeader || this.lastHeard.size === 0) return false;
    return Date.now() - Math.max(...this.lastHeard.values()) >= this.silenceWindow();
  }

  private silenceWindow(): number {
    return 2 * (this.o.electionTick ?? 10) * (this.o.tickMs ?? 100);
  }

  /**
   * Whether member `id` looks alive from here: heard from within two election timeouts, or its
   * channel is connected (a follower hears only the leader, so it asks the transport about the rest).
   */
  reachable(id: NodeId): boolean {
    if (id === this.id) return true;
    const heard = this.lastHeard.get(id);
    if (heard !== undefined && Date.now() - heard < this.silenceWindow()) return true;
    return this.o.transport.connected(id);
  }

  /**
   * Why removing member `id` would be unsafe, or undefined: the members left must still have a
   * reachable majority, or the cluster would stop.
   */
  removalProblem(id: NodeId): string | undefined {
    const rest = this.voters().filter(v => v !== id);
    if (rest.length === 0) return undefined;
    const reachable = rest.filter(v => this.reachable(v)).length;
    if (reachable < Math.floor(rest.length / 2) + 1) {
      return 'raft: member cannot be removed, because removing it may result in loss of quorum';
    }
    return undefined;
  }

  /**
   * Replicates `payload`; resolves with the state machine's result once it is applied on this node.
   * Throws ProposalTooLargeError over maxProposalBytes (nothing is proposed), RaftUnavailableError if there
   * is no leader or the outcome is unknown within the timeout.
   */
  propose(payload: Uint8Array, options: { term?: number; maxBytes?: number } = {}): Promise<unknown> {
    const limit = options.maxBytes ?? this.o.maxProposalBytes ?? MAX_PROPOSAL_BYTES;
    if (payload.byteLength > limit)
      return Promise.reject(new ProposalTooLargeError(payload.byteLength, limit));
    const seq = ++this.seq;
    const data = encodeProposal({ proposer: this.id, run: this.run, seq }, payload);
    return this.wait(this.proposals, seq, 'proposed, not committed in time', () => {
      // A fenced write goes only into this leader's own log, in its term: never forwarded, never later.
      if (options.term !== undefined && (!this.isLeader || this.raw.raft.term !== options.term)) {
        throw new RaftUnavailableError('raft: leadership changed before the write was proposed');
      }
      this.raw.propose(data);
      // A follower forwards at once, not after the write its Ready loop may be waiting for.
      if (this.running) this.o.transport.send(this.raw.takeForwardedProposals());
    });
  }

  /** Resolves once this node has applied everything committed before the call (a linearizable read barrier). */
  readBarrier(): Promise<unknown> {
    const ctx = readContext(this.id, this.run, ++this.seq);
    return this.wait(this.reads, ctx, 'asked, not confirmed by a quorum in time', () =>
      this.raw.readIndex(ctx),
    );
  }

  /** Adds a voter (its address travels with the change). Resolves once applied here. */
  addMember(id: NodeId, addr: string): Promise<unknown> {
    return this.confChange(ConfChangeType.AddNode, id, addr);
  }

  /**
   * Removes a voter. The leader removing itself hands leadership over first, to the member that has the
   * most of the log (the core refuses a leader's own removal: see Raft.handleProposal), and then asks
   * the new leader. Throws RaftUnavailableError if no member takes over within the proposal timeout.
   */
  async removeMember(id: NodeId): Promise<unknown> {
    if (id === this.id && this.isLeader) await this.handOver();
    return this.confChange(ConfChangeType.RemoveNode, id, '');
  }

  /** Transfers leadership to the most caught-up other voter, and waits until another member leads. */
  private async handOver(): Promise<void> {
    const deadline = Date.now() + (this.o.proposalTimeoutMs ?? 10_000);
    while (this.isLeader) {
      if (Date.now() > deadline) {
        throw new RaftUnavailableError(
          'raft: no member took leadership over; the leader cannot remove itself',
        );
      }
      const progress = this.raw.status().progress;
      const best = this.voters()
        .filter(v => v !== this.id)
        .sort((a, b) => (progress.get(b) ?? 0) - (progress.get(a) ?? 0))[0];
      if (best === undefined) throw new RaftUnavailableError('raft: the last member cannot remove itself');
      this.transferLeadership(best);
      await new Promise(r => setTimeout(r, this.o.tickMs ?? 100));
    }
    // The new leader must be known before the removal can be forwarded to it.
    while (this.leader === 0 && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, this.o.tickMs ?? 100));
    }
  }

  /**
   * Queues a membership change; it is proposed once those asked before it here are done (the core takes
   * one at a time), and settles when a change of that kind for that member is applied, or times out.
   */
  private confChange(type: ConfChangeType, nodeId: NodeId, addr: string): Promise<unknown> {
    if (this.stopped) return Promise.reject(new RaftUnavailableError('raft node stopped'));
    return new Promise((resolve, reject) => {
      // Settling clears this timer: when it fires, nobody has answered the caller, so it always rejects.
      const timer = setTimeout(() => {
        const wasHead = this.confChanges.head()?.waiter === request.waiter;
        this.confChanges.remove(request.waiter);
        const why = request.waiter.lastDrop;
        reject(new RaftUnavailableError(`raft: timed out waiting for the membership change (${why})`));
        if (wasHead) this.proposeConfChange();
      }, this.o.proposalTimeoutMs ?? 10_000);
      const request: ConfChangeRequest<Waiter & { lastDrop: string }> = {
        type,
        nodeId,
        context: addr,
        waiter: {
          resolve,
          reject,
          timer,
          retry: () => this.proposeConfChange(),
          lastDrop: 'not applied in time',
        },
      };
      this.confChanges.add(request);
      if (this.confChanges.head() === request) this.proposeConfChange();
    });
  }

  /**
   * Proposes the oldest queued membership change. Dropped (no leader; another change in progress), it is
   * tried again at the next tick; proposed again when the leader changes, in case the old one lost it (a
   * change applied twice is harmless: adding a member or removing one is idempotent).
   */
  private proposeConfChange(): void {
    const head = this.confChanges.head();
    if (head === undefined || this.stopped) return;
    try {
      this.raw.proposeConfChange({ type: head.type, nodeId: head.nodeId, context: head.context });
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) {
        this.confChanges.remove(head.waiter);
        this.settle(head.waiter, err instanceof Error ? err : new Error(String(err)));
        this.proposeConfChange();
        return;
      }
      head.waiter.lastDrop = err.message;
      this.retries.add(head.waiter.retry);
      return;
    }
    if (this.running) this.o.transport.send(this.raw.takeForwardedProposals());
    this.kick();
  }

  transferLeadership(to: NodeId): void {
    this.raw.transferLeadership(to);
    this.kick();
  }

  /**
   * Registers a waiter under `key` and starts the operation. With no leader yet (an election is under
   * way), it retries every tick until the timeout, as a client of etcd would block.
   */
  private wait<K>(map: Map<K, Waiter>, key: K, taken: string, start: () => void): Promise<unknown> {
    if (this.stopped) return Promise.reject(new RaftUnavailableError('raft node stopped'));
    if (this.leaderlessTooLong()) return Promise.reject(new RaftUnavailableError(NO_LEADER));
    return new Promise((resolve, reject) => {
      // Why it has not settled: the last reason Raft dropped it, or, once Raft took it, `taken` (a slow or
      // cut-off quorum: "no leader" there sent a reader after an election that never happened).
      let why = 'no leader';
      const timer = setTimeout(() => {
        map.delete(key);
        reject(new RaftUnavailableError(`raft: timed out waiting for the cluster (${why})`));
      }, this.o.proposalTimeoutMs ?? 10_000);
      const attempt = (): void => {
        if (this.stopped || map.get(key) !== w) return;
        try {
          start();
        } catch (err) {
          if (!(err instanceof ProposalDroppedError)) {
            map.delete(key);
            clearTimeout(timer);
            reject(err);
            return;
          }
          why = err.message;
          this.retries.add(attempt);
          return;
        }
        why = taken;
        this.kick();
      };
      const w: Waiter = { resolve, reject, timer, retry: attempt };
      map.set(key, w);
      attempt();
    });
  }

  private settle(w: Waiter, result: unknown): void {
    clearTimeout(w.timer);
    if (result instanceof Error) w.reject(result);
    else w.resolve(result);
  }

  /** Runs the Ready loop unless it is already running (it re-checks before it stops). */
  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.loop().then(
      () => (this.running = false),
      (err: unknown) => {
        this.running = false;
        this.fail(err);
      },
    );
  }

  private fail(err: unknown): void {
    if (this.stopped) return;
    const e = err instanceof Error ? err : new Error(String(err));
    this.o.log.error({ err: e.message }, 'raft node stopped: storage failed');
    this.stop();
    this.o.onFatal?.(e);
  }

  private async loop(): Promise<void> {
    while (!this.stopped && this.raw.hasReady()) {
      const rd = this.raw.ready();
      await this.handle(rd);
    }
  }

  private async handle(rd: Ready): Promise<void> {
    const plan = scheduleReady(rd, {
      isLeader: this.raw.raft.state === StateType.Leader,
      stableIndex: this.o.storage.lastIndex(),
      stableHardState: this.o.storage.initialState().hardState,
    });
    if (plan.sendBeforeWrite.length > 0) this.o.transport.send(plan.sendBeforeWrite);
    for (const e of plan.applyBeforeWrite) this.apply(e);
    // 1. Persist, in one write (synced when it holds entries, a vote or a term), before anything
    //    that promises it leaves this node.
    if (rd.hardState !== undefined || rd.entries.length > 0 || rd.snapshot !== undefined) {
      const write = this.o.storage.persist({
        ...(rd.hardState === undefined ? {} : { hardState: rd.hardState }),
        entries: rd.entries,
        ...(rd.snapshot === undefined ? {} : { snapshot: rd.snapshot }),
      });
      // Only the commit index moved: nothing depends on it being on disk (after a crash the leader
      // tells it again), so the loop goes on; storage keeps the writes in order.
      if (rd.mustSync || rd.entries.length > 0 || rd.snapshot !== undefined) await write;
      else write.catch((err: unknown) => this.fail(err));
    }
    if (this.stopped) return;
    // 2. Send.
    this.o.transport.send(plan.sendAfterWrite);
    // 3. Apply.
    if (rd.snapshot !== undefined) {
      this.o.log.info({ index: rd.snapshot.metadata.index }, 'installed a snapshot from the leader');
      this.restoreSnapshot(rd.snapshot.data);
      this.applied = rd.snapshot.metadata.index;
      this.snapshotIndex = rd.snapshot.metadata.index;
      this.confState = rd.snapshot.metadata.confState;
      this.syncPeers();
    }
    for (const e of plan.applyAfterWrite) this.apply(e);
    for (const rs of rd.readStates) {
      const w = this.reads.get(rs.context);
      if (w === undefined) continue;
      this.reads.delete(rs.context);
      this.readsAt.push({ index: rs.index, waiter: w });
    }
    this.releaseReads();
    // 4. Advance.
    this.raw.advance(rd);
    // This node deposed and elected again between two Readys leads in another term: its leader-only
    // work must hear of it as of a new leader.
    if (rd.softState?.lead === this.id && rd.softState.term !== this.leadTerm && this.lead === this.id) {
      this.leadTerm = rd.softState.term;
      this.o.onLeaderChange?.(this.lead, this.leadTerm);
    }
    if (rd.softState !== undefined && rd.softState.lead !== this.lead) {
      this.lead = rd.softState.lead;
      this.leadTerm = rd.softState.term;
      this.o.onLeaderChange?.(this.lead, rd.softState.term);
      if (this.lead !== 0) {
        // What was sent to the old leader may be lost with it: asking again is harmless for a read,
        // and for a proposal too, as a second copy that reaches the log is skipped (proposal-sessions.ts).
        for (const w of this.reads.values()) this.retries.add(w.retry);
        for (const w of this.proposals.values()) this.retries.add(w.retry);
        this.confChanges.head()?.waiter.retry();
        this.retryDropped();
      }
    }
    // A snapshot costs the whole state, so one is taken only once the log since the last one holds as
    // many bytes: snapshotting stays O(1) per byte written, and the log at most twice the state.
    if (
      this.applied - this.snapshotIndex >= (this.o.snapshotEvery ?? 10_000) &&
      this.bytesSinceSnapshot >= this.lastSnapshotBytes
    ) {
      await this.takeSnapshot();
    }
  }

  private apply(e: Entry): void {
    this.applied = e.index;
    this.bytesSinceSnapshot += e.data.byteLength;
    if (e.type === EntryType.ConfChange) {
      const cc = decodeConfChange(e.data);
      this.confState = this.raw.applyConfChange(cc);
      if (cc.type === ConfChangeType.AddNode) {
        if (cc.context !== undefined && cc.context !== '') this.members.set(cc.nodeId, cc.context);
      } else {
        this.members.delete(cc.nodeId);
        if (cc.nodeId !== this.id) this.o.transport.removePeer(cc.nodeId);
      }
      this.syncPeers();
      const done = this.confChanges.applied(cc);
      for (const r of done) this.settle(r.waiter, this.confState);
      if (done.length > 0) this.proposeConfChange();
      return;
    }
    const proposal = decodeProposal(e.data);
    if (proposal === undefined) return; // a new leader's empty entry
    // A proposal proposed again after a leader change, whose first copy made it after all: applied once.
    if (!this.sessions.apply(proposal.id, e.index)) return;
    let result: unknown;
    try {
      result = this.o.stateMachine.apply(proposal.payload, e.index);
    } catch (err) {
      // Every replica applies the same entry the same way; a throwing command fails for its proposer only.
      result = err instanceof Error ? err : new Error(String(err));
    }
    if (!isOwnProposal(proposal.id, this.id, this.run)) return;
    const w = this.proposals.get(proposal.id.seq);
    if (w === undefined) return;
    this.proposals.delete(proposal.id.seq);
    this.settle(w, result);
  }

  private releaseReads(): void {
    for (let i = this.readsAt.length - 1; i >= 0; i--) {
      const r = this.readsAt[i];
      if (r === undefined || r.index > this.applied) continue;
      this.readsAt.splice(i, 1);
      this.settle(r.waiter, r.index);
    }
  }

  private async takeSnapshot(): Promise<void> {
    // All of it as of now: nothing is applied until this is done (the loop awaits it), and the pieces are
    // of the state when asked for.
    const index = this.applied;
    const confState = this.confState;
    const header = { members: [...this.members], sessions: this.sessions.snapshot() };
    const m = this.o.stateMachine;
    const app = m.snapshotPieces === undefined ? m.snapshot() : await collectPieces(m.snapshotPieces());
    const data = encodeSnapshotData(header, app);
    this.lastSnapshotBytes = data.byteLength;
    this.bytesSinceSnapshot = 0;
    await this.o.storage.createSnapshot(index, confState, data);
    this.snapshotIndex = index;
    // Keep a tail so a briefly lagging follower catches up from the log rather than a snapshot.
    const keep = Math.min(500, Math.floor((this.o.snapshotEvery ?? 10_000) / 2));
    if (index - keep > this.o.storage.firstIndex()) await this.o.storage.compact(index - keep);
  }

  private restoreSnapshot(data: Uint8Array): void {
    if (data.byteLength === 0) return;
    const { members, sessions, app } = decodeSnapshotData(data);
    this.sessions.restore(sessions);
    this.members.clear();
    for (const [id, addr] of members) this.members.set(id, addr);
    this.members.set(this.id, this.o.addr);
    this.lastSnapshotBytes = data.byteLength;
    this.bytesSinceSnapshot = 0;
    this.o.stateMachine.restore(app);
  }

  /** Points the transport at every member but us. */
  private syncPeers(): void {
    const t = this.o.transport;
    for (const [id, addr] of this.members) if (id !== this.id) t.setPeer(id, addr);
  }
}

/** The pieces in one array, letting the event loop run between them (timers, sockets: heartbeats go on). */
async function collectPieces(pieces: Iterable<Uint8Array>): Promise<Uint8Array> {
  const got: Uint8Array[] = [];
  for (const piece of pieces) {
    got.push(piece);
    await new Promise(resolve => setImmediate(resolve));
  }
  return Buffer.concat(got);
}
