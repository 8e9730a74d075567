import type forge from 'node-forge';
import { InvalidCertificateError } from './errors.ts';
import { isNodeRole, type NodeRole } from './node-role.ts';
import { parseCertificates } from './parse-certificates.ts';

/** Who a node certificate says its holder is, and when it is valid. */
export interface NodeIdentity {
  /** Subject CN. */
  readonly nodeId: string;
  /** Subject OU. */
  readonly role: NodeRole;
  /** Subject O. */
  readonly clusterId: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Serial number, lowercase hex as encoded (what a removed-node blacklist keys on). */
  readonly serial: string;
}

/**
 * Reads the node identity from a certificate's subject (`CN=<nodeId>, OU=<role>, O=<clusterId>`), without
 * checking who signed it or when: use {@link verifyNodeCertificate} for anything that grants access. With
 * a bundle, the first certificate is read.
 *
 * @throws InvalidCertificateError if the PEM does not parse, CN/OU/O is missing, empty or repeated, or OU
 *   is not `swarm-manager` / `swarm-worker`.
 */
export function readIdentity(certPem: string): NodeIdentity {
  const [cert] = parseCertificates(certPem, 'certificate');
  return identityOf(cert);
}

/**
 * Checks that a node certificate was signed by the root CA (or by one of the roots, if `rootCaPem` is a
 * bundle) and that both it and that root are valid at `now`, then returns its identity.
 *
 * @param now the time to check validity at (default: the wall clock).
 * @returns the certificate's {@link NodeIdentity}.
 * @throws InvalidCertificateError with a readable reason: unparseable certificate or root, not a node
 *   identity, issued by another CA, bad signature, root not a CA, not yet valid, or expired.
 * @throws RangeError if `now` is an invalid Date.
 */
export function verifyNodeCertificate(
  certPem: string,
  rootCaPem: string,
  now: Date = new Date(),
): NodeIdentity {
  // Every comparison with NaN is false, so an invalid Date would pass the validity checks.
  if (!Number.isFinite(now.getTime())) throw new RangeError('verifyNodeCertificate: now is an invalid Date');
  const { identity, cert, root } = issuedBy(certPem, rootCaPem);
  checkValidity(root, now, 'root CA');
  checkValidity(cert, now, 'certificate');
  return identity;
}

/**
 * As {@link verifyNodeCertificate} without the validity period: that the certificate is a node identity
 * signed by the root CA (or one of the roots of a bundle), which is a CA. For a node's own files at start,
 * where an expired certificate is still the node's (it renews, or is told to rejoin).
 *
 * @throws InvalidCertificateError as verifyNodeCertificate, except for the validity period.
 */
export function checkNodeCertificateIssuer(certPem: string, rootCaPem: string): NodeIdentity {
  return issuedBy(certPem, rootCaPem).identity;
}

/** The certificate's identity and the root that signed it. Throws InvalidCertificateError. */
function issuedBy(
  certPem: string,
  rootCaPem: string,
): { identity: NodeIdentity; cert: forge.pki.Certificate; root: forge.pki.Certificate } {
  const [cert] = parseCertificates(certPem, 'certificate');
  const roots = parseCertificates(rootCaPem, 'root CA');
  const identity = identityOf(cert);

  const issuers = roots.filter(root => root.issued(cert));
  if (issuers.length === 0) {
    throw new InvalidCertificateError(
      `certificate was not issued by the trusted root CA: issuer ${dn(cert.issuer.attributes)}, ` +
        `root ${roots.map(root => dn(root.subject.attributes)).join(' | ')}`,
    );
  }
  // Another CA can carry the same name (every swarm's root is CN=swarm-ca): only the signature tells.
  const root = issuers.find(candidate => signedBy(cert, candidate));
  if (root === undefined) {
    throw new InvalidCertificateError('certificate signature does not verify against the trusted root CA');
  }
  if (!isCa(root)) throw new InvalidCertificateError('trusted root is not a CA certificate');
  return { identity, cert, root };
}

/** Whether `cert` says it is a CA (basicConstraints cA). */
export function isCa(cert: forge.pki.Certificate): boolean {
  const constraints = cert.getExtension('basicConstraints') as { cA?: boolean } | undefined;
  return constraints?.cA === true;
}

/** The identity in an already parsed certificate. Throws InvalidCertificateError. */
function identityOf(cert: forge.pki.Certificate): NodeIdentity {
  const nodeId = subjectField(cert, 'CN');
  const role = subjectField(cert, 'OU');
  const clusterId = subjectField(cert, 'O');
  if (!isNodeRole(role)) {
    throw new InvalidCertificateError(
      `certificate OU ${JSON.stringify(role)} is not a node role (swarm-manager or swarm-worker)`,
    );
  }
  return {
    nodeId,
    role,
    clusterId,
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
    serial: cert.serialNumber,
  };
}

/** The single, non-empty subject attribute `shortName`. Throws InvalidCertificateError. */
function subjectField(cert: forge.pki.Certificate, shortName: string): string {
  const values = cert.subject.attributes.filter(a => a.shortName === shortName).map(a => a.value);
  const [value] = values;
  if (values.length !== 1 || typeof value !== 'string' || value === '') {
    throw new InvalidCertificateError(
      `certificate subject must have exactly one non-empty ${shortName}, found ${values.length}`,
    );
  }
  return value;
}

function signedBy(cert: forge.pki.Certificate, root: forge.pki.Certificate): boolean {
  try {
    return root.verify(cert);
  } catch {
    // forge throws rather than returning false on e.g. an unsupported signature algorithm.
    return false;
  }
}

function checkValidity(cert: forge.pki.Certificate, now: Date, what: string): void {
  const { notBefore, notAfter } = cert.validity;
  if (now.getTime() < notBefore.getTime()) {
    throw new InvalidCertificateError(`${what} is not valid before ${notBefore.toISOString()}`);
  }
  if (now.getTime() > notAfter.getTime()) {
    throw new InvalidCertificateError(`${what} expired at ${notAfter.toISOString()}`);
  }
}

/** A distinguished name for error messages, e.g. `CN=swarm-ca`. */
function dn(attributes: readonly forge.pki.CertificateField[]): string {
  return attributes.map(a => `${a.shortName ?? a.name ?? a.type}=${String(a.value)}`).join(', ') || '(empty)';
}
