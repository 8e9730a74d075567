/** Errors the certs module raises. Each names one condition; callers test with instanceof. */
import { InvalidArgumentError } from '../lib/errors.ts';

/**
 * A certificate could not be used: the PEM does not parse, its subject is not a Shoal node identity,
 * it does not chain to the trusted root, or it is outside its validity period. The message says which.
 */
export class InvalidCertificateError extends InvalidArgumentError {
  override readonly name = 'InvalidCertificateError';
}

/** A certificate signing request was refused: it does not parse, or its self-signature does not verify. */
export class InvalidCsrError extends InvalidArgumentError {
  override readonly name = 'InvalidCsrError';
}

/**
 * A join token does not have the exact `SWMTKN-1-<50 base-36 chars>-<25 base-36 chars>` shape. The message
 * is always swarmkit's `invalid join token`, so nothing about the token leaks into logs or error replies.
 */
export class InvalidJoinTokenError extends InvalidArgumentError {
  override readonly name = 'InvalidJoinTokenError';
  constructor() {
    super('invalid join token');
  }
}

/**
 * The root CA a remote manager served does not hash to the digest pinned in the join token: either the
 * token belongs to another cluster or someone is in the middle. The message is swarmkit's.
 */
export class CaMismatchError extends InvalidArgumentError {
  override readonly name = 'CaMismatchError';
  /** The digest the join token pinned. */
  readonly expected: string;
  /** The digest of the root CA that was actually served. */
  readonly actual: string;
  constructor(expected: string, actual: string) {
    super(`remote CA does not match fingerprint. Expected: ${expected}`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** A private key PEM could not be read as an RSA key, or it does not belong to the certificate it is paired with. */
export class InvalidKeyError extends Error {
  override readonly name = 'InvalidKeyError';
}

/**
 * A sealed root CA key or a key-encryption key could not be used: not in its form, or the key does not
 * open under this KEK (another KEK, another CA certificate, or damaged bytes). The message says which.
 */
export class SealedKeyError extends Error {
  override readonly name = 'SealedKeyError';
}
