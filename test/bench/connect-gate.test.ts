/** The harness's connect gate: at most `max` at once, the rest in order as slots free; leaving twice frees one slot. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectGate } from '../../bench/sim-agent/connect-gate.ts';

test('at most max enter at once; the others follow in order as slots free', () => {
  const gate = new ConnectGate(2);
  const leaves: (() => void)[] = [];
  const ran: number[] = [];
  for (let i = 0; i < 5; i++)
    gate.enter(leave => {
      ran.push(i);
      leaves.push(leave);
    });
  assert.deepEqual(ran, [0, 1]);
  leaves[0]?.();
  leaves[0]?.(); // twice: one slot only
  assert.deepEqual(ran, [0, 1, 2]);
  leaves[1]?.();
  leaves[2]?.();
  assert.deepEqual(ran, [0, 1, 2, 3, 4]);
  assert.throws(() => new ConnectGate(0), RangeError);
});
