import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { toBase36 } from './base36.ts';
import { CaMismatchError, InvalidJoinTokenError } from './errors.ts';

/** A parsed `SWMTKN-1-<digest>-<secret>` join token. */
export interface JoinToken {
  readonly version: 1;
  /** {@link caDigest} of the cluster's root CA: 50 base-36 chars. */
  readonly digest: string;
  /** The role-granting secret: 25 base-36 chars. */
  readonly secret: string;
}

/** swarmkit `ca/config.go`: `base36DigestLen`, `maxGeneratedSecretLength`, `generatedSecretEntropyBytes`. */
const DIGEST_LENGTH = 50;
const SECRET_LENGTH = 25;
const SECRET_BYTES = 16;

const TOKEN_PATTERN = /^SWMTKN-1-([0-9a-z]{50})-([0-9a-z]{25})$/;

/**
 * The root CA fingerprint pinned in join tokens: SHA-256 of the PEM text exactly as given (swarmkit hashes
 * the whole bundle, so a man in the middle cannot append a root of its own), as a base-36 number
 * zero-padded to 50 characters. Never throws.
 */
export function caDigest(rootCaPem: string): string {
  return toBase36(createHash('sha256').update(rootCaPem, 'utf8').digest(), DIGEST_LENGTH);
}

/**
 * Makes a join token `SWMTKN-1-<caDigest(rootCaPem)>-<secret>`, the secret being 16 random bytes in base
 * 36 padded to 25. Worker and manager tokens are made separately, so they share the digest but not the
 * secret.
 *
 * @param secretBytes the secret's 16 bytes (default: `crypto.randomBytes(16)`); injectable for tests.
 * @throws RangeError if `secretBytes` is not exactly 16 bytes.
 */
export function createJoinToken(
  rootCaPem: string,
  secretBytes: Uint8Array = randomBytes(SECRET_BYTES),
): string {
  if (secretBytes.length !== SECRET_BYTES) {
    throw new RangeError(
      `createJoinToken: the secret must be ${SECRET_BYTES} bytes, got ${secretBytes.length}`,
    );
  }
  return `SWMTKN-1-${caDigest(rootCaPem)}-${toBase36(secretBytes, SECRET_LENGTH)}`;
}

/**
 * Splits a join token into its parts. Only the exact form `SWMTKN-1-` + 50 + `-` + 25 characters of
 * `[0-9a-z]` is accepted (no trimming, no other version).
 *
 * @throws InvalidJoinTokenError (message `invalid join token`) on any deviation.
 */
export function parseJoinToken(token: string): JoinToken {
  const match = TOKEN_PATTERN.exec(token);
  const digest = match?.[1];
  const secret = match?.[2];
  if (digest === undefined || secret === undefined) throw new InvalidJoinTokenError();
  return { version: 1, digest, secret };
}

/**
 * Compares two tokens (or any secrets) in time that does not depend on where they differ, so a caller
 * cannot learn a secret byte by byte. Only the length, which is public for tokens, can show in timing.
 * Never throws.
 */
export function tokensEqual(a: string, b: string): boolean {
  const bufA = Buffer.from(a, 'utf8');
  const bufB = Buffer.from(b, 'utf8');
  const sameLength = bufA.length === bufB.length;
  // timingSafeEqual throws on different lengths; compare a with itself so both paths do the same work.
  return timingSafeEqual(bufA, sameLength ? bufB : bufA) && sameLength;
}

/**
 * Checks that a root CA downloaded from a manager is the one the join token pinned.
 *
 * @param expectedDigest the `digest` of the parsed join token.
 * @throws CaMismatchError (`remote CA does not match fingerprint. Expected: <expectedDigest>`) otherwise.
 */
export function checkRemoteCa(rootCaPem: string, expectedDigest: string): void {
  const actual = caDigest(rootCaPem);
  if (actual !== expectedDigest) throw new CaMismatchError(expectedDigest, actual);
}
