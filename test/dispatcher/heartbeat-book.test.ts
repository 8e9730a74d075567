/** The dispatcher's heartbeat bookkeeping on a fake clock: expiry after missed beats, jitter, leader grace. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  GRACE_MS_PER_NODE,
  HeartbeatBook,
  MAX_GRACE_WINDOWS,
} from '../../server/dispatcher/heartbeat-book.ts';

const options = { periodMs: 5000, jitterMs: 500, missedBeats: 3 };

test('a node that beats on time never expires; three missed periods expire it', () => {
  const book = new HeartbeatBook(options);
  let now = 0;
  book.beat('n1', now, 5000);
  for (let i = 0; i < 20; i++) {
    now += 5000;
    assert.deepEqual(book.expire(now), []);
    book.beat('n1', now, 5000);
  }
  // Silent from now: not yet after two periods and a bit, due at exactly three.
  assert.deepEqual(book.expire(now + 14_999), []);
  assert.equal(book.nextDeadline(), now + 15_000);
  assert.deepEqual(book.expire(now + 15_000), ['n1']);
  assert.equal(book.has('n1'), false);
  assert.deepEqual(book.expire(now + 100_000), [], 'an expired node is reported once');
});

test('each node expires after three of its own (jittered) periods', () => {
  const book = new HeartbeatBook(options);
  const short = book.period(0);
  const long = book.period(0.999999);
  assert.equal(short, 4500);
  assert.equal(long, 5500);
  assert.equal(book.period(0.5), 5000);
  book.beat('a', 0, short);
  book.beat('b', 0, long);
  assert.deepEqual(book.expire(13_500), ['a']);
  assert.deepEqual(book.expire(16_499), []);
  assert.deepEqual(book.expire(16_500), ['b']);
});

test('after becoming leader, known nodes get one full window before they expire, and more while others in grace arrive', () => {
  const book = new HeartbeatBook(options);
  assert.equal(book.windowMs, 16_500);
  const elected = 1_000_000;
  book.grace(['quiet', 'talks', 'late'], elected);
  // One reaches the new leader at once and keeps beating; one only near the end of the window.
  let now = elected;
  book.beat('talks', now, 5000);
  while (now < elected + 16_000) {
    now += 4000;
    assert.deepEqual(book.expire(now), []);
    book.beat('talks', now, 5000);
  }
  book.beat('late', elected + 16_400, 5000);
  // 'late' came within the window: 'quiet' has a whole window from then (the others keep beating).
  for (const n of ['talks', 'late']) book.beat(n, elected + 32_000, 5000);
  assert.deepEqual(book.expire(elected + 16_500), []);
  assert.deepEqual(book.expire(elected + 32_899), []);
  assert.equal(book.nextDeadline(), elected + 32_900);
  assert.deepEqual(book.expire(elected + 32_900), ['quiet']);
  // Grace never shortens the deadline of a node already heard from.
  book.grace(['talks'], now);
  assert.ok((book.nextDeadline() ?? 0) >= now);
});

test('with no node in grace arriving, one window is all the grace; with arrivals, at most MAX_GRACE_WINDOWS windows', () => {
  const w = new HeartbeatBook(options).windowMs;
  // Nobody in grace arrives: both due after one window (a node this leader heard from does not count).
  const quiet = new HeartbeatBook(options);
  quiet.grace(['a', 'b'], 0);
  quiet.beat('c', w - 1, 5000);
  assert.deepEqual(quiet.expire(w + 2 * GRACE_MS_PER_NODE - 1), []);
  assert.deepEqual(quiet.expire(w + 2 * GRACE_MS_PER_NODE), ['a', 'b']);
  // Thousands given grace at once: their first window grows with their number.
  const big = new HeartbeatBook(options);
  big.grace(
    Array.from({ length: 5000 }, (_, i) => `m${i}`),
    0,
  );
  assert.equal(big.nextDeadline(), w + 5000 * GRACE_MS_PER_NODE);
  // Nodes in grace arriving without end (one each half window): the node that never comes is due at the cap.
  const busy = new HeartbeatBook(options);
  const many = Array.from({ length: 2 * MAX_GRACE_WINDOWS + 2 }, (_, i) => `n${i}`);
  busy.grace(['never', ...many], 0);
  let dueAt: number | undefined;
  many.forEach((n, i) => {
    const now = ((i + 1) * w) / 2;
    busy.beat(n, now, 5000);
    if (busy.expire(now).includes('never')) dueAt = now;
  });
  assert.equal(dueAt, MAX_GRACE_WINDOWS * w);
});

test('forget, setDeadline and clear', () => {
  const book = new HeartbeatBook(options);
  book.beat('a', 0, 5000);
  book.beat('b', 0, 5000);
  book.forget('a');
  assert.deepEqual(book.expire(20_000), ['b']);
  book.setDeadline('b', 25_000);
  assert.deepEqual(book.expire(24_999), []);
  assert.deepEqual(book.expire(25_000), ['b']);
  book.beat('c', 0, 5000);
  book.clear();
  assert.equal(book.nextDeadline(), undefined);
  assert.deepEqual(book.expire(Infinity), []);
});

test('options no dispatcher can run with are refused', () => {
  assert.throws(() => new HeartbeatBook({ ...options, periodMs: 0 }), RangeError);
  assert.throws(() => new HeartbeatBook({ ...options, jitterMs: 5000 }), RangeError);
  assert.throws(() => new HeartbeatBook({ ...options, missedBeats: 0 }), RangeError);
});
