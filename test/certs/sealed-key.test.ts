/** The root CA key sealed under a key-encryption key: it opens only with that KEK, beside its certificate. */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  createKek,
  createRootCa,
  decodeKek,
  encodeKek,
  openRootCaKey,
  SealedKeyError,
  sealRootCaKey,
  type RootCa,
} from '../../certs/index.ts';

let ca: RootCa;
let otherCa: RootCa;
before(() => {
  ca = createRootCa();
  otherCa = createRootCa();
});

test('a sealed key opens with its KEK beside its certificate, and holds no trace of the key', () => {
  const kek = createKek();
  const sealed = sealRootCaKey(ca, kek);
  assert.match(sealed, /^v1\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$/);
  assert.doesNotMatch(sealed, /PRIVATE KEY/);
  assert.deepEqual(openRootCaKey(ca.certPem, sealed, kek), ca);
  assert.notEqual(sealRootCaKey(ca, kek), sealed, 'a fresh nonce each time');
});

test('another KEK, another certificate, a changed byte or another form: SealedKeyError', () => {
  const kek = createKek();
  const sealed = sealRootCaKey(ca, kek);
  assert.throws(() => openRootCaKey(ca.certPem, sealed, createKek()), SealedKeyError);
  assert.throws(() => openRootCaKey(otherCa.certPem, sealed, kek), SealedKeyError);
  const parts = sealed.split('.');
  const data = Buffer.from(parts[2] ?? '', 'base64');
  data[0] = (data[0] ?? 0) ^ 1;
  parts[2] = data.toString('base64');
  assert.throws(() => openRootCaKey(ca.certPem, parts.join('.'), kek), SealedKeyError);
  for (const bad of ['', 'v2.a.b.c', 'v1.a.b', `${sealed}.x`, ca.keyPem]) {
    assert.throws(
      () => openRootCaKey(ca.certPem, bad, kek),
      SealedKeyError,
      JSON.stringify(bad.slice(0, 20)),
    );
  }
  assert.throws(() => sealRootCaKey(ca, Buffer.alloc(16)), RangeError);
});

test('a KEK file holds the key in base64, and only that is read back', () => {
  const kek = createKek();
  assert.deepEqual(decodeKek(encodeKek(kek)), kek);
  const text = encodeKek(kek).trim();
  for (const bad of ['', text.slice(0, 20), `${text}AAAA`, `${text.slice(0, -2)}!!`, 'not base64 at all']) {
    assert.throws(() => decodeKek(bad), SealedKeyError, JSON.stringify(bad));
  }
});
