import type { NodeId } from './types.ts';

export enum ProgressState {
  /** One append at a time until the follower's match is known. */
  Probe = 'probe',
  /** Appends are pipelined, up to the inflight limit. */
  Replicate = 'replicate',
  /** A snapshot is on its way; nothing else is sent. */
  Snapshot = 'snapshot',
}

/**
 * The indexes of the appends in flight to one follower: a bounded FIFO that pauses pipelining when
 * full and frees entries as acknowledgements arrive.
 */
export class Inflights {
  private readonly buf: number[] = [];
  constructor(private readonly cap: number) {}

  add(lastIndex: number): void {
    if (this.full()) throw new Error('raft: cannot add into a full inflights');
    this.buf.push(lastIndex);
  }

  /** Frees every append up to and including index `to`. */
  freeLE(to: number): void {
    let n = 0;
    while (n < this.buf.length && (this.buf[n] ?? Infinity) <= to) n++;
    if (n > 0) this.buf.splice(0, n);
  }

  freeFirstOne(): void {
    this.buf.shift();
  }

  full(): boolean {
    return this.buf.length >= this.cap;
  }

  count(): number {
    return this.buf.length;
  }

  reset(): void {
    this.buf.length = 0;
  }
}

/** What the leader knows of one follower's log. Invariant: match < next. */
export class Progress {
  state = ProgressState.Probe;
  /** In Probe state: an append was sent and is unanswered, so wait before sending another. */
  probeSent = false;
  /** In Snapshot state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from within the last election timeout (for CheckQuorum). */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(
    public match: number,
    public next: number,
    maxInflight: number,
  ) {
    this.inflights = new Inflights(maxInflight);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === ProgressState.Snapshot) {
      const pending = this.pendingSnapshot;
      this.resetState(ProgressState.Probe);
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState(ProgressState.Probe);
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** The follower acknowledged entries up to n; returns whether match moved. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** Pipelining: assume the append up to n will succeed. */
  optimisticUpdate(n: number): void {
    this.next = n + 1;
  }

  /**
   * The follower rejected an append at `rejected`, hinting that its log matches up to at most
   * `matchHint`. Returns false if the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    if (rejected <= this.match) {
      // A fresh rejection of an index the follower acknowledged: its disk lost what it claimed to have
      // synced. Raft assumes that never happens; forget the match and re-learn the follower's log,
      // rather than probing the same index forever.
      this.match = 0;
    }
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
        return this.probeSent;
      case ProgressState.Replicate:
        return this.inflights.full();
      case ProgressState.Snapshot:
        return true;
    }
  }
}

/**
 * The leader's view of every voter, plus the votes of a campaign. Quorum math lives here:
 * a majority of the current voters.
 */
export class ProgressTracker {
  readonly progress = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();

  constructor(private readonly maxInflight: number) {}

  voters(): NodeId[] {
    return [...this.progress.keys()].sort((a, b) => a - b);
  }

  has(id: NodeId): boolean {
    return this.progress.has(id);
  }

  get(id: NodeId): Progress | undefined {
    return this.progress.get(id);
  }

  add(id: NodeId, match: number, next: number): Progress {
    const pr = new Progress(match, next, this.maxInflight);
    this.progress.set(id, pr);
    return pr;
  }

  remove(id: NodeId): void {
    this.progress.delete(id);
    this.votes.delete(id);
  }

  quorum(): number {
    return Math.floor(this.progress.size / 2) + 1;
  }

  /** The largest index that a majority of voters has. */
  committed(): number {
    const n = this.progress.size;
    if (n === 0) return 0;
    const matches = new Array<number>(n);
    let i = 0;
    for (const pr of this.progress.values()) matches[i++] = pr.match;
    matches.sort((a, b) => b - a);
    return matches[this.quorum() - 1] ?? 0;
  }

  /** Whether a majority (the leader included, which marks itself active) was heard from recently. */
  quorumActive(): boolean {
    let active = 0;
    for (const pr of this.progress.values()) if (pr.recentActive) active++;
    return active >= this.quorum();
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  /** Won once a majority granted; lost once a majority can no longer grant; pending otherwise. */
  tallyVotes(): 'won' | 'lost' | 'pending' {
    let granted = 0;
    let rejected = 0;
    for (const id of this.progress.keys()) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    const q = this.quorum();
    if (granted >= q) return 'won';
    if (rejected > this.progress.size - q) return 'lost';
    return 'pending';
  }
}
