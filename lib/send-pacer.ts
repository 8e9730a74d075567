/**
 * When the next message of a stream may go (pure: the caller gives the time). A few go at once after a
 * quiet spell, so a small change (a task assigned, then running) is never held back; past that burst,
 * one per `periodMs`, so a busy stream's changes are gathered into fewer, larger messages. A token
 * bucket: `burst` tokens, one spent per message, one back per `periodMs`.
 */
export class SendPacer {
  private tokens: number;
  private at: number;

  constructor(
    private periodMs: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  /** How long from `now` until the next message may go (0: at once). */
  delay(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) * this.periodMs);
  }

  /** From `now` on, a token comes back per `periodMs` (what came back until now stays). */
  setPeriod(periodMs: number, now: number): void {
    if (periodMs === this.periodMs) return;
    this.refill(now);
    this.periodMs = periodMs;
  }

  /** A message went at `now`. */
  sent(now: number): void {
    this.refill(now);
    this.tokens = Math.max(0, this.tokens - 1);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.at);
    this.tokens = Math.min(this.burst, this.tokens + elapsed / this.periodMs);
    this.at = Math.max(this.at, now);
  }
}
