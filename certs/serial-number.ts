import { randomBytes } from 'node:crypto';

/**
 * A random 128-bit-ish certificate serial number, as the lowercase hex forge expects. The top bit of the
 * first byte is cleared so the DER INTEGER is positive, and the next bit is set so the encoding never
 * needs a leading zero byte (DER must be minimal; OpenSSL rejects padded INTEGERs): 126 random bits,
 * well over RFC 5280's 64-bit recommendation. Never throws.
 */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}
