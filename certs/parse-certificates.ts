import forge from 'node-forge';
import { messageOf } from '../lib/message-of.ts';
import { InvalidCertificateError } from './errors.ts';

/**
 * Parses every `CERTIFICATE` block in `pem` (a single certificate or a bundle such as a root CA during
 * rotation), in order. `what` names the input in error messages ("certificate", "root CA", ...).
 *
 * @throws InvalidCertificateError if there is no PEM block, a block is not a CERTIFICATE, or one does not
 *   parse as an RSA X.509 certificate (forge reads no other key type).
 */
export function parseCertificates(
  pem: string,
  what: string,
): [forge.pki.Certificate, ...forge.pki.Certificate[]] {
  let blocks: forge.pem.ObjectPEM[];
  try {
    blocks = forge.pem.decode(pem);
  } catch (err) {
    throw new InvalidCertificateError(`${what}: malformed PEM: ${messageOf(err)}`, { cause: err });
  }
  const [first, ...rest] = blocks.map((block, i) => {
    if (block.type !== 'CERTIFICATE') {
      throw new InvalidCertificateError(`${what}: PEM block ${i} is ${block.type}, not CERTIFICATE`);
    }
    try {
      // Strict DER: a truncated or padded body is an error, not a best-effort parse.
      return forge.pki.certificateFromAsn1(forge.asn1.fromDer(block.body, true));
    } catch (err) {
      throw new InvalidCertificateError(`${what}: cannot parse certificate: ${messageOf(err)}`, {
        cause: err,
      });
    }
  });
  if (first === undefined) throw new InvalidCertificateError(`${what}: no PEM block found`);
  return [first, ...rest];
}
