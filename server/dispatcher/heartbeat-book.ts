/**
 * The dispatcher's heartbeat bookkeeping, pure: when each node's session expires. A node that misses
 * `missedBeats` heartbeats in a row (swarmkit: 3 × 5 s) is due to be marked DOWN. After this manager
 * becomes leader, the nodes it finds in the store get one full expiry window to open a session with it
 * before they are due (swarmkit's grace after a leader change), and more while the others keep coming:
 * a node in grace is due only once a whole window passed with none of them arriving (at most
 * MAX_GRACE_WINDOWS windows in all). Thousands of nodes do not all reach a new leader in one window, and
 * marking those still on their way DOWN moved their tasks (tens of thousands of them, at 5,000 nodes)
 * while they came back, which slowed their return further. Times are numbers given by the caller (ms);
 * randomness is a number in [0, 1) given by the caller. Not safe for re-entrant use.
 */

/** The longest grace, in expiry windows (~8 minutes with swarmkit's 3 × 5 s): a dead node is DOWN by then. */
export const MAX_GRACE_WINDOWS = 30;
/**
 * The first window of a grace grows by this much per node given it at once: a leader takes in sessions
 * at a bounded rate (each a TLS handshake, a registration, a view), so 5,000 nodes take it longer to reach
 * than 5 (at 5,000 nodes on 2 cores the first workers came a minute after the election).
 */
export const GRACE_MS_PER_NODE = 20;

export interface HeartbeatBookOptions {
  /** The heartbeat period handed to nodes, before jitter. */
  periodMs: number;
  /** Each period handed out is `periodMs` ± up to this much (spreads the nodes' beats apart). */
  jitterMs: number;
  /** How many periods without a heartbeat expire a node. */
  missedBeats: number;
}

/** Throws RangeError on options no dispatcher can run with. */
export function checkHeartbeatOptions(o: HeartbeatBookOptions): void {
  if (!(Number.isFinite(o.periodMs) && o.periodMs > 0)) throw new RangeError('heartbeat period must be > 0');
  if (!(Number.isFinite(o.jitterMs) && o.jitterMs >= 0 && o.jitterMs < o.periodMs)) {
    throw new RangeError('heartbeat jitter must be >= 0 and below the period');
  }
  if (!(Number.isInteger(o.missedBeats) && o.missedBeats >= 1)) {
    throw new RangeError('missed heartbeats must be an integer >= 1');
  }
}

export class HeartbeatBook {
  /** Node id → when it expires (ms). Invariant: holds exactly the nodes being watched. */
  private readonly deadlines = new Map<string, number>();
  /** Node id → when its grace began, for the nodes in grace that have not beaten yet. */
  private readonly graced = new Map<string, number>();
  /** When a node in grace last beat (ms). */
  private lastArrival = -Infinity;

  /** Throws RangeError on bad options (see checkHeartbeatOptions). */
  constructor(private readonly o: HeartbeatBookOptions) {
    checkHeartbeatOptions(o);
  }

  /** The period to hand a node for its next beat, from a uniform draw `u` in [0, 1). */
  period(u: number): number {
    return Math.round(this.o.periodMs - this.o.jitterMs + 2 * this.o.jitterMs * u);
  }

  /** The longest a node may stay silent: `missedBeats` of the longest period handed out. */
  get windowMs(): number {
    return (this.o.periodMs + this.o.jitterMs) * this.o.missedBeats;
  }

  /** A registration or heartbeat of `nodeId` at `now`, whose next beat is due in `periodMs`. */
  beat(nodeId: string, now: number, periodMs: number): void {
    this.deadlines.set(nodeId, now + periodMs * this.o.missedBeats);
    if (this.graced.delete(nodeId)) this.lastArrival = now;
  }

  /**
   * Grace for nodes this leader has not heard from yet (just elected, or a node just created): each
   * not already watched expires one full window from `now` (and GRACE_MS_PER_NODE per node given grace
   * with it) unless it beats first, or others in grace keep arriving.
   */
  grace(nodeIds: Iterable<string>, now: number): void {
    const ids = [...nodeIds].filter(id => !this.deadlines.has(id));
    const until = now + this.windowMs + ids.length * GRACE_MS_PER_NODE;
    for (const id of ids) {
      this.deadlines.set(id, until);
      this.graced.set(id, now);
    }
  }

  /** Sets when `nodeId` expires (a failed DOWN write is tried again at `at`). */
  setDeadline(nodeId: string, at: number): void {
    this.deadlines.set(nodeId, at);
  }

  /** Stops watching `nodeId` (its node was removed, or it is marked DOWN already). */
  forget(nodeId: string): void {
    this.deadlines.delete(nodeId);
    this.graced.delete(nodeId);
  }

  has(nodeId: string): boolean {
    return this.deadlines.has(nodeId);
  }

  /** The nodes whose deadline is at or before `now`, sorted; they are no longer watched. */
  expire(now: number): string[] {
    const out: string[] = [];
    for (const [id, at] of this.deadlines) {
      if (at > now) continue;
      const since = this.graced.get(id);
      if (since !== undefined) {
        // In grace while others in grace keep arriving, up to its longest.
        const until = Math.min(this.lastArrival + this.windowMs, since + MAX_GRACE_WINDOWS * this.windowMs);
        if (until > now) {
          this.deadlines.set(id, until);
          continue;
        }
        this.graced.delete(id);
      }
      out.push(id);
    }
    for (const id of out) this.deadlines.delete(id);
    return out.sort();
  }

  /** The earliest deadline, or undefined when no node is watched. */
  nextDeadline(): number | undefined {
    let min: number | undefined;
    for (const at of this.deadlines.values()) if (min === undefined || at < min) min = at;
    return min;
  }

  /** Forgets every node (leadership lost). */
  clear(): void {
    this.deadlines.clear();
    this.graced.clear();
    this.lastArrival = -Infinity;
  }
}
