/**
 * How many simulated agents of one fleet process may be opening a session at once (from the TLS handshake
 * to the session's first message). A process holding thousands of agents on one core cannot run thousands
 * of handshakes at once: at 5,000 agents they all missed their 5 s deadline and started again, and the
 * harness measured its own overload (95 in session after five minutes). Real nodes each have a CPU of
 * their own; the managers still see sessions opened as fast as the harness can open them.
 */
export class ConnectGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {
    if (!(Number.isInteger(max) && max >= 1)) throw new RangeError('connect gate: at least one at a time');
  }

  /** Runs `fn` once a slot is free; `leave` (idempotent) frees it. */
  enter(fn: (leave: () => void) => void): void {
    const run = (): void => {
      this.active++;
      let left = false;
      fn(() => {
        if (left) return;
        left = true;
        this.active--;
        this.waiting.shift()?.();
      });
    };
    if (this.active < this.max) run();
    else this.waiting.push(run);
  }
}
