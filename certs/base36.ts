/**
 * Writes `bytes` as one big-endian unsigned integer in base 36 (digits `0-9a-z`), left-padded with zeros
 * to `width` characters. This is how swarmkit spells join-token digests and secrets and random IDs
 * (Go's `big.Int.Text(36)` plus `%0*s`).
 *
 * @throws RangeError if the number needs more than `width` digits: a fixed-width field must never
 *   silently grow, or parsers that check exact lengths would reject what we produced.
 */
export function toBase36(bytes: Uint8Array, width: number): string {
  // BigInt('0x') is a SyntaxError, so an empty input is zero.
  const value = bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex'));
  const digits = value.toString(36);
  if (digits.length > width) {
    throw new RangeError(`base36: ${bytes.length} bytes need ${digits.length} digits, more than ${width}`);
  }
  return digits.padStart(width, '0');
}
