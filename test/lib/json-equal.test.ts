/** jsonEqual, the one deep equality of the orchestrator and the CLI's progress. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonEqual } from '../../lib/json-equal.ts';

test('objects by their own keys in any order; arrays in order', () => {
  assert.ok(jsonEqual({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }));
  assert.ok(!jsonEqual([1, 2], [2, 1]));
  assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: 2 }));
  assert.ok(!jsonEqual({ a: 1, b: 2 }, { a: 1, c: 2 }));
  assert.ok(!jsonEqual({ a: [] }, { a: {} }));
});

test('an undefined or null member counts as absent: a decoded wire message equals the stored object', () => {
  assert.ok(jsonEqual({ a: 1, endpoint: null }, { a: 1 }));
  assert.ok(jsonEqual({ a: 1 }, { a: 1, endpoint: undefined }));
  assert.ok(jsonEqual({ a: null }, { b: undefined }));
  assert.ok(!jsonEqual(null, {}), 'at the top, null is a value');
  assert.ok(!jsonEqual({ a: null }, { a: 0 }));
});
