import forge from 'node-forge';
import { InvalidCertificateError } from './errors.ts';
import { isCa } from './identity.ts';
import { parseCertificates } from './parse-certificates.ts';
import { generateRsaKey, loadRsaPrivateKey, publicKeyOf } from './rsa-key.ts';
import { randomSerialNumber } from './serial-number.ts';
import { validityWindow } from './validity-window.ts';

/** A certificate authority: its self-signed certificate and its private key (PKCS#8), both PEM. */
export interface RootCa {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Options for {@link createRootCa}. */
export interface CreateRootCaOptions {
  /** Issue time (default: the wall clock). The certificate is valid from one hour before it. */
  readonly now?: Date;
  /** How long the CA stays valid from `now` (default {@link ROOT_CA_VALIDITY_MS}, 20 years). */
  readonly validityMs?: number;
}

/** The subject CN of every Shoal root CA, as in swarmkit; nodes also dial managers by this name. */
export const ROOT_CA_COMMON_NAME = 'swarm-ca';

/** swarmkit's `RootCAExpiration`: 20 years of 365 days. */
export const ROOT_CA_VALIDITY_MS = 20 * 365 * 24 * 60 * 60 * 1000;

/**
 * Creates a new self-signed root CA (`CN=swarm-ca`, RSA-2048, SHA-256): basicConstraints cA (critical),
 * keyUsage keyCertSign + cRLSign (critical), a subject key identifier, a random serial, valid for 20
 * years and backdated one hour.
 *
 * @throws RangeError if `now` is an invalid Date or `validityMs` is not positive.
 */
export function createRootCa(opts: CreateRootCaOptions = {}): RootCa {
  const { notBefore, notAfter } = validityWindow(
    opts.now ?? new Date(),
    opts.validityMs ?? ROOT_CA_VALIDITY_MS,
  );
  const { keyPem } = generateRsaKey();
  const privateKey = loadRsaPrivateKey(keyPem);

  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKeyOf(privateKey);
  cert.serialNumber = randomSerialNumber();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const subject = [{ name: 'commonName', value: ROOT_CA_COMMON_NAME }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/**
 * Checks that `pem` is a root CA certificate (or a bundle of them, as during a rotation): every block
 * parses as a certificate that says it is a CA. Validity periods are not checked.
 *
 * @throws InvalidCertificateError saying what is wrong.
 */
export function checkRootCaCertificate(pem: string): void {
  for (const cert of parseCertificates(pem, 'root CA')) {
    if (!isCa(cert)) throw new InvalidCertificateError('root CA: the certificate is not a CA certificate');
  }
}
