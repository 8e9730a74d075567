/** Node and cluster IDs in swarmkit's format: 16 random bytes, top bit set, 25 base-36 characters. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { randomClusterId, randomNodeId } from '../../certs/index.ts';

describe('random IDs', () => {
  test('are 25 base-36 characters and distinct', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) {
      for (const id of [randomNodeId(), randomClusterId()]) {
        assert.match(id, /^[0-9a-z]{25}$/);
        ids.add(id);
      }
    }
    assert.equal(ids.size, 400);
  });

  test('are the entropy with its top bit set, in base 36', () => {
    const zero = new Uint8Array(16);
    // 2^127: the smallest ID, which still needs all 25 digits.
    assert.equal(randomNodeId(zero), (2n ** 127n).toString(36));
    assert.equal(randomNodeId(zero).length, 25);
    assert.equal(zero[0], 0, "the caller's bytes are not modified");
    assert.equal(randomClusterId(new Uint8Array(16).fill(0xff)), (2n ** 128n - 1n).toString(36));
  });

  test('refuse entropy that is not 16 bytes', () => {
    assert.throws(() => randomNodeId(new Uint8Array(8)), RangeError);
    assert.throws(() => randomClusterId(new Uint8Array(32)), RangeError);
  });
});
