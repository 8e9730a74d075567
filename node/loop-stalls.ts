/**
 * Warns when this process's event loop was held up. Heartbeats, Raft and every call wait behind it, so a
 * stall of a second or more is the first thing to know when agents lose their sessions or an election
 * starts for no visible reason: the log says when and for how long, the profile then says by what.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Logger } from 'pino';

export interface LoopStallOptions {
  /** How often the longest delay is looked at (and forgotten). @default 10 s */
  everyMs?: number;
  /** The delay worth a warning. @default 1 s */
  warnMs?: number;
}

/** Starts watching; the returned function stops. */
export function watchLoopStalls(log: Logger, o: LoopStallOptions = {}): () => void {
  const everyMs = o.everyMs ?? 10_000;
  const warnMs = o.warnMs ?? 1000;
  const delays = monitorEventLoopDelay({ resolution: 10 });
  delays.enable();
  const timer = setInterval(() => {
    const maxMs = Math.round(delays.max / 1e6);
    if (maxMs >= warnMs) {
      log.warn(
        { maxMs, p99Ms: Math.round(delays.percentile(99) / 1e6), overMs: everyMs },
        'event loop held up',
      );
    }
    delays.reset();
  }, everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    delays.disable();
  };
}
