/**
 * The root CA, node certificates and their verification, checked against Node's own X.509 parser
 * (OpenSSL) as well as our readers. One CA and one manager/worker pair are shared by all tests: RSA key
 * generation costs ~0.1 s each.
 */
import assert from 'node:assert/strict';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { before, describe, test } from 'node:test';
import forge from 'node-forge';
import {
  BACKDATE_MS,
  createCsr,
  createNodeKey,
  createRootCa,
  InvalidCertificateError,
  InvalidCsrError,
  InvalidKeyError,
  NODE_CERT_VALIDITY_MS,
  readIdentity,
  ROOT_CA_VALIDITY_MS,
  signNodeCertificate,
  verifyNodeCertificate,
  type NodeRole,
  type RootCa,
} from '../../certs/index.ts';
import { issueNode, type IssuedNode } from './fixtures.ts';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
/** Issue time of the shared CA and certificates, with whole seconds so X.509 times match exactly. */
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);

let ca: RootCa;
let otherCa: RootCa;
let worker: IssuedNode;
let manager: IssuedNode;
before(() => {
  ca = createRootCa({ now: NOW });
  otherCa = createRootCa({ now: NOW });
  worker = issueNode(ca, 'swarm-worker', { now: NOW });
  manager = issueNode(ca, 'swarm-manager', { now: NOW, clusterId: worker.clusterId });
});

/** The PEM with one byte of its DER body changed, at `offset` from the end. */
function flipDerByte(pem: string, offsetFromEnd: number): string {
  const [block] = forge.pem.decode(pem);
  assert.ok(block);
  const body = Buffer.from(block.body, 'binary');
  const at = body.length - offsetFromEnd;
  body[at] = (body[at] ?? 0) ^ 0x01;
  return forge.pem.encode({ ...block, body: body.toString('binary') });
}

function extension(pem: string, name: string): Record<string, unknown> {
  const ext = forge.pki.certificateFromPem(pem).getExtension(name);
  assert.ok(ext, `extension ${name} present`);
  return ext as Record<string, unknown>;
}

function invalidCertificate(pattern: RegExp): (err: unknown) => boolean {
  return err => {
    assert.ok(err instanceof InvalidCertificateError, `expected InvalidCertificateError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('createRootCa', () => {
  test('is a self-signed CN=swarm-ca CA, valid 20 years, backdated an hour', () => {
    const x = new X509Certificate(ca.certPem);
    assert.equal(x.subject, 'CN=swarm-ca');
    assert.equal(x.issuer, 'CN=swarm-ca');
    assert.equal(x.ca, true);
    assert.ok(x.verify(x.publicKey), 'self-signed');
    assert.equal(new Date(x.validFrom).getTime(), NOW.getTime() - BACKDATE_MS);
    assert.equal(new Date(x.validTo).getTime(), NOW.getTime() + ROOT_CA_VALIDITY_MS);
    assert.equal(ROOT_CA_VALIDITY_MS, 7300 * DAY);
    assert.equal(x.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----/);
  });

  test('has critical basicConstraints cA, keyCertSign + cRLSign and a subject key identifier', () => {
    assert.deepEqual(
      {
        cA: extension(ca.certPem, 'basicConstraints').cA,
        critical: extension(ca.certPem, 'basicConstraints').critical,
      },
      { cA: true, critical: true },
    );
    const usage = extension(ca.certPem, 'keyUsage');
    assert.equal(usage.keyCertSign, true);
    assert.equal(usage.cRLSign, true);
    assert.equal(usage.digitalSignature, false);
    assert.equal(usage.critical, true);
    assert.ok(forge.pki.certificateFromPem(ca.certPem).verifySubjectKeyIdentifier());
    assert.equal(
      forge.pki.certificateFromPem(ca.certPem).siginfo.algorithmOid,
      forge.pki.oids.sha256WithRSAEncryption,
    );
  });

  test('gives every CA its own key and serial', () => {
    assert.notEqual(ca.keyPem, otherCa.keyPem);
    assert.notEqual(
      new X509Certificate(ca.certPem).serialNumber,
      new X509Certificate(otherCa.certPem).serialNumber,
    );
  });
});

describe('createNodeKey / createCsr', () => {
  test('makes an RSA-2048 PKCS#8 key and a CSR for it that OpenSSL parses', () => {
    const key = createNodeKey();
    assert.match(key.keyPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.match(key.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
    const csr = forge.pki.certificationRequestFromPem(createCsr(key.keyPem, 'hello'));
    assert.ok(csr.verify());
    assert.equal(csr.subject.getField('CN')?.value, 'hello');
    const csrKey = createPublicKey(forge.pki.publicKeyToPem(csr.publicKey!));
    assert.ok(csrKey.equals(createPublicKey(key.publicKeyPem)), 'the CSR carries the key');
  });

  test('refuses a key that is not an RSA private key', () => {
    assert.throws(() => createCsr('not a key'), InvalidKeyError);
  });
});

describe('signNodeCertificate', () => {
  for (const role of ['swarm-worker', 'swarm-manager'] as const) {
    test(`${role}: subject CN/OU/O, read back by readIdentity and by OpenSSL`, () => {
      const node = role === 'swarm-worker' ? worker : manager;
      const identity = readIdentity(node.certPem);
      assert.deepEqual(
        { nodeId: identity.nodeId, role: identity.role, clusterId: identity.clusterId },
        { nodeId: node.nodeId, role, clusterId: node.clusterId },
      );
      const x = new X509Certificate(node.certPem);
      assert.equal(x.subject, `CN=${node.nodeId}\nOU=${role}\nO=${node.clusterId}`);
      assert.equal(x.issuer, 'CN=swarm-ca');
      assert.equal(identity.serial, x.serialNumber.toLowerCase());
      assert.equal(x.ca, false);
    });
  }

  test('worker SANs are its role and ID only', () => {
    const x = new X509Certificate(worker.certPem);
    assert.equal(x.subjectAltName, `DNS:swarm-worker, DNS:${worker.nodeId}`);
    assert.equal(x.checkHost('swarm-ca'), undefined);
    assert.equal(x.checkHost('swarm-manager'), undefined);
  });

  test('manager SANs add swarm-ca', () => {
    const x = new X509Certificate(manager.certPem);
    assert.equal(x.subjectAltName, `DNS:swarm-manager, DNS:${manager.nodeId}, DNS:swarm-ca`);
    assert.equal(x.checkHost('swarm-manager'), 'swarm-manager');
    assert.equal(x.checkHost('swarm-ca'), 'swarm-ca');
  });

  test('adds the IP SANs it is given and refuses a non-IP', () => {
    const pem = signNodeCertificate({
      csrPem: worker.csrPem,
      ca,
      nodeId: worker.nodeId,
      role: 'swarm-worker',
      clusterId: worker.clusterId,
      ipAddresses: ['127.0.0.1', '::1'],
    });
    const x = new X509Certificate(pem);
    assert.equal(x.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(x.checkIP('::1'), '::1');
    assert.equal(x.checkIP('10.0.0.1'), undefined);
    assert.throws(
      () =>
        signNodeCertificate({
          csrPem: worker.csrPem,
          ca,
          nodeId: worker.nodeId,
          role: 'swarm-worker',
          clusterId: worker.clusterId,
          ipAddresses: ['swarm-manager'],
        }),
      RangeError,
    );
  });

  test('usages: digitalSignature + keyEncipherment, serverAuth + clientAuth, not a CA', () => {
    const x = new X509Certificate(manager.certPem);
    assert.deepEqual([...x.keyUsage].sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    const usage = extension(manager.certPem, 'keyUsage');
    assert.equal(usage.digitalSignature, true);
    assert.equal(usage.keyEncipherment, true);
    assert.equal(usage.keyCertSign, false);
    assert.equal(extension(manager.certPem, 'basicConstraints').cA, false);
    assert.ok(extension(manager.certPem, 'authorityKeyIdentifier'));
  });

  test('valid 90 days by default, backdated an hour; validityMs overrides', () => {
    const identity = readIdentity(worker.certPem);
    assert.equal(identity.notBefore.getTime(), NOW.getTime() - BACKDATE_MS);
    assert.equal(identity.notAfter.getTime(), NOW.getTime() + NODE_CERT_VALIDITY_MS);
    assert.equal(NODE_CERT_VALIDITY_MS, 90 * DAY);
    const short = signNodeCertificate({
      csrPem: worker.csrPem,
      ca,
      nodeId: worker.nodeId,
      role: 'swarm-worker',
      clusterId: worker.clusterId,
      now: NOW,
      validityMs: 2 * HOUR,
    });
    assert.equal(readIdentity(short).notAfter.getTime(), NOW.getTime() + 2 * HOUR);
  });

  test('random serials', () => {
    assert.notEqual(readIdentity(worker.certPem).serial, readIdentity(manager.certPem).serial);
    assert.match(readIdentity(worker.certPem).serial, /^[4-7][0-9a-f]{31}$/);
  });

  test('refuses a tampered CSR', () => {
    // A byte of the public key modulus: still well-formed, but the self-signature no longer matches.
    const tampered = flipDerByte(worker.csrPem, 300);
    assert.throws(
      () => signNodeCertificate({ csrPem: tampered, ca, nodeId: 'n', role: 'swarm-worker', clusterId: 'c' }),
      (err: unknown) => err instanceof InvalidCsrError && /does not verify/.test(err.message),
    );
  });

  test('refuses a CSR signed with a key other than the one it requests a certificate for', () => {
    const victim = forge.pki.publicKeyFromPem(createNodeKey().publicKeyPem);
    const csr = forge.pki.createCertificationRequest();
    csr.publicKey = victim;
    csr.sign(forge.pki.privateKeyFromPem(worker.keyPem), forge.md.sha256.create());
    const csrPem = forge.pki.certificationRequestToPem(csr);
    assert.throws(
      () => signNodeCertificate({ csrPem, ca, nodeId: 'n', role: 'swarm-worker', clusterId: 'c' }),
      InvalidCsrError,
    );
  });

  test('refuses a CSR that is not one', () => {
    for (const csrPem of ['', 'garbage', worker.certPem]) {
      assert.throws(
        () => signNodeCertificate({ csrPem, ca, nodeId: 'n', role: 'swarm-worker', clusterId: 'c' }),
        InvalidCsrError,
      );
    }
  });

  test('refuses bad arguments and a CA key that does not match the CA certificate', () => {
    const base = { csrPem: worker.csrPem, ca, nodeId: 'n', clusterId: 'c' };
    assert.throws(() => signNodeCertificate({ ...base, role: 'swarm-admin' as NodeRole }), RangeError);
    assert.throws(() => signNodeCertificate({ ...base, role: 'swarm-worker', nodeId: '' }), RangeError);
    assert.throws(() => signNodeCertificate({ ...base, role: 'swarm-worker', validityMs: 0 }), RangeError);
    assert.throws(
      () =>
        signNodeCertificate({
          ...base,
          role: 'swarm-worker',
          ca: { certPem: ca.certPem, keyPem: otherCa.keyPem },
        }),
      InvalidKeyError,
    );
    assert.throws(
      () => signNodeCertificate({ ...base, role: 'swarm-worker', ca: { certPem: 'x', keyPem: ca.keyPem } }),
      InvalidCertificateError,
    );
  });
});

describe('verifyNodeCertificate', () => {
  test('accepts worker and manager certificates and returns their identity', () => {
    assert.deepEqual(verifyNodeCertificate(worker.certPem, ca.certPem), readIdentity(worker.certPem));
    assert.equal(verifyNodeCertificate(manager.certPem, ca.certPem, NOW).role, 'swarm-manager');
    // Node's OpenSSL agrees.
    const x = new X509Certificate(worker.certPem);
    assert.ok(x.checkIssued(new X509Certificate(ca.certPem)));
    assert.ok(x.verify(new X509Certificate(ca.certPem).publicKey));
  });

  test('accepts a root bundle that contains the issuer', () => {
    assert.equal(verifyNodeCertificate(worker.certPem, otherCa.certPem + ca.certPem).nodeId, worker.nodeId);
  });

  test('refuses a certificate from another CA, even one also named swarm-ca', () => {
    const foreign = issueNode(otherCa, 'swarm-worker', { now: NOW });
    assert.throws(
      () => verifyNodeCertificate(foreign.certPem, ca.certPem),
      invalidCertificate(/does not verify/),
    );
    assert.throws(
      () => verifyNodeCertificate(worker.certPem, otherCa.certPem),
      invalidCertificate(/does not verify/),
    );
  });

  test('refuses a certificate whose issuer is not the root', () => {
    // The manager certificate as a "root": its subject is not the worker's issuer.
    assert.throws(
      () => verifyNodeCertificate(worker.certPem, manager.certPem),
      invalidCertificate(/not issued by the trusted root CA/),
    );
  });

  test('refuses a tampered certificate', () => {
    assert.throws(
      () => verifyNodeCertificate(flipDerByte(worker.certPem, 300), ca.certPem),
      invalidCertificate(/does not verify/),
    );
  });

  test('refuses an expired or not yet valid certificate', () => {
    const old = issueNode(ca, 'swarm-worker', { now: new Date(NOW.getTime() - 100 * DAY) });
    assert.throws(
      () => verifyNodeCertificate(old.certPem, ca.certPem),
      invalidCertificate(/^certificate expired at /),
    );
    assert.throws(
      () => verifyNodeCertificate(worker.certPem, ca.certPem, new Date(NOW.getTime() + 91 * DAY)),
      invalidCertificate(/^certificate expired at /),
    );
    assert.throws(
      () => verifyNodeCertificate(worker.certPem, ca.certPem, new Date(NOW.getTime() - 2 * HOUR)),
      invalidCertificate(/^root CA is not valid before /),
    );
    // Within the one-hour backdate, a peer with a slow clock still accepts it.
    assert.doesNotThrow(() =>
      verifyNodeCertificate(worker.certPem, ca.certPem, new Date(NOW.getTime() - HOUR / 2)),
    );
    assert.throws(() => verifyNodeCertificate(worker.certPem, ca.certPem, new Date(NaN)), RangeError);
  });

  test('refuses a certificate valid before its root', () => {
    const late = createRootCa({ now: new Date(NOW.getTime() + 10 * DAY) });
    const node = issueNode(late, 'swarm-worker', { now: NOW });
    assert.throws(
      () => verifyNodeCertificate(node.certPem, late.certPem, NOW),
      invalidCertificate(/^root CA is not valid before /),
    );
  });
});

describe('malformed input', () => {
  const cases: Array<[string, () => string]> = [
    ['empty', () => ''],
    ['not PEM', () => 'hello'],
    ['a private key', () => worker.keyPem],
    ['a CSR', () => worker.csrPem],
    ['a truncated body', () => worker.certPem.replace(/\n[^\n]+\n-----END/, '\n-----END')],
    ['garbage base64', () => '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'],
  ];
  for (const [name, pem] of cases) {
    test(`${name} → InvalidCertificateError`, () => {
      assert.throws(() => readIdentity(pem()), InvalidCertificateError);
      assert.throws(() => verifyNodeCertificate(pem(), ca.certPem), InvalidCertificateError);
      assert.throws(() => verifyNodeCertificate(worker.certPem, pem()), InvalidCertificateError);
    });
  }

  test('a certificate that is not a node identity → InvalidCertificateError', () => {
    // The root has no OU or O.
    assert.throws(() => readIdentity(ca.certPem), invalidCertificate(/exactly one non-empty OU/));
    // A correctly signed certificate whose OU is not one of the two roles.
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(createNodeKey().publicKeyPem);
    cert.serialNumber = '01';
    cert.validity.notBefore = new Date(NOW.getTime() - HOUR);
    cert.validity.notAfter = new Date(NOW.getTime() + DAY);
    cert.setSubject([
      { name: 'commonName', value: 'n' },
      { name: 'organizationalUnitName', value: 'swarm-admin' },
      { name: 'organizationName', value: 'c' },
    ]);
    cert.setIssuer(forge.pki.certificateFromPem(ca.certPem).subject.attributes);
    cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
    const pem = forge.pki.certificateToPem(cert);
    assert.throws(() => readIdentity(pem), invalidCertificate(/"swarm-admin" is not a node role/));
    assert.throws(() => verifyNodeCertificate(pem, ca.certPem), invalidCertificate(/is not a node role/));
  });
});
