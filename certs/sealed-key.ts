import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SealedKeyError } from './errors.ts';
import { caDigest } from './join-token.ts';
import type { RootCa } from './root-ca.ts';

/**
 * The root CA key as the replicated store keeps it: sealed with AES-256-GCM under a key-encryption key
 * (KEK) that the managers keep beside their own keys, never in the Raft log (node/swarm-membership.ts says why).
 * The CA certificate's digest is the additional data, so a sealed key opens only beside its certificate.
 */

/** A KEK's length: 32 bytes, an AES-256 key. */
export const KEK_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** A new random KEK. */
export function createKek(): Buffer {
  return randomBytes(KEK_BYTES);
}

/**
 * Seals `ca.keyPem` under `kek`: `v1.<iv>.<ciphertext>.<tag>`, each part base64.
 *
 * @param iv the 12-byte nonce (default: random; injectable for tests only: never reuse one under a KEK).
 * @throws RangeError if `kek` is not {@link KEK_BYTES} long or `iv` not 12.
 */
export function sealRootCaKey(ca: RootCa, kek: Uint8Array, iv: Uint8Array = randomBytes(IV_BYTES)): string {
  checkKek(kek);
  if (iv.length !== IV_BYTES) throw new RangeError(`sealRootCaKey: the nonce must be ${IV_BYTES} bytes`);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(caDigest(ca.certPem)));
  const data = Buffer.concat([cipher.update(ca.keyPem, 'utf8'), cipher.final()]);
  return [VERSION, b64(iv), b64(data), b64(cipher.getAuthTag())].join('.');
}

/**
 * The CA key sealed by {@link sealRootCaKey} beside `certPem`, in clear (in memory only).
 *
 * @throws SealedKeyError if `sealed` is not in that form, or does not open under `kek` with this certificate
 *   (another KEK, another certificate, or damaged).
 * @throws RangeError if `kek` is not {@link KEK_BYTES} long.
 */
export function openRootCaKey(certPem: string, sealed: string, kek: Uint8Array): RootCa {
  checkKek(kek);
  const [version, iv, data, tag, ...rest] = sealed.split('.');
  if (version !== VERSION || iv === undefined || data === undefined || tag === undefined || rest.length > 0) {
    throw new SealedKeyError('the sealed root CA key is not in the v1.<iv>.<data>.<tag> form');
  }
  const [ivBytes, dataBytes, tagBytes] = [iv, data, tag].map(s => Buffer.from(s, 'base64'));
  if (ivBytes?.length !== IV_BYTES || tagBytes?.length !== TAG_BYTES || dataBytes === undefined) {
    throw new SealedKeyError('the sealed root CA key has a nonce or tag of the wrong length');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, ivBytes);
    decipher.setAAD(Buffer.from(caDigest(certPem)));
    decipher.setAuthTag(tagBytes);
    const keyPem = Buffer.concat([decipher.update(dataBytes), decipher.final()]).toString('utf8');
    return { certPem, keyPem };
  } catch {
    // GCM says only "unable to authenticate data": the cause cannot be told apart, so say all of them.
    throw new SealedKeyError(
      'the sealed root CA key does not open with this key-encryption key (another KEK, another CA certificate, or damaged)',
    );
  }
}

/**
 * A KEK as its file holds it: base64, one line. {@link decodeKek} reads it back.
 */
export function encodeKek(kek: Uint8Array): string {
  checkKek(kek);
  return `${b64(kek)}\n`;
}

/**
 * The KEK in `text` (as {@link encodeKek} writes it; surrounding white space is ignored).
 *
 * @throws SealedKeyError if it is not exactly {@link KEK_BYTES} bytes in canonical base64.
 */
export function decodeKek(text: string): Buffer {
  const trimmed = text.trim();
  const kek = Buffer.from(trimmed, 'base64');
  // Buffer.from skips what is not base64: only a round trip proves the text was the key and nothing else.
  if (kek.length !== KEK_BYTES || b64(kek) !== trimmed) {
    throw new SealedKeyError(`not a key-encryption key (${KEK_BYTES} bytes in base64)`);
  }
  return kek;
}

function checkKek(kek: Uint8Array): void {
  if (kek.length !== KEK_BYTES)
    throw new RangeError(`a key-encryption key is ${KEK_BYTES} bytes, not ${kek.length}`);
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
