import type { NodeId } from '../../server/raft/index.ts';

/** A broken invariant, with the simulation step where it was seen. */
export interface Violation {
  step: number;
  invariant: string;
  detail: string;
}

/** What a node's log looks like to the leader-completeness check. */
export interface LogView {
  /** Entries below this index are covered by the node's snapshot. */
  firstIndex: number;
  lastIndex: number;
  /** Term of entry i, for firstIndex <= i <= lastIndex. */
  term(i: number): number;
}

/** An acknowledged write: the entry that carried it and the quorum it needed when it committed. */
export interface AckedWrite {
  index: number;
  term: number;
  quorum: number;
  label: string;
}

interface EntryRecord {
  prevTerm: number | undefined;
  dataKey: string;
}

/**
 * The Raft safety properties (Figure 3 of the paper), checked incrementally from observations the
 * simulator makes after every step. Each method records a violation instead of throwing, so one run
 * reports everything it saw.
 */
export class SafetyChecker {
  readonly violations: Violation[] = [];
  step = 0;
  private readonly leaders = new Map<number, NodeId>();
  /** (index, term) → what that entry is; the same pair must always be the same entry. */
  private readonly entries = new Map<number, Map<number, EntryRecord>>();
  /** index → term of the entry applied there by whichever node applied it first. */
  private readonly applied: number[] = [];
  private readonly acked: AckedWrite[] = [];
  /** Acknowledged writes already reported lost (each is reported once). */
  private readonly lost = new Set<AckedWrite>();

  private fail(invariant: string, detail: string): void {
    this.violations.push({ step: this.step, invariant, detail });
  }

  /** Election safety: at most one leader per term. */
  leaderElected(term: number, id: NodeId): void {
    const prev = this.leaders.get(term);
    if (prev === undefined) this.leaders.set(term, id);
    else if (prev !== id)
      this.fail('election safety', `nodes ${prev} and ${id} are both leader in term ${term}`);
  }

  /**
   * Log matching: an (index, term) pair identifies one entry and the entry before it. Checked on
   * every entry a node persists; by induction the whole prefixes then match.
   */
  entryPersisted(
    node: NodeId,
    index: number,
    term: number,
    dataKey: string,
    prevTerm: number | undefined,
  ): void {
    let byTerm = this.entries.get(index);
    if (byTerm === undefined) this.entries.set(index, (byTerm = new Map()));
    const rec = byTerm.get(term);
    if (rec === undefined) {
      byTerm.set(term, { prevTerm, dataKey });
      return;
    }
    if (rec.dataKey !== dataKey) {
      this.fail('log matching', `node ${node} persisted a different entry at index ${index} term ${term}`);
    }
    if (prevTerm !== undefined && rec.prevTerm !== undefined && rec.prevTerm !== prevTerm) {
      this.fail(
        'log matching',
        `node ${node}: entry ${index}@${term} follows term ${prevTerm}, elsewhere term ${rec.prevTerm}`,
      );
    }
    if (rec.prevTerm === undefined) rec.prevTerm = prevTerm;
  }

  /** A membership change applied where it was asked must answer its request, never leave it to time out. */
  memberAnswerLost(at: NodeId, add: boolean, nodeId: NodeId): void {
    this.fail(
      'membership answer',
      `node ${at} applied ${add ? 'adding' : 'removing'} node ${nodeId} but never answered the request`,
    );
  }

  /** A proposer answers each call with the outcome of that call's own entry, never another's. */
  replyMatches(node: NodeId, asked: string, applied: string, index: number): void {
    if (asked !== applied) {
      this.fail(
        'reply ↔ entry',
        `node ${node} answered the write of ${asked} with entry ${index}, which wrote ${applied}`,
      );
    }
  }

  /** State machine safety: no two nodes apply different entries at one index. */
  entryApplied(node: NodeId, index: number, term: number): void {
    const first = this.applied[index];
    if (first === undefined) this.applied[index] = term;
    else if (first !== term) {
      this.fail(
        'state machine safety',
        `node ${node} applied ${index}@${term}, another node applied ${index}@${first}`,
      );
    }
  }

  /** A snapshot stands for the applied prefix up to its index: it must agree with what others applied. */
  snapshotInstalled(node: NodeId, index: number, term: number): void {
    this.entryApplied(node, index, term);
  }

  /** Highest index any node applied (everything up to it is committed). */
  committedIndex(): number {
    return this.applied.length - 1;
  }

  /** Leader completeness: a new leader's log holds every entry committed before its term. */
  leaderLog(node: NodeId, term: number, log: LogView): void {
    const committed = this.committedIndex();
    if (log.lastIndex < committed) {
      this.fail(
        'leader completeness',
        `leader ${node} of term ${term} ends at ${log.lastIndex}, committed ${committed}`,
      );
      return;
    }
    for (let i = Math.max(1, log.firstIndex); i <= committed; i++) {
      const want = this.applied[i];
      if (want !== undefined && log.term(i) !== want) {
        this.fail(
          'leader completeness',
          `leader ${node} of term ${term} has ${i}@${log.term(i)}, committed ${i}@${want}`,
        );
        return;
      }
    }
  }

  writeAcked(w: AckedWrite): void {
    this.acked.push(w);
  }

  /**
   * Durability: every acknowledged write is still on the disks of at least the quorum that
   * committed it. `copies(index, term)` counts the disks holding the entry (or a snapshot covering it).
   */
  checkDurability(copies: (index: number, term: number) => number): void {
    for (const w of this.acked) {
      if (this.lost.has(w)) continue;
      const n = copies(w.index, w.term);
      if (n < w.quorum) {
        this.lost.add(w);
        this.fail(
          'durability',
          `acknowledged ${w.label} at ${w.index}@${w.term} is on ${n} disks, needs ${w.quorum}`,
        );
      }
    }
  }

  ackedWrites(): readonly AckedWrite[] {
    return this.acked;
  }
}
