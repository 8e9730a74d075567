/** Join tokens: swarmkit's exact `SWMTKN-1-<digest>-<secret>` format, its parser, and CA pinning. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, test } from 'node:test';
import {
  CaMismatchError,
  caDigest,
  checkRemoteCa,
  createJoinToken,
  createRootCa,
  InvalidJoinTokenError,
  parseJoinToken,
  tokensEqual,
  type RootCa,
} from '../../certs/index.ts';

/** The digest computed independently of the implementation, straight from the spec. */
function expectedDigest(pem: string): string {
  return BigInt('0x' + createHash('sha256').update(pem).digest('hex'))
    .toString(36)
    .padStart(50, '0');
}

let ca: RootCa;
let otherCa: RootCa;
before(() => {
  ca = createRootCa();
  otherCa = createRootCa();
});

describe('createJoinToken', () => {
  test('has the form SWMTKN-1-<50 base-36 chars>-<25 base-36 chars>', () => {
    const token = createJoinToken(ca.certPem);
    assert.match(token, /^SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}$/);
    const parts = token.split('-');
    assert.equal(parts.length, 4);
    assert.equal(parts[2]?.length, 50);
    assert.equal(parts[3]?.length, 25);
  });

  test('round-trips through parseJoinToken', () => {
    const token = createJoinToken(ca.certPem);
    const parsed = parseJoinToken(token);
    assert.deepEqual(parsed, { version: 1, digest: caDigest(ca.certPem), secret: token.slice(-25) });
    assert.equal(`SWMTKN-1-${parsed.digest}-${parsed.secret}`, token);
  });

  test('writes the secret bytes as a zero-padded base-36 number', () => {
    const zero = createJoinToken(ca.certPem, new Uint8Array(16));
    assert.equal(parseJoinToken(zero).secret, '0'.repeat(25));
    const max = createJoinToken(ca.certPem, new Uint8Array(16).fill(0xff));
    // 2^128 - 1 is the largest secret and still fits in 25 digits.
    assert.equal(parseJoinToken(max).secret, (2n ** 128n - 1n).toString(36));
    assert.equal(parseJoinToken(max).secret.length, 25);
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
    const expected = BigInt('0x' + Buffer.from(bytes).toString('hex'))
      .toString(36)
      .padStart(25, '0');
    assert.equal(parseJoinToken(createJoinToken(ca.certPem, bytes)).secret, expected);
  });

  test('refuses a secret that is not 16 bytes', () => {
    assert.throws(() => createJoinToken(ca.certPem, new Uint8Array(15)), RangeError);
    assert.throws(() => createJoinToken(ca.certPem, new Uint8Array(17)), RangeError);
  });

  test('two tokens from one CA share the digest and differ in the secret', () => {
    const worker = parseJoinToken(createJoinToken(ca.certPem));
    const manager = parseJoinToken(createJoinToken(ca.certPem));
    assert.equal(worker.digest, manager.digest);
    assert.notEqual(worker.secret, manager.secret);
  });
});

describe('caDigest', () => {
  test('is the SHA-256 of the PEM text in base 36, padded to 50', () => {
    assert.equal(caDigest(ca.certPem), expectedDigest(ca.certPem));
    assert.equal(caDigest(ca.certPem).length, 50);
    // A small hash still gets all 50 digits.
    assert.equal(caDigest(''), expectedDigest(''));
  });

  test('covers the whole text: one extra byte (an appended root, say) changes it', () => {
    assert.notEqual(caDigest(ca.certPem + '\n'), caDigest(ca.certPem));
    assert.notEqual(caDigest(otherCa.certPem), caDigest(ca.certPem));
  });
});

describe('parseJoinToken', () => {
  const digest = 'a'.repeat(50);
  const secret = 'b'.repeat(25);
  const malformed: Array<[string, string]> = [
    ['empty', ''],
    ['prefix only', 'SWMTKN-1-'],
    ['version 2', `SWMTKN-2-${digest}-${secret}`],
    ['FIPS form', `SWMTKN-2-1-${digest}-${secret}`],
    ['lowercase prefix', `swmtkn-1-${digest}-${secret}`],
    ['other prefix', `SWMKEY-1-${digest}-${secret}`],
    ['digest too short', `SWMTKN-1-${digest.slice(1)}-${secret}`],
    ['digest too long', `SWMTKN-1-${digest}a-${secret}`],
    ['secret too short', `SWMTKN-1-${digest}-${secret.slice(1)}`],
    ['secret too long', `SWMTKN-1-${digest}-${secret}b`],
    ['missing secret', `SWMTKN-1-${digest}`],
    ['extra part', `SWMTKN-1-${digest}-${secret}-c`],
    ['extra dash', `SWMTKN-1--${digest}-${secret}`],
    ['uppercase digest', `SWMTKN-1-${digest.toUpperCase()}-${secret}`],
    ['uppercase secret char', `SWMTKN-1-${digest}-${secret.slice(1)}B`],
    ['non-base-36 char', `SWMTKN-1-${digest.slice(1)}_-${secret}`],
    ['non-ASCII char', `SWMTKN-1-${digest.slice(1)}é-${secret}`],
    ['leading space', ` SWMTKN-1-${digest}-${secret}`],
    ['trailing newline', `SWMTKN-1-${digest}-${secret}\n`],
  ];
  for (const [name, token] of malformed) {
    test(`rejects ${name}`, () => {
      assert.throws(
        () => parseJoinToken(token),
        (err: unknown) => err instanceof InvalidJoinTokenError && err.message === 'invalid join token',
      );
    });
  }

  test('accepts the exact shape', () => {
    assert.deepEqual(parseJoinToken(`SWMTKN-1-${digest}-${secret}`), { version: 1, digest, secret });
  });
});

describe('tokensEqual', () => {
  test('is true only for identical strings', () => {
    const token = createJoinToken(ca.certPem);
    assert.equal(tokensEqual(token, `${token}`), true);
    assert.equal(tokensEqual('', ''), true);
    assert.equal(tokensEqual(token, token.slice(0, -1) + (token.endsWith('0') ? '1' : '0')), false);
    assert.equal(tokensEqual(token, token.slice(0, -1)), false);
    assert.equal(tokensEqual(token, ''), false);
    assert.equal(tokensEqual(token, createJoinToken(ca.certPem)), false);
  });
});

describe('checkRemoteCa', () => {
  test('accepts the pinned CA', () => {
    const { digest } = parseJoinToken(createJoinToken(ca.certPem));
    assert.doesNotThrow(() => checkRemoteCa(ca.certPem, digest));
  });

  test("refuses another CA with swarmkit's message", () => {
    const { digest } = parseJoinToken(createJoinToken(ca.certPem));
    assert.throws(
      () => checkRemoteCa(otherCa.certPem, digest),
      (err: unknown) =>
        err instanceof CaMismatchError &&
        err.message === `remote CA does not match fingerprint. Expected: ${digest}` &&
        err.expected === digest &&
        err.actual === caDigest(otherCa.certPem),
    );
  });
});
