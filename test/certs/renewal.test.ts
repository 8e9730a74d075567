/** When a node renews its certificate: 50–80 % into the validity, and the backoff after failures. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createCsr,
  createNodeKey,
  createRootCa,
  checkKeyPair,
  InvalidKeyError,
  NODE_CERT_VALIDITY_MS,
  readIdentity,
  renewalRetryDelayMs,
  renewalTime,
  signNodeCertificate,
} from '../../certs/index.ts';

const DAY = 24 * 3600_000;
const notBefore = new Date(Date.UTC(2024, 0, 1));
const notAfter = new Date(notBefore.getTime() + 90 * DAY);

test('renewal falls between 50 % and 80 % of the validity, counted from notBefore', () => {
  assert.equal(renewalTime(notBefore, notAfter, 0), notBefore.getTime() + 45 * DAY);
  assert.equal(renewalTime(notBefore, notAfter, 0.5), notBefore.getTime() + 58.5 * DAY);
  const latest = renewalTime(notBefore, notAfter, 0.9999);
  assert.ok(latest <= notBefore.getTime() + 72 * DAY && latest > notBefore.getTime() + 71.99 * DAY);
});

test('a real node certificate renews between 45 and 72 days after its (backdated) start', () => {
  const ca = createRootCa();
  const { keyPem } = createNodeKey();
  const now = new Date(Date.UTC(2024, 5, 1));
  const cert = readIdentity(
    signNodeCertificate({
      csrPem: createCsr(keyPem),
      ca,
      nodeId: 'n',
      role: 'swarm-worker',
      clusterId: 'c',
      now,
    }),
  );
  assert.equal(cert.notAfter.getTime() - cert.notBefore.getTime(), NODE_CERT_VALIDITY_MS + 3600_000);
  for (const r of [0, 0.25, 0.999]) {
    const at = renewalTime(cert.notBefore, cert.notAfter, r);
    assert.ok(at >= cert.notBefore.getTime() + 0.5 * (NODE_CERT_VALIDITY_MS + 3600_000));
    assert.ok(at <= cert.notBefore.getTime() + 0.8 * (NODE_CERT_VALIDITY_MS + 3600_000));
  }
});

test('renewalTime refuses a random outside [0, 1) and an empty or inverted window', () => {
  assert.throws(() => renewalTime(notBefore, notAfter, 1), RangeError);
  assert.throws(() => renewalTime(notBefore, notAfter, -0.1), RangeError);
  assert.throws(() => renewalTime(notBefore, notAfter, Number.NaN), RangeError);
  assert.throws(() => renewalTime(notAfter, notBefore, 0.5), RangeError);
  assert.throws(() => renewalTime(new Date(Number.NaN), notAfter, 0.5), RangeError);
});

test('failed renewals back off from 5 s, doubling, up to 1 h', () => {
  const delays = [1, 2, 3, 4, 9, 10, 11, 1000, Number.MAX_SAFE_INTEGER].map(renewalRetryDelayMs);
  assert.deepEqual(
    delays,
    [5_000, 10_000, 20_000, 40_000, 1_280_000, 2_560_000, 3_600_000, 3_600_000, 3_600_000],
  );
  assert.throws(() => renewalRetryDelayMs(0), RangeError);
  assert.throws(() => renewalRetryDelayMs(1.5), RangeError);
});

test('checkKeyPair accepts the certificate of the key and refuses another key', () => {
  const ca = createRootCa();
  const mine = createNodeKey().keyPem;
  const certPem = signNodeCertificate({
    csrPem: createCsr(mine),
    ca,
    nodeId: 'n',
    role: 'swarm-manager',
    clusterId: 'c',
  });
  checkKeyPair(certPem, mine);
  assert.throws(() => checkKeyPair(certPem, createNodeKey().keyPem), InvalidKeyError);
});
