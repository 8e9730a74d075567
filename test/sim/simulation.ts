/**
 * A deterministic simulation of a Raft cluster: N nodes driven by the real core, a seeded network
 * (drops, duplicates, delays, reordering, partitions), crash-restarts that keep only what was
 * persisted, membership changes, leadership transfers, and clients doing writes and ReadIndex reads.
 * Everything derives from one seed, so a run is a pure function of its options and replays exactly.
 */
import {
  ConfChangeType,
  decodeConfChange,
  EntryType,
  MemoryStorage,
  MessageType,
  ProposalDroppedError,
  RawNode,
  SeededRng,
  scheduleReady,
  type ReadySchedule,
  StateType,
  type ConfState,
  type Entry,
  type Message,
  type NodeId,
  type Ready,
  type ReadState,
} from '../../server/raft/index.ts';
import { ConfChangeQueue } from '../../server/raftnode/conf-change-queue.ts';
import {
  decodeProposal,
  encodeProposal,
  isOwnProposal,
  readContext,
} from '../../server/raftnode/proposal-envelope.ts';
import { decodeCommand, encodeCommand, KvStore } from './kv.ts';
import { checkLinearizable, type HistoryOp } from './linearizability.ts';
import { SimNetwork } from './network.ts';
import { SafetyChecker, type Violation } from './safety.ts';

export interface SimOptions {
  seed: number;
  steps: number;
  /** Cluster size; by default 3 for even seeds and 5 for odd ones. */
  nodes?: number;
  /** Disks that acknowledge a sync but lose recent writes on a crash (to show the checks catch it). */
  lyingStorage?: boolean;
  /** Print every event (for replaying a failing seed). */
  trace?: boolean;
  /**
   * Proposers that forget their run on a restart (every incarnation is run 1), as shoald's were: an
   * entry of a previous run answers the new run's call. To show the reply check catches it.
   */
  reusedProposalIds?: boolean;
  /** Overrides the seed's crash rate per step (a test that needs many restarts). */
  crashRate?: number;
}

export interface SimStats {
  leaders: number;
  committed: number;
  writesAcked: number;
  readsServed: number;
  crashes: number;
  partitions: number;
  transfers: number;
  /** Followers told their leader is gone (rightly or not), as a dead connection tells shoald. */
  leaderHints: number;
  membershipChanges: number;
  snapshotsSent: number;
  /** Leaders deposed (by a later term) while the Ready that made them leader was being written. */
  deposedWhileWriting: number;
}

export function emptyStats(): SimStats {
  return {
    leaders: 0,
    committed: 0,
    writesAcked: 0,
    readsServed: 0,
    crashes: 0,
    partitions: 0,
    transfers: 0,
    leaderHints: 0,
    membershipChanges: 0,
    snapshotsSent: 0,
    deposedWhileWriting: 0,
  };
}

export interface SimResult {
  seed: number;
  steps: number;
  nodes: number;
  violations: Violation[];
  stats: SimStats;
}

/** Ticks after the faults heal within which a leader must commit (liveness). */
export const LIVENESS_BOUND = 200;
const ELECTION_TICK = 10;
const CLIENTS = 3;
const KEYS = ['a', 'b', 'c'];
const OP_TIMEOUT = 40;

interface PendingOp {
  history: number;
  node: NodeId;
  deadline: number;
  ctx: string;
}

/** A membership change asked of the leader (a `node promote`/`demote`), until it is answered or times out. */
interface MemberRequest {
  type: ConfChangeType;
  nodeId: NodeId;
  /** The node whose queue holds it. */
  at: NodeId;
  deadline: number;
  /** Proposed, and not dropped since. */
  proposed: boolean;
}

interface Client {
  id: number;
  seq: number;
  pending: PendingOp | undefined;
}

class SimNode {
  raw: RawNode | undefined;
  disk = new MemoryStorage();
  /** Lying storage only: what really reached the platter; a crash rolls `disk` back to it. */
  flushed: MemoryStorage | undefined;
  kv = new KvStore();
  applied = 0;
  confState: ConfState = { voters: [] };
  incarnation = 0;
  restartAt: number | undefined;
  removed = false;
  /** A new member that has asked to join and starts once the change adding it is answered. */
  joining = false;
  /** Membership changes asked of this node, proposed one at a time (RaftNode's queue). */
  readonly confChanges = new ConfChangeQueue<MemberRequest>();
  /** This incarnation's run and proposal counter, as RaftNode's: they start again at each restart. */
  run = 0;
  seq = 0;
  /** Writes waiting for their entry, by proposal number within the run. */
  readonly pendingWrites = new Map<string, number>();
  readonly pendingReads = new Map<string, number>();
  waitingReads: ReadState[] = [];
  /** The last term this node was seen leading (each term's leadership is checked once). */
  ledTerm = 0;
  /** A Ready whose early part is done and whose disk write is still in flight. */
  writing: { rd: Ready; plan: ReadySchedule } | undefined;

  constructor(
    readonly id: NodeId,
    readonly founding: boolean,
  ) {}

  get alive(): boolean {
    return this.raw !== undefined;
  }
}

const latin1 = new TextDecoder('latin1');

export class Simulation {
  readonly checker = new SafetyChecker();
  readonly history: HistoryOp[] = [];
  readonly stats = emptyStats();
  private readonly rng: SeededRng;
  private readonly net: SimNetwork;
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly clients: Client[] = [];
  private readonly founders: NodeId[];
  private nextNodeId: number;
  private t = 0;
  /** The history's clock: one tick per invocation or response, so intervals are exact. */
  private clock = 0;
  private partitionHealAt: number | undefined;
  private readonly healAt: number;
  private readonly quietAt: number;
  private live = false;
  // Per-seed fault rates.
  private readonly crashRate: number;
  private readonly partitionRate: number;
  private readonly transferRate: number;
  private readonly memberRate: number;
  private readonly hintRate: number;
  private readonly compactEvery: number;
  private readonly flushEvery: number;
  // The cluster configuration as of the highest applied index, for the durability quorum.
  private globalApplied = 0;
  private globalVoters = new Set<NodeId>();
  private prevVotersSize = 0;
  private readonly quorumAt: number[] = [];
  /** Membership requests not yet answered, wherever they are queued (a lost one is still here). */
  private readonly memberRequests = new Set<MemberRequest>();

  constructor(private readonly opts: SimOptions) {
    this.rng = new SeededRng(opts.seed);
    const n = opts.nodes ?? (opts.seed % 2 === 0 ? 3 : 5);
    this.founders = Array.from({ length: n }, (_, i) => i + 1);
    this.nextNodeId = n + 1;
    this.net = new SimNetwork(this.rng);
    this.net.faults = {
      drop: this.rng.pick([0, 0, 0.01, 0.05, 0.1, 0.2]),
      duplicate: this.rng.pick([0, 0.01, 0.05, 0.1]),
      maxDelay: this.rng.pick([0, 1, 2, 3]),
    };
    const crashRate = this.rng.pick([0, 0.002, 0.005, 0.01]);
    this.crashRate = opts.crashRate ?? crashRate;
    this.partitionRate = this.rng.pick([0, 0.003, 0.01]);
    this.transferRate = this.rng.pick([0, 0.002, 0.01]);
    this.memberRate = this.rng.pick([0, 0.002, 0.005]);
    this.compactEvery = this.rng.pick([10, 30, 100, 1000]);
    this.hintRate = this.rng.pick([0, 0.003, 0.02]);
    this.flushEvery = 1 + this.rng.int(30);
    this.healAt = Math.max(0, opts.steps - Math.min(400, Math.floor(opts.steps / 2)));
    this.quietAt = opts.steps - Math.min(100, Math.floor(opts.steps / 8));
    for (const id of this.founders) this.addNode(id, true);
    for (let c = 1; c <= CLIENTS; c++) this.clients.push({ id: c, seq: 0, pending: undefined });
  }

  run(): SimResult {
    try {
      for (this.t = 1; this.t <= this.opts.steps; this.t++) this.step();
      this.finish();
    } catch (err) {
      // The core or the driver threw: as much a failure as a broken invariant, and as replayable.
      const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
      this.checker.violations.push({ step: this.t, invariant: 'exception', detail });
    }
    return {
      seed: this.opts.seed,
      steps: this.opts.steps,
      nodes: this.founders.length,
      violations: this.checker.violations,
      stats: this.stats,
    };
  }

  private trace(text: string): void {
    if (this.opts.trace === true) console.log(`[${this.t}] ${text}`);
  }

  // --- nodes ---------------------------------------------------------------------------------------

  private addNode(id: NodeId, founding: boolean): SimNode {
    const node = new SimNode(id, founding);
    if (this.opts.lyingStorage === true) node.flushed = node.disk.clone();
    this.nodes.set(id, node);
    this.start(node);
    return node;
  }

  /** (Re)starts a node from its disk alone, as a process would after a crash. */
  private start(node: SimNode): void {
    const snap = node.disk.snapshot();
    node.kv = KvStore.restore(snap.data);
    node.applied = snap.metadata.index;
    node.confState = snap.metadata.confState;
    node.waitingReads = [];
    node.incarnation++;
    node.restartAt = undefined;
    // Not drawn from the run's random source: that would change what every existing seed does.
    node.run =
      this.opts.reusedProposalIds === true
        ? 1
        : 1 + ((this.opts.seed * 2246822519 + node.id * 3266489917 + node.incarnation * 668265263) >>> 0);
    node.seq = 0;
    node.raw = new RawNode({
      id: node.id,
      storage: node.disk,
      applied: node.applied,
      electionTick: ELECTION_TICK,
      heartbeatTick: 1,
      maxSizePerMsg: 2048,
      maxInflightMsgs: 4,
      rng: new SeededRng((this.opts.seed * 2654435761 + node.id * 40503 + node.incarnation * 97) >>> 0),
      ...(node.founding ? { peers: this.founders } : {}),
    });
    this.trace(`node ${node.id} started (incarnation ${node.incarnation})`);
  }

  private crash(node: SimNode, restartAt: number | undefined): void {
    node.raw = undefined;
    node.writing = undefined; // the write in flight never reached the disk
    node.restartAt = restartAt;
    if (node.flushed !== undefined) node.disk = node.flushed.clone();
    // The node's in-flight client operations end with an unknown outcome.
    for (const op of [...node.pendingWrites.values(), ...node.pendingReads.values()]) this.abandon(op);
    node.pendingWrites.clear();
    node.pendingReads.clear();
    for (const r of node.confChanges.drain()) this.memberRequests.delete(r.waiter);
    this.stats.crashes++;
    this.trace(
      `node ${node.id} crashed${restartAt === undefined ? ' for good' : `, restarts at ${restartAt}`}`,
    );
    this.checkDurability();
  }

  private checkDurability(): void {
    this.checker.checkDurability((index, term) => {
      let n = 0;
      for (const node of this.nodes.values()) {
        const first = node.disk.firstIndex();
        if (index < first || (index <= node.disk.lastIndex() && node.disk.term(index) === term)) n++;
      }
      return n;
    });
  }

  private aliveNodes(): SimNode[] {
    return [...this.nodes.values()].filter(n => n.alive);
  }

  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes.values()) {
      const r = n.raw?.raft;
      if (
        r !== undefined &&
        r.state === StateType.Leader &&
        (best?.raw === undefined || r.term > best.raw.raft.term)
      ) {
        best = n;
      }
    }
    return best;
  }

  // --- one step ------------------------------------------------------------------------------------

  private step(): void {
    this.checker.step = this.t;
    for (const node of this.nodes.values()) {
      if (!node.alive && !node.removed && node.restartAt !== undefined && node.restartAt <= this.t)
        this.start(node);
    }
    if (this.partitionHealAt !== undefined && this.partitionHealAt <= this.t) {
      this.net.healAll();
      this.partitionHealAt = undefined;
      this.trace('partitions healed');
    }
    if (this.t < this.healAt) this.injectFaults();
    else if (this.t === this.healAt) this.healEverything();

    for (const node of this.nodes.values()) {
      node.raw?.tick();
      this.observe(node);
    }
    if (this.t < this.quietAt) this.clientsAct();
    this.driveMembership();
    this.deliver();
    this.expireOps();
    if (this.opts.lyingStorage === true && this.t % this.flushEvery === 0) {
      for (const node of this.nodes.values()) node.flushed = node.disk.clone();
    }
    if (this.t >= this.healAt) this.checkLiveness();
  }

  private deliver(): void {
    for (let round = 0; round < 50; round++) {
      this.processAllReady();
      const due = this.net.takeDue(this.t, m => this.lost(m));
      if (due.length === 0) return;
      for (const m of due) this.receive(m);
    }
    this.processAllReady();
  }

  /** A message the network lost; the sender's transport reports a snapshot that did not arrive. */
  private lost(m: Message): void {
    if (m.type === MessageType.Snap) this.nodes.get(m.from)?.raw?.reportSnapshot(m.to, false);
  }

  private receive(m: Message): void {
    const to = this.nodes.get(m.to);
    const from = this.nodes.get(m.from);
    if (to?.raw === undefined) {
      this.lost(m);
      return;
    }
    to.raw.step(m);
    this.observe(to);
    if (m.type === MessageType.Snap) from?.raw?.reportSnapshot(m.to, true);
  }

  private processAllReady(): void {
    for (const node of this.nodes.values()) {
      for (;;) {
        const raw = node.raw;
        if (node.removed || raw === undefined) break;
        // A write in flight finishes now or in a later round; meanwhile messages keep arriving.
        if (node.writing !== undefined) {
          if (this.rng.chance(0.5)) break;
          this.finishReady(node, raw, node.writing.rd, node.writing.plan);
          continue;
        }
        if (!raw.hasReady()) break;
        this.startReady(node, raw, raw.ready());
      }
    }
    // A removed node's process stops once its current Ready is done; its disk stays (it counts for durability).
    for (const node of this.nodes.values()) if (node.removed && node.alive) this.crash(node, undefined);
  }

  /**
   * The driver loop of one Ready, as shoald's: persist, send, apply, advance, with the overlaps
   * scheduleReady allows: a leader's appends leave before its write, and durable committed entries
   * are applied before it. A leader's write stays in flight for a while (a crash may catch it there)
   * while the answers to its early messages come in, as they do in shoald.
   */
  private startReady(node: SimNode, raw: RawNode, rd: Ready): void {
    const plan = scheduleReady(rd, {
      isLeader: raw.raft.state === StateType.Leader,
      stableIndex: node.disk.lastIndex(),
      stableHardState: node.disk.initialState().hardState,
    });
    this.sendAll(plan.sendBeforeWrite);
    for (const e of plan.applyBeforeWrite) this.apply(node, raw, e);
    if (plan.sendBeforeWrite.length > 0) node.writing = { rd, plan };
    else this.finishReady(node, raw, rd, plan);
  }

  private finishReady(node: SimNode, raw: RawNode, rd: Ready, plan: ReadySchedule): void {
    node.writing = undefined;
    // 1. Persist.
    if (rd.snapshot !== undefined) node.disk.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0) {
      node.disk.append(rd.entries);
      for (const e of rd.entries) {
        const prev = e.index - 1 >= node.disk.firstIndex() - 1 ? node.disk.term(e.index - 1) : undefined;
        this.checker.entryPersisted(node.id, e.index, e.term, entryKey(e), prev);
      }
    }
    if (rd.hardState !== undefined) node.disk.setHardState(rd.hardState);
    // 2. Send.
    this.sendAll(plan.sendAfterWrite);
    // 3. Apply.
    if (rd.snapshot !== undefined) {
      const meta = rd.snapshot.metadata;
      node.kv = KvStore.restore(rd.snapshot.data);
      node.applied = meta.index;
      node.confState = meta.confState;
      this.checker.snapshotInstalled(node.id, meta.index, meta.term);
      this.trace(`node ${node.id} installed snapshot ${meta.index}@${meta.term}`);
    }
    for (const e of plan.applyAfterWrite) this.apply(node, raw, e);
    node.waitingReads.push(...rd.readStates);
    this.serveReads(node);
    // 4. Advance.
    raw.advance(rd);
    if (rd.softState?.state === StateType.Leader) {
      this.trace(`node ${node.id} is leader of term ${rd.softState.term}`);
      if (raw.raft.term !== rd.softState.term) this.stats.deposedWhileWriting++;
    }
    if (node.applied - node.disk.snapshot().metadata.index >= this.compactEvery) this.compact(node);
  }

  private sendAll(messages: Message[]): void {
    for (const m of messages) {
      if (m.type === MessageType.Snap) this.stats.snapshotsSent++;
      if (!this.net.send(m, this.t)) this.lost(m);
    }
  }

  /**
   * Election safety and leader completeness, checked on the core itself after every input it takes (a
   * tick, a message, a campaign): the moment a node becomes leader, not when a Ready about it comes out.
   * A Ready is read while the core moves on (its write is in flight while messages arrive), so by the time
   * it is done the node may be a follower of a later term.
   */
  private observe(node: SimNode): void {
    const r = node.raw?.raft;
    if (r === undefined || r.state !== StateType.Leader || node.ledTerm === r.term) return;
    node.ledTerm = r.term;
    this.stats.leaders++;
    this.checker.leaderElected(r.term, node.id);
    const log = r.raftLog;
    this.checker.leaderLog(node.id, r.term, {
      firstIndex: log.firstIndex(),
      lastIndex: log.lastIndex(),
      term: i => log.term(i),
    });
  }

  private apply(node: SimNode, raw: RawNode, e: Entry): void {
    this.checker.entryApplied(node.id, e.index, e.term);
    if (e.index > this.globalApplied) this.onGlobalApply(e);
    node.applied = e.index;
    if (e.type === EntryType.ConfChange) {
      const cc = decodeConfChange(e.data);
      node.confState = raw.applyConfChange(cc);
      for (const r of node.confChanges.applied(cc)) this.answered(r.waiter);
      return;
    }
    const proposal = decodeProposal(e.data);
    if (proposal === undefined) return; // a new leader's empty entry
    const cmd = decodeCommand(proposal.payload);
    if (!node.kv.apply(cmd)) return;
    if (!isOwnProposal(proposal.id, node.id, node.run)) return;
    const key = String(proposal.id.seq);
    const op = node.pendingWrites.get(key);
    if (op === undefined) return;
    node.pendingWrites.delete(key);
    const asked = this.history[op]?.op;
    if (asked?.kind === 'write') this.checker.replyMatches(node.id, asked.value, cmd.value, e.index);
    this.checker.writeAcked({
      index: e.index,
      term: e.term,
      quorum: this.quorumAt[e.index] ?? 1,
      label: `write ${cmd.value}`,
    });
    this.stats.writesAcked++;
    this.respond(op, undefined);
  }

  /** The first time any node applies index i: track the configuration and what quorum committed i. */
  private onGlobalApply(e: Entry): void {
    this.globalApplied = e.index;
    this.stats.committed = e.index;
    const q = (n: number): number => Math.floor(n / 2) + 1;
    // The leader that committed e used either the current configuration or the one before it.
    this.quorumAt[e.index] = Math.min(
      q(this.globalVoters.size),
      q(this.prevVotersSize || this.globalVoters.size),
    );
    if (e.type !== EntryType.ConfChange) return;
    const cc = decodeConfChange(e.data);
    this.prevVotersSize = this.globalVoters.size;
    if (cc.type === ConfChangeType.AddNode) {
      this.globalVoters.add(cc.nodeId);
    } else {
      this.globalVoters.delete(cc.nodeId);
      const gone = this.nodes.get(cc.nodeId);
      if (gone !== undefined && !gone.removed) {
        gone.removed = true;
        this.trace(`node ${cc.nodeId} removed from the cluster`);
      }
    }
    if (this.prevVotersSize === 0) this.prevVotersSize = this.globalVoters.size;
  }

  private serveReads(node: SimNode): void {
    if (node.waitingReads.length === 0) return;
    const still: ReadState[] = [];
    for (const rs of node.waitingReads) {
      if (rs.index > node.applied) {
        still.push(rs);
        continue;
      }
      const op = node.pendingReads.get(rs.context);
      if (op === undefined) continue;
      node.pendingReads.delete(rs.context);
      const hop = this.history[op];
      if (hop === undefined || hop.op.kind !== 'read') continue;
      this.stats.readsServed++;
      this.respond(op, node.kv.get(hop.op.key));
    }
    node.waitingReads = still;
  }

  private compact(node: SimNode): void {
    const snap = node.disk.createSnapshot(node.applied, node.confState, node.kv.snapshot());
    // Keep a few entries so that a slightly lagging follower catches up from the log, not a snapshot.
    const keep = this.compactEvery >= 100 ? 20 : 2;
    const at = snap.metadata.index - keep;
    if (at > node.disk.firstIndex()) node.disk.compact(at);
  }

  // --- faults --------------------------------------------------------------------------------------

  private injectFaults(): void {
    const rng = this.rng;
    if (rng.chance(this.crashRate)) {
      const alive = this.aliveNodes();
      if (alive.length > 0) this.crash(rng.pick(alive), this.t + 1 + rng.int(60));
    }
    if (this.partitionHealAt === undefined && rng.chance(this.partitionRate)) this.makePartition();
    if (rng.chance(this.transferRate)) {
      const lead = this.leader();
      const voters = lead?.raw?.raft.prs.voters().filter(v => v !== lead.id) ?? [];
      if (lead?.raw !== undefined && voters.length > 0) {
        const to = rng.pick(voters);
        lead.raw.transferLeadership(to);
        this.stats.transfers++;
        this.trace(`leader ${lead.id} asked to transfer to ${to}`);
      }
    }
    if (rng.chance(this.memberRate)) this.changeMembership();
    if (rng.chance(this.hintRate)) this.hintLeaderGone();
  }

  /**
   * What shoald does when its connection to the leader dies: forget the leader and campaign. The hint
   * is often wrong here (the leader is alive, or only the link is down): that must be harmless.
   */
  private hintLeaderGone(): void {
    const followers = this.aliveNodes().filter(n => n.raw?.raft.state === StateType.Follower);
    if (followers.length === 0) return;
    const node = this.rng.pick(followers);
    node.raw?.forgetLeader();
    if (this.rng.chance(0.5)) {
      node.raw?.campaign();
      this.observe(node);
    }
    this.stats.leaderHints++;
    this.trace(`node ${node.id} told its leader is gone`);
  }

  private makePartition(): void {
    const rng = this.rng;
    const ids = [...this.nodes.values()].filter(n => !n.removed).map(n => n.id);
    if (ids.length < 2) return;
    const kind = rng.int(3);
    if (kind === 0) {
      const x = rng.pick(ids);
      this.net.partition(
        [x],
        ids.filter(i => i !== x),
      );
      this.trace(`node ${x} isolated`);
    } else if (kind === 1) {
      // Asymmetric: a node can send but not receive (or the other way round).
      const x = rng.pick(ids);
      for (const y of ids)
        if (y !== x) this.net.cutLink(...(rng.chance(0.5) ? ([x, y] as const) : ([y, x] as const)));
      this.trace(`node ${x} partly cut off (asymmetric)`);
    } else {
      const shuffled = shuffle(ids, rng);
      const k = 1 + rng.int(ids.length - 1);
      this.net.partition(shuffled.slice(0, k), shuffled.slice(k));
      this.trace(`split ${shuffled.slice(0, k).join(',')} | ${shuffled.slice(k).join(',')}`);
    }
    this.stats.partitions++;
    this.partitionHealAt = this.t + 10 + rng.int(100);
  }

  /**
   * Asks the leader for one to three membership changes at once, as `node promote a b` does: each a
   * request in the leader's queue (RaftNode's), proposed one at a time. A new member starts once the
   * change adding it is answered, as a promoted node starts Raft once its Join returns.
   */
  private changeMembership(): void {
    const lead = this.leader();
    if (lead?.raw === undefined) return;
    const voters = new Set(lead.raw.raft.prs.voters());
    const n = this.founders.length;
    const count = 1 + this.rng.int(3);
    for (let i = 0; i < count; i++) {
      const add = voters.size <= n - 1 || (voters.size <= n && this.rng.chance(0.5));
      if (add) {
        const id = this.nextNodeId++;
        const node = new SimNode(id, false);
        if (this.opts.lyingStorage === true) node.flushed = node.disk.clone();
        node.joining = true;
        this.nodes.set(id, node);
        voters.add(id);
        this.ask(lead, ConfChangeType.AddNode, id);
      } else {
        // Never the leader itself: the core refuses (it would step down before the others learned the
        // change committed); shoald hands leadership over first (RaftNode.removeMember).
        const others = [...voters].filter(v => v !== lead.id);
        if (others.length === 0 || voters.size <= 1) return;
        const id = this.rng.pick(others);
        voters.delete(id);
        this.ask(lead, ConfChangeType.RemoveNode, id);
      }
      this.stats.membershipChanges++;
    }
  }

  private ask(at: SimNode, type: ConfChangeType, nodeId: NodeId): void {
    const request: MemberRequest = {
      type,
      nodeId,
      at: at.id,
      deadline: this.t + OP_TIMEOUT,
      proposed: false,
    };
    at.confChanges.add({ type, nodeId, context: '', waiter: request });
    this.memberRequests.add(request);
    const verb = type === ConfChangeType.AddNode ? 'adding' : 'removing';
    this.trace(`node ${at.id} asked ${verb} node ${nodeId}`);
  }

  /** The change a request asked for was applied where it was asked: it is answered (a joiner starts). */
  private answered(r: MemberRequest): void {
    if (!this.memberRequests.delete(r)) return;
    const joiner = this.nodes.get(r.nodeId);
    if (r.type === ConfChangeType.AddNode && joiner?.joining === true) {
      joiner.joining = false;
      if (!joiner.removed) this.start(joiner);
    }
  }

  /**
   * Each step: every queue's oldest request is proposed (again after a drop); a request whose node no
   * longer leads fails, as the call to it would; one past its deadline fails, and if its change was
   * applied where it waited, its answer was lost. A joiner left without an answer asks again, and is
   * told at once if it already is a member (RaftMembership.Join's known-member path).
   */
  private driveMembership(): void {
    for (const node of this.nodes.values()) {
      const raw = node.raw;
      if (raw === undefined || node.confChanges.size === 0) continue;
      if (raw.raft.state !== StateType.Leader) {
        for (const r of node.confChanges.drain()) this.memberRequests.delete(r.waiter);
        continue;
      }
      const head = node.confChanges.head();
      if (head === undefined || head.waiter.proposed) continue;
      try {
        raw.proposeConfChange({ type: head.type, nodeId: head.nodeId });
        head.waiter.proposed = true;
      } catch (err) {
        if (!(err instanceof ProposalDroppedError)) throw err;
      }
    }
    for (const r of [...this.memberRequests]) {
      if (r.deadline > this.t) continue;
      this.memberRequests.delete(r);
      const at = this.nodes.get(r.at);
      if (at !== undefined) {
        at.confChanges.remove(r);
        if (at.alive && changeIsIn(at.confState, r)) {
          this.checker.memberAnswerLost(r.at, r.type === ConfChangeType.AddNode, r.nodeId);
        }
      }
    }
    const lead = this.leader();
    if (lead?.raw === undefined) return;
    for (const node of this.nodes.values()) {
      if (!node.joining || node.removed || this.pendingJoin(node.id)) continue;
      if (lead.confState.voters.includes(node.id)) this.answered(this.knownMember(lead, node.id));
      else this.ask(lead, ConfChangeType.AddNode, node.id);
    }
  }

  private pendingJoin(id: NodeId): boolean {
    for (const r of this.memberRequests)
      if (r.nodeId === id && r.type === ConfChangeType.AddNode) return true;
    return false;
  }

  /** A request answered at once: its node is already a member. */
  private knownMember(at: SimNode, nodeId: NodeId): MemberRequest {
    const r: MemberRequest = {
      type: ConfChangeType.AddNode,
      nodeId,
      at: at.id,
      deadline: this.t,
      proposed: true,
    };
    this.memberRequests.add(r);
    return r;
  }

  private healEverything(): void {
    this.net.healAll();
    this.partitionHealAt = undefined;
    this.net.faults = { drop: 0, duplicate: 0, maxDelay: this.net.faults.maxDelay };
    for (const node of this.nodes.values()) {
      if (!node.alive && !node.removed && !node.joining) this.start(node);
    }
    this.trace('all faults healed');
  }

  /** Once faults heal, a leader must commit an entry of its own term within LIVENESS_BOUND ticks. */
  private checkLiveness(): void {
    if (this.live) return;
    const r = this.leader()?.raw?.raft;
    if (r !== undefined && r.raftLog.term(r.raftLog.committed) === r.term) {
      this.live = true;
      this.trace(`live: leader ${r.id} committed in term ${r.term}`);
      return;
    }
    if (this.t >= this.healAt + LIVENESS_BOUND) {
      this.live = true; // report once
      this.checker.violations.push({
        step: this.t,
        invariant: 'liveness',
        detail: `no leader committed within ${LIVENESS_BOUND} ticks of the faults healing`,
      });
    }
  }

  // --- clients -------------------------------------------------------------------------------------

  private clientsAct(): void {
    for (const c of this.clients) {
      if (c.pending !== undefined || !this.rng.chance(0.3)) continue;
      const candidates = [...this.nodes.values()].filter(n => n.alive && !n.removed);
      if (candidates.length === 0) continue;
      const node = this.rng.pick(candidates);
      const raw = node.raw;
      if (raw === undefined) continue;
      const key = this.rng.pick(KEYS);
      if (this.rng.chance(0.6)) {
        c.seq++;
        const value = `${c.id}:${c.seq}`;
        const ctx = String(++node.seq);
        const id = { proposer: node.id, run: node.run, seq: node.seq };
        try {
          raw.propose(encodeProposal(id, encodeCommand({ client: c.id, seq: c.seq, key, value })));
        } catch (err) {
          if (err instanceof ProposalDroppedError) continue; // definitely not in any log
          throw err;
        }
        const h = this.invoke(c, { kind: 'write', key, value });
        node.pendingWrites.set(ctx, h);
        c.pending = { history: h, node: node.id, deadline: this.t + OP_TIMEOUT, ctx };
      } else {
        const ctx = readContext(node.id, node.run, ++node.seq);
        try {
          raw.readIndex(ctx);
        } catch (err) {
          if (err instanceof ProposalDroppedError) continue;
          throw err;
        }
        const h = this.invoke(c, { kind: 'read', key });
        node.pendingReads.set(ctx, h);
        c.pending = { history: h, node: node.id, deadline: this.t + OP_TIMEOUT, ctx };
      }
    }
  }

  private invoke(c: Client, op: HistoryOp['op']): number {
    this.history.push({ client: c.id, op, call: ++this.clock, ret: Infinity });
    return this.history.length - 1;
  }

  private respond(h: number, output: string | null | undefined): void {
    const op = this.history[h];
    if (op === undefined) return;
    op.ret = ++this.clock;
    if (output !== undefined) op.output = output;
    const c = this.clients[op.client - 1];
    if (c?.pending?.history === h) c.pending = undefined;
  }

  /** The client stops waiting; the op's outcome stays unknown (ret = Infinity). */
  private abandon(h: number): void {
    const op = this.history[h];
    const c = op === undefined ? undefined : this.clients[op.client - 1];
    if (c?.pending?.history === h) c.pending = undefined;
  }

  private expireOps(): void {
    for (const c of this.clients) {
      const p = c.pending;
      if (p === undefined || p.deadline > this.t) continue;
      const node = this.nodes.get(p.node);
      node?.pendingWrites.delete(p.ctx);
      node?.pendingReads.delete(p.ctx);
      this.abandon(p.history);
    }
  }

  // --- end of run ----------------------------------------------------------------------------------

  private finish(): void {
    this.checker.step = this.t;
    this.checkDurability();
    // Convergence: after the quiet period every live member has applied what the leader committed.
    const lead = this.leader();
    const r = lead?.raw?.raft;
    if (r !== undefined && this.live) {
      for (const id of r.prs.voters()) {
        const node = this.nodes.get(id);
        if (node?.raw !== undefined && node.applied < r.raftLog.committed) {
          this.checker.violations.push({
            step: this.t,
            invariant: 'liveness',
            detail: `node ${id} applied ${node.applied} of ${r.raftLog.committed} committed after the faults healed`,
          });
        }
      }
    }
    const lin = checkLinearizable(this.history);
    if (!lin.ok) {
      this.checker.violations.push({
        step: this.t,
        invariant: 'linearizability',
        detail: `key ${lin.key}: ${lin.reason}`,
      });
    }
  }
}

function shuffle<T>(items: readonly T[], rng: SeededRng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function entryKey(e: Entry): string {
  return `${e.type}:${latin1.decode(e.data)}`;
}

/** The one command that replays a seed exactly. */
export function replayCommand(
  r: SimResult,
  opts: { steps: number; nodes?: number; lyingStorage?: boolean },
): string {
  const nodes = opts.nodes === undefined ? '' : ` --nodes ${opts.nodes}`;
  const lying = opts.lyingStorage === true ? ' --lying-storage' : '';
  return `npm run sim -- --seed ${r.seed} --steps ${r.steps}${nodes}${lying} --trace`;
}

/** Runs one seed. */
export function runSimulation(opts: SimOptions): SimResult {
  return new Simulation(opts).run();
}

/** Whether `cs` already reflects the change `r` asked for. */
function changeIsIn(cs: ConfState, r: MemberRequest): boolean {
  const member = cs.voters.includes(r.nodeId);
  return r.type === ConfChangeType.AddNode ? member : !member;
}
