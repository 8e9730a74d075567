/**
 * How often one node may open a session, pure (swarmkit: 3 registrations per 8 s per node). Each node
 * has its own sliding window, so a node opening sessions in a tight loop is refused while every other
 * node goes on as before. Refused attempts do not count: once its window has slid past, a node that
 * backs off gets in again. Times are numbers given by the caller (ms). Not safe for re-entrant use.
 */

export interface RateLimitOptions {
  /** Sessions a node may open within one window. */
  maxPerWindow: number;
  windowMs: number;
}

export class SessionRateLimiter {
  /** Node id → when its admitted sessions of the current window were opened, oldest first. */
  private readonly admitted = new Map<string, number[]>();

  /** Throws RangeError on a limit below one session or a window that is not positive. */
  constructor(private readonly o: RateLimitOptions) {
    if (!(Number.isInteger(o.maxPerWindow) && o.maxPerWindow >= 1)) {
      throw new RangeError('sessions per window must be an integer >= 1');
    }
    if (!(Number.isFinite(o.windowMs) && o.windowMs > 0)) throw new RangeError('window must be > 0');
  }

  /** Whether `nodeId` may open a session at `now`; if so, it is counted. */
  tryAdmit(nodeId: string, now: number): boolean {
    const since = now - this.o.windowMs;
    const times = (this.admitted.get(nodeId) ?? []).filter(t => t > since);
    const ok = times.length < this.o.maxPerWindow;
    if (ok) times.push(now);
    this.admitted.set(nodeId, times);
    return ok;
  }

  /** Drops what no window ending at `now` or later can count (keeps memory bounded by active nodes). */
  prune(now: number): void {
    const since = now - this.o.windowMs;
    for (const [id, times] of this.admitted) {
      if (times.every(t => t <= since)) this.admitted.delete(id);
    }
  }

  /** How many nodes have sessions counted (for tests). */
  get size(): number {
    return this.admitted.size;
  }
}
