/**
 * Which proposals every replica has applied, so that one proposed twice is applied once (the Raft
 * thesis' client sessions, §6.3, at the driver). A follower whose forwarded proposal may have died with
 * the leader can then simply propose it again when a new leader comes: if the first copy made it into
 * the log after all, the second is skipped on every replica alike. Without that, such a proposal's
 * caller could only wait out its whole timeout (10 s) while a new leader served everyone else.
 *
 * Kept per proposer and run: the numbers applied within the last WINDOW of the highest one, and the
 * last RUNS_PER_PROPOSER runs of each proposer. A proposal older than that is long timed out, and its
 * proposer never sends it again. The state depends only on the entries applied, so it is the same on
 * every replica, and it travels in the driver's snapshots.
 */
import type { ProposalId } from './proposal-envelope.ts';

/** How far below the highest number applied a proposer's numbers are still remembered. */
const WINDOW = 65_536;
/** How many runs of one proposer are remembered (older ones: that process is long gone). */
const RUNS_PER_PROPOSER = 4;

interface RunSession {
  proposer: number;
  run: number;
  max: number;
  applied: Set<number>;
  /** The log index of its last application: the oldest run of a proposer is forgotten first. */
  lastIndex: number;
}

export interface SessionsSnapshot {
  runs: { proposer: number; run: number; max: number; applied: number[]; lastIndex: number }[];
}

export class ProposalSessions {
  private readonly runs = new Map<string, RunSession>();

  /**
   * Records `id` as applied at log index `index`; false if it was applied already (the entry is a
   * duplicate and must be skipped). Entries of the first layout (run 0) are never duplicates.
   */
  apply(id: ProposalId, index: number): boolean {
    if (id.run === 0) return true;
    const key = `${id.proposer}:${id.run}`;
    let s = this.runs.get(key);
    if (s === undefined) {
      s = { proposer: id.proposer, run: id.run, max: 0, applied: new Set(), lastIndex: index };
      this.runs.set(key, s);
      this.forgetOldRuns(id.proposer);
    }
    if (s.applied.has(id.seq) || id.seq <= s.max - WINDOW) return false;
    s.applied.add(id.seq);
    s.lastIndex = index;
    if (id.seq > s.max) {
      s.max = id.seq;
      // Forget the numbers that fell out of the window (rarely: a tenth of the window at a time).
      if (s.applied.size > WINDOW + WINDOW / 10) {
        for (const seq of s.applied) if (seq <= s.max - WINDOW) s.applied.delete(seq);
      }
    }
    return true;
  }

  snapshot(): SessionsSnapshot {
    return {
      runs: [...this.runs.values()].map(s => ({
        proposer: s.proposer,
        run: s.run,
        max: s.max,
        applied: [...s.applied].sort((a, b) => a - b),
        lastIndex: s.lastIndex,
      })),
    };
  }

  restore(snap: SessionsSnapshot | undefined): void {
    this.runs.clear();
    for (const r of snap?.runs ?? []) {
      this.runs.set(`${r.proposer}:${r.run}`, { ...r, applied: new Set(r.applied) });
    }
  }

  private forgetOldRuns(proposer: number): void {
    const mine = [...this.runs.values()].filter(s => s.proposer === proposer);
    if (mine.length <= RUNS_PER_PROPOSER) return;
    mine.sort((a, b) => a.lastIndex - b.lastIndex);
    for (const s of mine.slice(0, mine.length - RUNS_PER_PROPOSER))
      this.runs.delete(`${s.proposer}:${s.run}`);
  }
}
