/** Session rate limiting per node on a fake clock: a tight loop is refused, other nodes are not starved. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionRateLimiter } from '../../server/dispatcher/rate-limiter.ts';

test('a node opening sessions in a tight loop is refused after N in the window; others go on', () => {
  const limiter = new SessionRateLimiter({ maxPerWindow: 3, windowMs: 8000 });
  const looping: boolean[] = [];
  for (let t = 0; t < 1000; t += 10) {
    looping.push(limiter.tryAdmit('loop', t));
    // Another node reconnecting now and then is never refused.
    if (t % 400 === 0) assert.equal(limiter.tryAdmit(`other-${t}`, t), true);
  }
  assert.deepEqual(looping.slice(0, 4), [true, true, true, false]);
  assert.equal(looping.filter(Boolean).length, 3);
  assert.equal(limiter.tryAdmit('steady', 500), true);
});

test('the window slides: a node that backs off gets in again; refusals do not count', () => {
  const limiter = new SessionRateLimiter({ maxPerWindow: 3, windowMs: 8000 });
  for (const t of [0, 1000, 2000]) assert.equal(limiter.tryAdmit('n', t), true);
  for (let t = 2001; t < 8000; t += 100) assert.equal(limiter.tryAdmit('n', t), false);
  assert.equal(limiter.tryAdmit('n', 7999), false);
  assert.equal(limiter.tryAdmit('n', 8000), true, 'the first session left the window');
  assert.equal(limiter.tryAdmit('n', 8001), false);
  assert.equal(limiter.tryAdmit('n', 9000), true);
});

test('prune forgets nodes with nothing left in the window', () => {
  const limiter = new SessionRateLimiter({ maxPerWindow: 2, windowMs: 100 });
  limiter.tryAdmit('a', 0);
  limiter.tryAdmit('b', 50);
  limiter.prune(120);
  assert.equal(limiter.size, 1);
  limiter.prune(150);
  assert.equal(limiter.size, 0);
  assert.throws(() => new SessionRateLimiter({ maxPerWindow: 0, windowMs: 1 }), RangeError);
  assert.throws(() => new SessionRateLimiter({ maxPerWindow: 1, windowMs: 0 }), RangeError);
});
