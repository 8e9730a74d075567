/**
 * A deterministic in-memory Raft cluster for unit tests, in the spirit of etcd's raft_test.go `network`.
 * Every node has its own MemoryStorage and state machine (the list of applied payloads). `stabilize()`
 * drives the Ready loop of every node and delivers messages until the cluster is quiet; filters drop
 * messages to model crashes, partitions and lost packets. Time only passes through `tickAll`.
 */
import {
  decodeConfChange,
  EntryType,
  MemoryStorage,
  RawNode,
  SeededRng,
  StateType,
  type ConfState,
  type Entry,
  type Message,
  type MessageType,
  type NodeId,
  type RaftConfig,
  type Ready,
  type ReadState,
  type Snapshot,
} from '../../server/raft/index.ts';

/** The RaftConfig knobs a test may set for every node of a network. */
export type NodeOptions = Omit<RaftConfig, 'id' | 'storage' | 'rng' | 'peers'>;

/** Returns true to drop the message. */
export type Filter = (m: Message) => boolean;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

export class Network {
  readonly nodes = new Map<NodeId, RawNode>();
  readonly storages = new Map<NodeId, MemoryStorage>();
  /** Every message any node emitted (including those a filter then dropped), in order. */
  readonly sent: Message[] = [];
  readonly readStates = new Map<NodeId, ReadState[]>();
  private readonly applied = new Map<NodeId, string[]>();
  private readonly confStates = new Map<NodeId, ConfState>();
  private filters: Filter[] = [];
  private pending: Message[] = [];
  private incarnation = 0;

  constructor(
    size: number,
    private readonly opts: NodeOptions = {},
  ) {
    const peers = Array.from({ length: size }, (_, i) => i + 1);
    for (const id of peers) this.start(id, new MemoryStorage(), peers);
  }

  node(id: NodeId): RawNode {
    const raw = this.nodes.get(id);
    if (raw === undefined) throw new Error(`no node ${id}`);
    return raw;
  }

  storage(id: NodeId): MemoryStorage {
    const s = this.storages.get(id);
    if (s === undefined) throw new Error(`no storage for node ${id}`);
    return s;
  }

  /** Adds a node with empty storage and no peers: it learns the configuration from the leader. */
  addNode(id: NodeId): RawNode {
    return this.start(id, new MemoryStorage(), undefined);
  }

  /** Crash-restarts a node: it keeps only its storage and rebuilds its state machine from it. */
  restart(id: NodeId): RawNode {
    return this.start(id, this.storage(id), undefined);
  }

  /** Handles one Ready of node `id` in the contract's order (persist, send, apply, advance); returns it. */
  process(id: NodeId): Ready | undefined {
    const raw = this.node(id);
    if (!raw.hasReady()) return undefined;
    const rd = raw.ready();
    const storage = this.storage(id);
    if (rd.snapshot !== undefined) storage.applySnapshot(rd.snapshot);
    storage.append(rd.entries);
    if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
    this.sent.push(...rd.messages);
    this.pending.push(...rd.messages);
    if (rd.snapshot !== undefined) this.restoreStateMachine(id, rd.snapshot);
    for (const e of rd.committedEntries) this.apply(id, raw, e);
    this.readStates.get(id)?.push(...rd.readStates);
    raw.advance(rd);
    return rd;
  }

  /** Processes Readys and delivers messages until no node has a Ready and nothing is in flight. */
  stabilize(): void {
    for (let round = 0; round < 10_000; round++) {
      let busy = false;
      for (const id of this.nodes.keys()) if (this.process(id) !== undefined) busy = true;
      const msgs = this.pending;
      this.pending = [];
      for (const m of msgs) {
        // A copy, as a real transport would deliver: no object is shared between two nodes.
        if (!this.filters.some(drop => drop(m))) this.nodes.get(m.to)?.step(structuredClone(m));
      }
      if (!busy && msgs.length === 0) return;
    }
    throw new Error('stabilize: the cluster did not quiesce');
  }

  /** `n` rounds of: tick every node once, then stabilize. */
  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const raw of this.nodes.values()) raw.tick();
      this.stabilize();
    }
  }

  /** Makes `id` campaign until it leads (a second try is needed if its first term's votes were cast). */
  elect(id: NodeId): void {
    this.stabilize();
    for (let attempt = 0; attempt < 3; attempt++) {
      this.node(id).campaign();
      this.stabilize();
      if (this.node(id).raft.state === StateType.Leader) return;
    }
    throw new Error(`node ${id} failed to become leader`);
  }

  /** The leader with the highest term (a partitioned old leader may still think it leads). */
  leader(): NodeId | undefined {
    let best: RawNode | undefined;
    for (const raw of this.nodes.values()) {
      if (raw.raft.state === StateType.Leader && (best === undefined || raw.raft.term > best.raft.term))
        best = raw;
    }
    return best?.raft.id;
  }

  /** Proposes one entry per item on node `id` (as one batch) and stabilizes. */
  propose(id: NodeId, ...items: string[]): void {
    this.node(id).propose(...items.map(bytes));
    this.stabilize();
  }

  /** The payloads of the normal entries node `id` applied, in order (empty entries skipped). */
  appliedData(id: NodeId): string[] {
    return [...(this.applied.get(id) ?? [])];
  }

  /** Snapshots node `id`'s state machine at its applied index and compacts its log up to there. */
  compact(id: NodeId): Snapshot {
    const index = this.node(id).raft.raftLog.applied;
    const data = bytes(JSON.stringify(this.appliedData(id)));
    const snap = this.storage(id).createSnapshot(index, this.confStates.get(id) ?? { voters: [] }, data);
    this.storage(id).compact(index);
    return snap;
  }

  // --- filters -------------------------------------------------------------------------------------

  /** Drops every message to or from `id` (a crashed or partitioned node). */
  isolate(id: NodeId): void {
    this.dropIf(m => m.from === id || m.to === id);
  }

  /** Drops every message between `a` and `b`, both ways. */
  cut(a: NodeId, b: NodeId): void {
    this.drop(a, b);
    this.drop(b, a);
  }

  /** Drops messages from `from` to `to` (one direction only). */
  drop(from: NodeId, to: NodeId): void {
    this.dropIf(m => m.from === from && m.to === to);
  }

  /** Drops every message of `type`. */
  ignore(type: MessageType): void {
    this.dropIf(m => m.type === type);
  }

  dropIf(filter: Filter): void {
    this.filters.push(filter);
  }

  /** Removes every filter. */
  recover(): void {
    this.filters = [];
  }

  // --- internals -----------------------------------------------------------------------------------

  private start(id: NodeId, storage: MemoryStorage, peers: NodeId[] | undefined): RawNode {
    const raw = new RawNode({
      electionTick: 10,
      heartbeatTick: 1,
      ...this.opts,
      id,
      storage,
      rng: new SeededRng(1000 * ++this.incarnation + id),
      ...(peers === undefined ? {} : { peers }),
    });
    this.nodes.set(id, raw);
    this.storages.set(id, storage);
    this.readStates.set(id, []);
    // The state machine is in memory: it restarts from the latest snapshot and replays the log.
    this.restoreStateMachine(id, storage.snapshot());
    return raw;
  }

  private restoreStateMachine(id: NodeId, snap: Snapshot): void {
    const data = snap.data.byteLength === 0 ? [] : (JSON.parse(decoder.decode(snap.data)) as string[]);
    this.applied.set(id, data);
    this.confStates.set(id, snap.metadata.confState);
  }

  private apply(id: NodeId, raw: RawNode, e: Entry): void {
    if (e.type === EntryType.ConfChange) {
      this.confStates.set(id, raw.applyConfChange(decodeConfChange(e.data)));
    } else if (e.data.byteLength > 0) {
      this.applied.get(id)?.push(decoder.decode(e.data));
    }
  }
}
