/**
 * How far certificates are backdated: swarmkit's `CertBackdate`, so that a peer whose clock runs up to an
 * hour behind the issuer's still accepts a certificate issued "now".
 */
export const BACKDATE_MS = 60 * 60 * 1000;

/** The notBefore / notAfter pair of a certificate. */
export interface ValidityWindow {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * The validity of a certificate issued at `now` that should be usable for `validityMs` from then:
 * `[now - 1 h, now + validityMs]`. X.509 times have one-second resolution, so milliseconds are dropped
 * here rather than silently by the encoder, which keeps what callers see equal to what the cert says.
 *
 * @throws RangeError if `now` is an invalid Date or `validityMs` is not a positive finite number.
 */
export function validityWindow(now: Date, validityMs: number): ValidityWindow {
  const t = now.getTime();
  if (!Number.isFinite(t)) throw new RangeError('validity: now is an invalid Date');
  if (!Number.isFinite(validityMs) || validityMs <= 0) {
    throw new RangeError(`validity: validityMs must be a positive number, got ${validityMs}`);
  }
  const floorSecond = (ms: number): Date => new Date(Math.floor(ms / 1000) * 1000);
  return { notBefore: floorSecond(t - BACKDATE_MS), notAfter: floorSecond(t + validityMs) };
}
