import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SendPacer } from '../../lib/send-pacer.ts';

test('a burst goes at once after a quiet spell, then one message per period', () => {
  const p = new SendPacer(25, 3, 1000);
  for (let i = 0; i < 3; i++) {
    assert.equal(p.delay(1000), 0, `message ${i + 1} of the burst`);
    p.sent(1000);
  }
  assert.equal(p.delay(1000), 25, 'past the burst: a period');
  assert.equal(p.delay(1010), 15);
  assert.equal(p.delay(1025), 0);
  p.sent(1025);
  assert.equal(p.delay(1030), 20, 'busy: still one per period');
  // Quiet again for long enough: the whole burst is back, and no more than it.
  assert.equal(p.delay(5000), 0);
  for (let i = 0; i < 3; i++) p.sent(5000);
  assert.equal(p.delay(5000), 25);
});

test('a clock that goes back does not give tokens nor take them', () => {
  const p = new SendPacer(10, 1, 100);
  p.sent(100);
  assert.equal(p.delay(50), 10);
  assert.equal(p.delay(105), 5);
});

test('a new period counts from the change: tokens earned before it stay', () => {
  const p = new SendPacer(25, 2, 1000);
  p.sent(1000);
  p.sent(1000);
  assert.equal(p.delay(1000), 25);
  p.setPeriod(500, 1010); // 10 ms at 25 ms a token: 0.4 earned
  assert.equal(p.delay(1010), 300, 'the 0.6 token left at 500 ms a token');
  assert.equal(p.delay(1310), 0);
  p.sent(1310);
  assert.equal(p.delay(1310), 500, 'busy: one per new period');
});
