/**
 * Cooperative time slices for long loops on the event loop: once a slice is used up, `yield()` lets
 * timers and I/O run (heartbeats, other calls, the Raft transport) before the loop goes on. A leader
 * applying one write of thousands of tasks must not hold every session's heartbeat past its deadline.
 */
export class TimeSlice {
  private start = performance.now();

  constructor(private readonly ms: number) {}

  /** Whether this slice is used up. */
  get due(): boolean {
    return performance.now() - this.start >= this.ms;
  }

  /** Lets the event loop turn (timers, I/O), then starts a new slice. */
  async yield(): Promise<void> {
    await new Promise<void>(resolve => setImmediate(resolve));
    this.start = performance.now();
  }
}
