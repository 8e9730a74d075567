import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { messageOf } from '../lib/message-of.ts';
import { InvalidKeyError } from './errors.ts';

/** A freshly generated RSA key pair, as PEM text. */
export interface RsaKeyPem {
  /** The private key, PKCS#8 (`BEGIN PRIVATE KEY`), the form swarmkit stores node keys in. */
  readonly keyPem: string;
  /** The public key, SubjectPublicKeyInfo (`BEGIN PUBLIC KEY`). */
  readonly publicKeyPem: string;
}

/**
 * Generates an RSA-2048 key pair with Node's native crypto. forge can only sign with RSA (it has no
 * ECDSA), and its pure-JS key generation is ~20x slower than OpenSSL's, so the key is made natively and
 * handed to forge as PEM. Throws only if OpenSSL itself fails.
 */
export function generateRsaKey(): RsaKeyPem {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { keyPem: privateKey, publicKeyPem: publicKey };
}

/**
 * Reads an unencrypted RSA private key (PKCS#8 or PKCS#1 PEM) into forge.
 *
 * @throws InvalidKeyError if the PEM is malformed, encrypted or not an RSA key.
 */
export function loadRsaPrivateKey(keyPem: string): forge.pki.rsa.PrivateKey {
  try {
    return forge.pki.privateKeyFromPem(keyPem);
  } catch (err) {
    throw new InvalidKeyError(`cannot read RSA private key: ${messageOf(err)}`, { cause: err });
  }
}

/** The public half of a forge RSA private key (forge keeps n and e in the private key). Never throws. */
export function publicKeyOf(key: forge.pki.rsa.PrivateKey): forge.pki.rsa.PublicKey {
  return forge.pki.setRsaPublicKey(key.n, key.e);
}
