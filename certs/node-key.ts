import forge from 'node-forge';
import { InvalidKeyError } from './errors.ts';
import { parseCertificates } from './parse-certificates.ts';
import { generateRsaKey, loadRsaPrivateKey, publicKeyOf } from './rsa-key.ts';

/** A node's TLS key pair: the private key (PKCS#8 PEM) and its public key (SPKI PEM). */
export interface NodeKey {
  readonly keyPem: string;
  readonly publicKeyPem: string;
}

/**
 * Generates a node's RSA-2048 TLS key with Node's native crypto (swarmkit uses ECDSA P-256, which forge
 * cannot sign certificates for). Throws only if OpenSSL itself fails.
 */
export function createNodeKey(): NodeKey {
  return generateRsaKey();
}

/**
 * Builds a PKCS#10 certificate signing request for `keyPem`, self-signed with SHA-256. The subject is
 * only `CN=<commonName>` when given, and empty otherwise: the CA ignores it anyway and writes the node's
 * identity itself (swarmkit's CSRs carry no subject either).
 *
 * @throws InvalidKeyError if `keyPem` is not a readable RSA private key.
 */
export function createCsr(keyPem: string, commonName?: string): string {
  const privateKey = loadRsaPrivateKey(keyPem);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = publicKeyOf(privateKey);
  csr.setSubject(commonName === undefined ? [] : [{ name: 'commonName', value: commonName }]);
  csr.sign(privateKey, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

/**
 * Checks that `certPem` certifies the public half of `keyPem`: a renewed certificate must be for the key
 * the node just made (swarmkit checks that its own CSR came back).
 *
 * @throws InvalidKeyError if it does not, or if the key is unreadable.
 * @throws InvalidCertificateError if the certificate does not parse.
 */
export function checkKeyPair(certPem: string, keyPem: string): void {
  const [cert] = parseCertificates(certPem, 'certificate');
  const key = loadRsaPrivateKey(keyPem);
  const pub = cert.publicKey;
  if (!('n' in pub) || pub.n.compareTo(key.n) !== 0 || pub.e.compareTo(key.e) !== 0) {
    throw new InvalidKeyError('the certificate is not for this private key');
  }
}
