/**
 * When a node renews its certificate (swarmkit `ca/renewer.go`, `calculateRandomExpiry`): at a random
 * point between 50 % and 80 % of its validity, so that a cluster's nodes, issued together, do not all
 * come back to the CA at once; a failed renewal is retried with a backoff from 5 s up to 1 h.
 */

/** The earliest renewal point, as a fraction of the validity (swarmkit's `CertLowerRotationRange`). */
export const RENEWAL_FROM = 0.5;
/** The latest renewal point (swarmkit's `CertUpperRotationRange`). */
export const RENEWAL_TO = 0.8;
/** The first retry after a failed renewal. */
export const RENEWAL_RETRY_MIN_MS = 5_000;
/** The longest wait between retries. */
export const RENEWAL_RETRY_MAX_MS = 60 * 60 * 1000;

/**
 * When to renew a certificate valid over `[notBefore, notAfter]`: `notBefore + validity × (0.5 + 0.3 ×
 * random)`. The window is counted from notBefore, which is backdated, as swarmkit counts it.
 *
 * @param random a number in [0, 1) (the caller draws it, once per certificate).
 * @returns milliseconds since the epoch.
 * @throws RangeError if a date is invalid, notAfter is not after notBefore, or `random` is outside [0, 1).
 */
export function renewalTime(notBefore: Date, notAfter: Date, random: number): number {
  const from = notBefore.getTime();
  const to = notAfter.getTime();
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new RangeError('renewalTime: invalid date');
  if (to <= from) throw new RangeError('renewalTime: notAfter must be after notBefore');
  if (!(random >= 0 && random < 1))
    throw new RangeError(`renewalTime: random must be in [0, 1), got ${random}`);
  return Math.floor(from + (to - from) * (RENEWAL_FROM + (RENEWAL_TO - RENEWAL_FROM) * random));
}

/**
 * How long to wait after the `failures`-th failed renewal in a row: 5 s, 10 s, 20 s, … capped at 1 h.
 *
 * @throws RangeError if `failures` is not a positive integer.
 */
export function renewalRetryDelayMs(failures: number): number {
  if (!Number.isSafeInteger(failures) || failures < 1) {
    throw new RangeError(`renewalRetryDelayMs: failures must be a positive integer, got ${failures}`);
  }
  // 2^10 × 5 s is past the cap already; clamping the exponent keeps the number finite for any count.
  return Math.min(RENEWAL_RETRY_MIN_MS * 2 ** Math.min(failures - 1, 20), RENEWAL_RETRY_MAX_MS);
}
