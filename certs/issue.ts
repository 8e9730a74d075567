import { sign } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';
import { messageOf } from '../lib/message-of.ts';
import { InvalidCsrError, InvalidKeyError } from './errors.ts';
import { isNodeRole, type NodeRole } from './node-role.ts';
import { parseCertificates } from './parse-certificates.ts';
import { ROOT_CA_COMMON_NAME, type RootCa } from './root-ca.ts';
import { loadRsaPrivateKey } from './rsa-key.ts';
import { randomSerialNumber } from './serial-number.ts';
import { validityWindow } from './validity-window.ts';

/** swarmkit's default node certificate lifetime: 90 days (`2160h`). */
export const NODE_CERT_VALIDITY_MS = 90 * 24 * 60 * 60 * 1000;

/** What {@link signNodeCertificate} needs to issue one node certificate. */
export interface SignNodeCertificateOptions {
  /** The node's PKCS#10 request. Only its public key is used; its subject and extensions are ignored. */
  readonly csrPem: string;
  /** The issuing CA (certificate and private key). */
  readonly ca: RootCa;
  /** Becomes the subject CN and a DNS SAN. */
  readonly nodeId: string;
  /** Becomes the subject OU and a DNS SAN; managers also get the `swarm-ca` SAN. */
  readonly role: NodeRole;
  /** Becomes the subject O. */
  readonly clusterId: string;
  /** Lifetime from `now` (default {@link NODE_CERT_VALIDITY_MS}, 90 days). */
  readonly validityMs?: number;
  /** Issue time (default: the wall clock). The certificate is valid from one hour before it. */
  readonly now?: Date;
  /** Extra IPv4/IPv6 SANs, for peers that must dial this node by address and check its identity. */
  readonly ipAddresses?: readonly string[];
}

/** forge's GeneralName tags for subjectAltName entries (RFC 5280 §4.2.1.6). */
const SAN_DNS = 2;
const SAN_IP = 7;

/**
 * Issues a node certificate from a CSR: subject `CN=<nodeId>, OU=<role>, O=<clusterId>`; DNS SANs
 * `<role>`, `<nodeId>` and, for managers, `swarm-ca` (nodes dial the CA by that name), plus any
 * `ipAddresses`; keyUsage digitalSignature + keyEncipherment and extKeyUsage serverAuth + clientAuth (each
 * node is both a TLS client and server); not a CA; subject and authority key identifiers; a random
 * serial; valid `[now - 1 h, now + validityMs]`; signed SHA-256 with the CA key.
 *
 * @returns the certificate, PEM.
 * @throws InvalidCsrError if the CSR does not parse, has no RSA public key, or its self-signature does not
 *   verify (it was tampered with, or the requester does not hold the key).
 * @throws InvalidCertificateError if `ca.certPem` does not parse.
 * @throws InvalidKeyError if `ca.keyPem` is unreadable or does not belong to `ca.certPem`.
 * @throws RangeError on a bad argument: unknown role, empty nodeId/clusterId, invalid IP, bad time.
 */
export function signNodeCertificate(opts: SignNodeCertificateOptions): string {
  const { nodeId, role, clusterId } = opts;
  if (!isNodeRole(role)) throw new RangeError(`signNodeCertificate: unknown role ${JSON.stringify(role)}`);
  if (nodeId === '') throw new RangeError('signNodeCertificate: nodeId is empty');
  if (clusterId === '') throw new RangeError('signNodeCertificate: clusterId is empty');
  const ips = opts.ipAddresses ?? [];
  for (const ip of ips) {
    if (isIP(ip) === 0) throw new RangeError(`signNodeCertificate: not an IP address: ${JSON.stringify(ip)}`);
  }
  const { notBefore, notAfter } = validityWindow(
    opts.now ?? new Date(),
    opts.validityMs ?? NODE_CERT_VALIDITY_MS,
  );

  const publicKey = verifiedCsrPublicKey(opts.csrPem);
  const [caCert] = parseCertificates(opts.ca.certPem, 'CA certificate');
  const caKey = loadRsaPrivateKey(opts.ca.keyPem);
  // A mismatched pair would sign certificates that nobody can verify; fail at the cause instead.
  const caPublicKey = caCert.publicKey;
  if (
    !('n' in caPublicKey) ||
    caPublicKey.n.compareTo(caKey.n) !== 0 ||
    caPublicKey.e.compareTo(caKey.e) !== 0
  ) {
    throw new InvalidKeyError('CA private key does not match the CA certificate');
  }

  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = randomSerialNumber();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([
    { name: 'commonName', value: nodeId },
    { name: 'organizationalUnitName', value: role },
    { name: 'organizationName', value: clusterId },
  ]);
  cert.setIssuer(caCert.subject.attributes);

  const dnsNames = role === 'swarm-manager' ? [role, nodeId, ROOT_CA_COMMON_NAME] : [role, nodeId];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...dnsNames.map(value => ({ type: SAN_DNS, value })),
        ...ips.map(ip => ({ type: SAN_IP, ip })),
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  // forge lays the certificate out, OpenSSL signs it: forge's own RSA in JavaScript took 0.2-0.7 s a
  // certificate on a loaded 2-core machine, on the manager's thread (thousands of joins queued behind it).
  cert.signatureOid = cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption ?? '';
  cert.tbsCertificate = tbsCertificateOf(cert);
  const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
  cert.signature = sign('sha256', tbs, opts.ca.keyPem).toString('binary');
  return forge.pki.certificateToPem(cert);
}

/** forge's TBSCertificate of `cert` (the part a signature covers); forge has it, its types do not. */
function tbsCertificateOf(cert: forge.pki.Certificate): forge.asn1.Asn1 {
  return (
    forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }
  ).getTBSCertificate(cert);
}

/** Parses a CSR and checks its self-signature; returns its public key. Throws InvalidCsrError. */
function verifiedCsrPublicKey(csrPem: string): forge.pki.PublicKey {
  let csr: forge.pki.CertificateSigningRequest;
  try {
    csr = forge.pki.certificationRequestFromPem(csrPem, false, true);
  } catch (err) {
    throw new InvalidCsrError(`cannot parse certificate signing request: ${messageOf(err)}`, { cause: err });
  }
  let verified: boolean;
  let detail = '';
  try {
    verified = csr.verify();
  } catch (err) {
    // forge throws rather than returning false when the signature does not even decrypt to a valid block.
    verified = false;
    detail = `: ${messageOf(err)}`;
  }
  if (!verified) throw new InvalidCsrError(`certificate signing request signature does not verify${detail}`);
  if (csr.publicKey === null) throw new InvalidCsrError('certificate signing request has no public key');
  return csr.publicKey;
}
