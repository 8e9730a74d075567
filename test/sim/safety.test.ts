/** The checkers can fail: each is fed a trace with a known violation and must report it. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkLinearizable } from './linearizability.ts';
import { SafetyChecker, type LogView } from './safety.ts';

function logOf(terms: number[], firstIndex = 1): LogView {
  return { firstIndex, lastIndex: firstIndex + terms.length - 1, term: i => terms[i - firstIndex] ?? 0 };
}

function invariants(c: SafetyChecker): string[] {
  return c.violations.map(v => v.invariant);
}

describe('election safety', () => {
  test('two leaders in one term are caught', () => {
    const c = new SafetyChecker();
    c.leaderElected(3, 1);
    c.leaderElected(3, 1); // the same leader seen again is fine
    c.leaderElected(4, 2);
    assert.deepEqual(invariants(c), []);
    c.leaderElected(4, 3);
    assert.deepEqual(invariants(c), ['election safety']);
  });
});

describe('log matching', () => {
  test('two different entries with the same index and term are caught', () => {
    const c = new SafetyChecker();
    c.entryPersisted(1, 5, 2, 'x=1', 2);
    c.entryPersisted(2, 5, 2, 'x=1', 2);
    assert.deepEqual(invariants(c), []);
    c.entryPersisted(3, 5, 2, 'x=2', 2);
    assert.deepEqual(invariants(c), ['log matching']);
  });

  test('the same entry after different predecessors is caught', () => {
    const c = new SafetyChecker();
    c.entryPersisted(1, 5, 3, 'x=1', 2);
    c.entryPersisted(2, 5, 3, 'x=1', 1);
    assert.deepEqual(invariants(c), ['log matching']);
  });
});

describe('state machine safety', () => {
  test('two nodes applying different entries at one index are caught', () => {
    const c = new SafetyChecker();
    c.entryApplied(1, 7, 2);
    c.entryApplied(2, 7, 2);
    assert.deepEqual(invariants(c), []);
    c.entryApplied(3, 7, 3);
    assert.deepEqual(invariants(c), ['state machine safety']);
  });

  test('a snapshot that disagrees with what was applied is caught', () => {
    const c = new SafetyChecker();
    c.entryApplied(1, 9, 4);
    c.snapshotInstalled(2, 9, 5);
    assert.deepEqual(invariants(c), ['state machine safety']);
  });
});

describe('leader completeness', () => {
  test('a leader missing a committed entry is caught', () => {
    const c = new SafetyChecker();
    for (const [i, t] of [1, 1, 2, 2].entries()) c.entryApplied(1, i + 1, t);
    c.leaderLog(2, 3, logOf([1, 1, 2, 2, 3]));
    assert.deepEqual(invariants(c), []);
    c.leaderLog(3, 4, logOf([1, 1, 2])); // too short
    c.leaderLog(4, 5, logOf([1, 1, 3, 3])); // wrong term at index 3
    assert.deepEqual(invariants(c), ['leader completeness', 'leader completeness']);
  });

  test('entries covered by the leader’s snapshot count as present', () => {
    const c = new SafetyChecker();
    for (const [i, t] of [1, 1, 2, 2].entries()) c.entryApplied(1, i + 1, t);
    c.leaderLog(2, 3, logOf([2, 3], 4));
    assert.deepEqual(invariants(c), []);
  });
});

describe('durability', () => {
  test('a lost acknowledged write is caught, once', () => {
    const c = new SafetyChecker();
    c.writeAcked({ index: 10, term: 2, quorum: 2, label: 'write 1:1' });
    c.checkDurability(() => 3);
    c.checkDurability(() => 2);
    assert.deepEqual(invariants(c), []);
    c.checkDurability(() => 1);
    c.checkDurability(() => 1);
    assert.deepEqual(invariants(c), ['durability']);
  });
});

describe('linearizability', () => {
  test('a read that misses an acknowledged write is caught', () => {
    const result = checkLinearizable([
      { client: 1, op: { kind: 'write', key: 'x', value: 'a' }, call: 1, ret: 2 },
      { client: 2, op: { kind: 'read', key: 'x' }, call: 3, ret: 4, output: null },
    ]);
    assert.equal(result.ok, false);
  });
});
