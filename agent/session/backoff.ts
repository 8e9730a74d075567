/**
 * The agent's reconnection delay, pure (swarmkit's agent: 100 ms doubling to 8 s): the cap of attempt n
 * is min(maxMs, initialMs × 2^n), and the delay a uniform draw between half the cap and the cap, so
 * that agents cut off together do not come back together. Randomness is an input in [0, 1).
 */

export interface BackoffOptions {
  /** @default 100 */
  initialMs?: number;
  /** @default 8000 */
  maxMs?: number;
}

/** The delay before reconnection attempt `failures` (0 = after the first failure), given a draw `u` in [0, 1). */
export function backoffDelay(failures: number, u: number, o: BackoffOptions = {}): number {
  const initial = o.initialMs ?? 100;
  const max = o.maxMs ?? 8000;
  const cap = Math.min(max, initial * 2 ** Math.min(failures, 30));
  return Math.round(cap / 2 + (cap / 2) * u);
}
