/**
 * The digest of a network's endpoints in a view, pure: the sum, modulo 2^52, of a 52-bit hash of each
 * endpoint's bytes as the manager sends them (a ViewEndpoint, protobuf). A sum does not depend on order,
 * and an endpoint coming, changing or going costs O(1) (its old hash out, its new one in), so the agent
 * and the manager each keep theirs as endpoints change. An agent whose digest of a network equals the
 * manager's holds that network's endpoints as they are: a new stream (after a failover, or a stream
 * re-opened) sends it the rest of its view only. Not a defence against a forger (only managers write
 * views); two different sets of endpoints agree by chance with odds of about 2^-52.
 */

export const DIGEST_MODULUS = 2 ** 52;
/**
 * The most networks an agent names in one request: more than any node's view holds, and within the
 * manager's bound on the request (16,384 at their longest, 64-character IDs, come to 1.4 MB of its 1.5
 * MiB). An agent holding more sends none, and gets its view whole.
 */
export const MAX_HELD_NETWORKS = 16_384;
/** No endpoint at all. */
export const EMPTY_DIGEST = 0;
const DIGEST_TEXT = /^[0-9a-f]{13}$/;

/** Two 32-bit lanes (FNV-1a and a multiply-xorshift), finalised, as one 52-bit number. */
export function endpointHash(b: Uint8Array, start = 0, end = b.length): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = start; i < end; i++) {
    const c = b[i] as number;
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return (mix(h1 ^ (end - start)) >>> 0) * 2 ** 20 + (mix(h2) >>> 12);
}

/** murmur3's 32-bit finaliser: every input bit reaches every output bit. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** `digest` with an endpoint of hash `h` added. */
export const withEndpoint = (digest: number, h: number): number => (digest + h) % DIGEST_MODULUS;

/** `digest` with an endpoint of hash `h` taken out. */
export const withoutEndpoint = (digest: number, h: number): number =>
  (digest - h + DIGEST_MODULUS) % DIGEST_MODULUS;

/** The digest as it travels: 13 hex digits. */
export const digestText = (digest: number): string => digest.toString(16).padStart(13, '0');

/** The digest `text` names, or undefined if it is not 13 lower-case hex digits. */
export function parseDigest(text: string): number | undefined {
  return DIGEST_TEXT.test(text) ? parseInt(text, 16) : undefined;
}
