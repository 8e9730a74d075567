import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLinearizable } from './linearizability.ts';
import type { HistoryOp, LinearizabilityResult } from './linearizability.ts';

const w = (client: number, key: string, value: string, call: number, ret: number): HistoryOp => ({
  client,
  op: { kind: 'write', key, value },
  call,
  ret,
});
const r = (client: number, key: string, output: string | null, call: number, ret: number): HistoryOp => ({
  client,
  op: { kind: 'read', key },
  call,
  ret,
  output,
});

function assertViolation(res: LinearizabilityResult, key: string): void {
  assert.equal(res.ok, false, 'expected a violation');
  if (res.ok) return;
  assert.equal(res.undecided, false, res.reason);
  assert.equal(res.key, key);
  assert.ok(res.reason.length > 0);
  assert.ok(res.ops.length > 0);
}

test('sequential history is linearizable', () => {
  const h = [w(1, 'x', 'a', 1, 2), r(1, 'x', 'a', 3, 4), w(1, 'x', 'b', 5, 6), r(1, 'x', 'b', 7, 8)];
  assert.deepEqual(checkLinearizable(h), { ok: true });
  assert.deepEqual(checkLinearizable([]), { ok: true });
});

test('read concurrent with a write may return old or new value', () => {
  for (const out of [null, 'a']) {
    const h = [w(1, 'x', 'a', 1, 4), r(2, 'x', out, 2, 3)];
    assert.deepEqual(checkLinearizable(h), { ok: true }, `read -> ${out}`);
  }
  // Two reads overlapping the write: the first may see the new value as long as the second does too.
  const h = [w(1, 'x', 'a', 1, 10), r(2, 'x', 'a', 2, 3), r(3, 'x', 'a', 4, 5)];
  assert.deepEqual(checkLinearizable(h), { ok: true });
  // ...but not new-then-old (no "flickering").
  assertViolation(
    checkLinearizable([w(1, 'x', 'a', 1, 10), r(2, 'x', 'a', 2, 3), r(3, 'x', null, 4, 5)]),
    'x',
  );
});

test('stale read after a completed write is a violation', () => {
  const res = checkLinearizable([w(1, 'x', 'a', 1, 2), r(2, 'x', null, 3, 4)]);
  assertViolation(res, 'x');
  if (!res.ok) assert.match(res.reason, /read\(x\) -> null by client 2 at \[3,4\] cannot be placed/);
  assertViolation(
    checkLinearizable([
      w(1, 'x', 'a', 1, 2),
      w(1, 'x', 'b', 3, 4),
      r(2, 'x', 'a', 5, 6),
      r(2, 'x', 'b', 7, 8),
    ]),
    'x',
  );
});

test('lost acknowledged write is a violation', () => {
  const res = checkLinearizable([w(1, 'x', 'a', 1, 2), w(2, 'x', 'b', 3, 4), r(3, 'x', 'a', 5, 6)]);
  assertViolation(res, 'x');
  if (!res.ok) assert.match(res.reason, /register = "b"/);
});

test('indeterminate writes may or may not take effect', () => {
  // Observed by a later read.
  assert.deepEqual(checkLinearizable([w(1, 'x', 'a', 1, Infinity), r(2, 'x', 'a', 5, 6)]), { ok: true });
  // Never observed.
  assert.deepEqual(checkLinearizable([w(1, 'x', 'a', 1, Infinity), r(2, 'x', null, 5, 6)]), { ok: true });
  // Takes effect late, after a completed write, and is then observed.
  const late = [
    w(1, 'x', 'a', 1, Infinity),
    w(2, 'x', 'b', 2, 3),
    r(2, 'x', 'b', 4, 5),
    r(2, 'x', 'a', 6, 7),
  ];
  assert.deepEqual(checkLinearizable(late), { ok: true });
  // Once observed, it cannot be "un-applied" without another write.
  const undo = [w(1, 'x', 'a', 1, Infinity), r(2, 'x', 'a', 2, 3), r(2, 'x', null, 4, 5)];
  assertViolation(checkLinearizable(undo), 'x');
  // It cannot take effect before its call.
  assertViolation(checkLinearizable([r(2, 'x', 'a', 1, 2), w(1, 'x', 'a', 3, Infinity)]), 'x');
});

test('reads with unknown outcome are ignored', () => {
  const h: HistoryOp[] = [
    w(1, 'x', 'a', 1, 2),
    { client: 2, op: { kind: 'read', key: 'x' }, call: 3, ret: Infinity },
  ];
  assert.deepEqual(checkLinearizable(h), { ok: true });
});

test('reading a value that was never written is a violation', () => {
  const res = checkLinearizable([w(1, 'x', 'a', 1, 2), r(2, 'x', 'zzz', 3, 4)]);
  assertViolation(res, 'x');
  if (!res.ok) assert.match(res.reason, /never written/);
});

test('does not rely on unique values', () => {
  const h = [w(1, 'x', 'a', 1, 2), w(1, 'x', 'b', 3, 4), w(1, 'x', 'a', 5, 6), r(2, 'x', 'a', 7, 8)];
  assert.deepEqual(checkLinearizable(h), { ok: true });
  const bad = [w(1, 'x', 'a', 1, 2), w(1, 'x', 'b', 3, 4), r(2, 'x', 'a', 5, 6), w(1, 'x', 'a', 7, 8)];
  assertViolation(checkLinearizable(bad), 'x');
});

test('ops touching at equal times are treated as sequential (returns before calls)', () => {
  assertViolation(checkLinearizable([w(1, 'x', 'a', 1, 2), r(2, 'x', null, 2, 3)]), 'x');
});

test('keys are checked independently', () => {
  const h = [
    w(1, 'x', 'a', 1, 2),
    w(2, 'y', 'p', 3, 4),
    r(1, 'x', 'a', 5, 6),
    r(2, 'y', null, 7, 8), // stale
    r(3, 'x', 'a', 9, 10),
  ];
  const res = checkLinearizable(h);
  assertViolation(res, 'y');
  if (!res.ok) assert.ok(res.ops.every(o => o.op.key === 'y'));
  // Interleaving across keys does not matter: x alone is fine, y alone is not.
  assert.deepEqual(checkLinearizable(h.filter(o => o.op.key === 'x')), { ok: true });
});

test('malformed ops are rejected', () => {
  assert.throws(() => checkLinearizable([w(1, 'x', 'a', 3, 3)]), RangeError);
  const noOutput: HistoryOp = { client: 1, op: { kind: 'read', key: 'x' }, call: 1, ret: 2 };
  assert.throws(() => checkLinearizable([noOutput]), TypeError);
});

/** Small seeded PRNG (mulberry32) so failures reproduce. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Generates a history from a real atomic register: each op takes effect at one instant strictly between its
 * call and return events, so the history is linearizable by construction. A pending op "crashes" with 1%
 * probability per step (ret = Infinity), either after taking effect, or before — in which case a write may
 * still take effect at some much later instant, or never. Written values are unique.
 */
function generate(seed: number, clients: number, total: number, keys: string[]): HistoryOp[] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const reg = new Map<string, string | null>();
  const apply = (h: HistoryOp): void => {
    if (h.op.kind === 'write') reg.set(h.op.key, h.op.value);
    else h.output = reg.get(h.op.key) ?? null;
  };
  const history: HistoryOp[] = [];
  const slots: { id: number; op: HistoryOp | null; applied: boolean }[] = [];
  for (let i = 0; i < clients; i++) slots.push({ id: i, op: null, applied: false });
  let nextId = clients;
  const zombies: HistoryOp[] = []; // crashed writes that have not taken effect (yet)
  let t = 0;
  let issued = 0;
  while (issued < total || slots.some(s => s.op)) {
    if (zombies.length > 0 && rnd() < 0.01)
      apply(zombies.splice(Math.floor(rnd() * zombies.length), 1)[0] as HistoryOp);
    const s = pick(slots);
    if (!s.op) {
      if (issued >= total) continue;
      const key = pick(keys);
      s.op =
        rnd() < 0.5
          ? {
              client: s.id,
              op: { kind: 'write', key, value: `c${s.id}:${issued}` },
              call: ++t,
              ret: Infinity,
            }
          : { client: s.id, op: { kind: 'read', key }, call: ++t, ret: Infinity };
      s.applied = false;
      history.push(s.op);
      issued++;
    } else if (rnd() < 0.01) {
      // Crash: outcome unknown; the client moves on under a new id (one op at a time per client).
      if (!s.applied && s.op.op.kind === 'write' && rnd() < 0.5) zombies.push(s.op);
      if (s.op.op.kind === 'read') delete s.op.output;
      s.op = null;
      s.id = nextId++;
    } else if (!s.applied) {
      apply(s.op);
      s.applied = true;
    } else {
      s.op.ret = ++t;
      s.op = null;
    }
  }
  return history;
}

/**
 * Makes one completed read R return the value of a write W1 such that W1 returned before another write W2
 * of the same key was called, and W2 returned before R was called. Real-time order forces W1 < W2 < R in
 * every linearization, W1 is the only write of its value, so R cannot read it: provably not linearizable.
 */
function corrupt(history: HistoryOp[], from: number): string {
  const done = history.filter(h => h.ret !== Infinity);
  const lastBefore = (key: string, t: number): HistoryOp | undefined =>
    done
      .filter(h => h.op.kind === 'write' && h.op.key === key && h.ret < t)
      .reduce<HistoryOp | undefined>((a, h) => (a && a.ret > h.ret ? a : h), undefined);
  for (let i = Math.floor(done.length * from); i >= 0; i--) {
    const read = done[i];
    if (!read || read.op.kind !== 'read') continue;
    const w2 = lastBefore(read.op.key, read.call);
    const w1 = w2 && lastBefore(read.op.key, w2.call);
    if (w1?.op.kind !== 'write') continue;
    read.output = w1.op.value;
    return read.op.key;
  }
  throw new Error('no read to corrupt');
}

/**
 * The search's size, not its time, is what a test can hold the checker to (a loaded machine took 3.6 s
 * where 2 s was asserted): each check gets a budget of memoized states about four times what it needs
 * today, and must decide within it (`undecided` would mean the search grew).
 */
const SMALL_BUDGET = { maxStates: 10_000 }; // these need 437 to 2321
const OK_16_CLIENTS_BUDGET = { maxStates: 100_000 }; // needs 21115
const VIOLATION_12_CLIENTS_BUDGET = { maxStates: 400_000 }; // needs 87006

test('randomized: 2000 ops, 4 clients, 3 keys — linearizable, then one stale read is caught', () => {
  for (const seed of [1, 2, 3]) {
    const history = generate(seed, 4, 2000, ['x', 'y', 'z']);
    assert.ok(
      history.some(h => h.ret === Infinity),
      'generator should produce crashed ops',
    );
    const ok = checkLinearizable(history, SMALL_BUDGET);
    assert.deepEqual(ok, { ok: true }, ok.ok ? '' : ok.reason);

    // Corrupt a read in the middle (the search must get past it) and one near the end.
    for (const from of [0.5, 1]) {
      const bad = structuredClone(history);
      const key = corrupt(bad, from);
      const res = checkLinearizable(bad, SMALL_BUDGET);
      assertViolation(res, key);

      // A tiny budget yields an explicit "undecided", never a false verdict.
      const capped = checkLinearizable(bad, { maxStates: 10 });
      assert.equal(capped.ok, false);
      if (!capped.ok) {
        assert.equal(capped.undecided, true);
        assert.match(capped.reason, /budget exceeded/);
      }
    }
  }
});

test('randomized: higher concurrency stays within a small search', () => {
  // Linearizable histories are quick even at 16 clients on one key, thanks to the search-order heuristic.
  const history = generate(42, 16, 3000, ['k']);
  const res = checkLinearizable(history, OK_16_CLIENTS_BUDGET);
  assert.deepEqual(res, { ok: true }, res.ok ? '' : res.reason);

  // Proving a violation is exhaustive and grows ~2x per two extra concurrent clients; 12 is still small.
  const bad = generate(7, 12, 3000, ['k']);
  corrupt(bad, 0.5);
  assertViolation(checkLinearizable(bad, VIOLATION_12_CLIENTS_BUDGET), 'k');
});

/** Exhaustive reference: tries every real-time-respecting order; unknown-outcome writes may be left out. */
function bruteForce(history: readonly HistoryOp[]): boolean {
  const ops = history.filter(h => h.op.kind === 'write' || h.ret !== Infinity);
  const byKey = new Map<string, HistoryOp[]>();
  for (const h of ops) byKey.set(h.op.key, [...(byKey.get(h.op.key) ?? []), h]);
  const search = (rest: HistoryOp[], state: string | null): boolean =>
    rest.every(h => h.ret === Infinity) ||
    rest.some((h, i) => {
      if (rest.some(o => o.ret <= h.call)) return false; // o must precede h (touching = sequential)
      if (h.op.kind === 'read' && h.output !== state) return false;
      const next = h.op.kind === 'write' ? h.op.value : state;
      return search([...rest.slice(0, i), ...rest.slice(i + 1)], next);
    });
  return [...byKey.values()].every(list => search(list, null));
}

test('agrees with brute force on small random histories (duplicate values, crashes)', () => {
  const rnd = mulberry32(12345);
  let violations = 0;
  for (let n = 0; n < 3000; n++) {
    const history: HistoryOp[] = [];
    const free: number[] = [0, 0, 0]; // per client: time it becomes free
    let t = 0;
    const count = 2 + Math.floor(rnd() * 6);
    for (let i = 0; i < count; i++) {
      const client = Math.floor(rnd() * free.length);
      const call = Math.max(t, free[client] ?? 0) + 1 + Math.floor(rnd() * 3);
      const ret = rnd() < 0.15 ? Infinity : call + 1 + Math.floor(rnd() * 6);
      t = call;
      free[client] = ret === Infinity ? call : ret; // a crashed client moves on at once
      const key = rnd() < 0.8 ? 'x' : 'y';
      const value = rnd() < 0.5 ? 'a' : 'b';
      if (rnd() < 0.45) history.push({ client, op: { kind: 'write', key, value }, call, ret });
      else history.push({ client, op: { kind: 'read', key }, call, ret, output: rnd() < 0.3 ? null : value });
    }
    const expected = bruteForce(history);
    const res = checkLinearizable(history);
    if (!expected) violations++;
    assert.equal(res.ok, expected, JSON.stringify(history) + (res.ok ? '' : res.reason));
  }
  assert.ok(violations > 300 && violations < 2700, `both outcomes should be common: ${violations}`);
});
