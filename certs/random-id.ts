import { randomBytes } from 'node:crypto';
import { toBase36 } from './base36.ts';

/** swarmkit `identity/randomid.go`: 16 bytes of entropy, written in base 36, 25 characters. */
const ID_BYTES = 16;
const ID_LENGTH = 25;
const ID_PATTERN = /^[0-9a-z]{25}$/;

/**
 * A new node ID in swarmkit's format: 16 random bytes as 25 base-36 characters, with the top bit set as
 * swarmkit does (the number then always needs all 25 digits).
 *
 * @param entropy the 16 bytes to use (default: `crypto.randomBytes(16)`); injectable for deterministic tests.
 * @throws RangeError if `entropy` is not 16 bytes.
 */
export function randomNodeId(entropy?: Uint8Array): string {
  return randomId(entropy);
}

/**
 * A new cluster ID, in the same format as {@link randomNodeId}.
 *
 * @param entropy the 16 bytes to use (default: `crypto.randomBytes(16)`).
 * @throws RangeError if `entropy` is not 16 bytes.
 */
export function randomClusterId(entropy?: Uint8Array): string {
  return randomId(entropy);
}

/** Whether `s` has the form of a node or cluster ID: 25 characters of lowercase base 36. Never throws. */
export function isRandomId(s: unknown): s is string {
  return typeof s === 'string' && ID_PATTERN.test(s);
}

/**
 * Entropy drawn a page at a time: one `randomBytes` call per ID cost a system call each, and a pass that
 * creates thousands of tasks spent more on those than on the tasks. Same source, fewer calls.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolAt = 0;

function freshEntropy(): Uint8Array {
  if (poolAt + ID_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  const bytes = pool.subarray(poolAt, poolAt + ID_BYTES);
  poolAt += ID_BYTES;
  return bytes;
}

function randomId(entropy: Uint8Array = freshEntropy()): string {
  if (entropy.length !== ID_BYTES) {
    throw new RangeError(`random ID: need ${ID_BYTES} bytes of entropy, got ${entropy.length}`);
  }
  // Copy: setting the top bit must not write into the caller's buffer.
  const bytes = Uint8Array.from(entropy);
  bytes[0] = (bytes[0] ?? 0) | 0x80;
  return toBase36(bytes, ID_LENGTH);
}
