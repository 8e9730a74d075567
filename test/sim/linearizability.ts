/**
 * Linearizability checker for a key-value register model (one register per key, initially null).
 *
 * Keys are checked independently (linearizability is P-compositional, so a history is linearizable iff
 * every per-key sub-history is). Each key uses the Wing & Gong / Lowe depth-first search with memoization
 * of (set of linearized ops, register value), as in Porcupine.
 *
 * Pure: no I/O, no timers, no randomness.
 */

/** An operation on the key-value store. */
export type KvOp = { kind: 'write'; key: string; value: string } | { kind: 'read'; key: string };

/** One operation as observed by a client. */
export interface HistoryOp {
  /** Client id; a client issues at most one op at a time. */
  client: number;
  op: KvOp;
  /** Invocation time (global, strictly increasing event counter). */
  call: number;
  /** Response time; `Infinity` when the outcome is unknown (client timed out / node crashed). */
  ret: number;
  /** For completed reads: the value read (`null` = key never written). */
  output?: string | null;
}

/**
 * Result of {@link checkLinearizable}. On failure, `undecided: true` means the search budget ran out
 * (no verdict: the history may well be linearizable); `undecided: false` is a proven violation.
 * `ops` holds the ops of the offending key that took part in the check.
 */
export type LinearizabilityResult =
  { ok: true } | { ok: false; undecided: boolean; key: string; reason: string; ops: HistoryOp[] };

/** Options for {@link checkLinearizable}. */
export interface CheckOptions {
  /**
   * Upper bound on memoized search states, summed over all keys. Each state stores a bitset of the key's
   * ops, so this is also the memory bound. Default 1,000,000.
   */
  maxStates?: number;
}

const DEFAULT_MAX_STATES = 1_000_000;

/** A call or return event in the doubly linked event list. */
interface Entry {
  id: number; // index of the op within its key's sub-history
  op: HistoryOp;
  isCall: boolean;
  time: number;
  match: Entry | null; // call -> its return event
  prev: Entry | null;
  next: Entry | null;
}

type State = string | null;

function newEntry(id: number, op: HistoryOp, isCall: boolean, time: number, match: Entry | null): Entry {
  return { id, op, isCall, time, match, prev: null, next: null };
}

/** Placeholder op for the list head, which is never linearized. */
const SENTINEL: HistoryOp = { client: -1, op: { kind: 'read', key: '' }, call: -Infinity, ret: -Infinity };

/** Applies `h` to the register; `undefined` means the op is illegal in `state`. */
function step(state: State, h: HistoryOp): State | undefined {
  if (h.op.kind === 'write') return h.op.value;
  return h.output === state ? state : undefined;
}

function describe(h: HistoryOp): string {
  const args = h.op.kind === 'write' ? `${h.op.key}, ${JSON.stringify(h.op.value)}` : h.op.key;
  const out = h.op.kind === 'read' ? ` -> ${JSON.stringify(h.output)}` : '';
  return `${h.op.kind}(${args})${out} by client ${h.client} at [${h.call},${h.ret === Infinity ? 'inf' : h.ret}]`;
}

function validate(h: HistoryOp): void {
  if (!Number.isFinite(h.call) || !(h.ret > h.call)) {
    throw new RangeError(`malformed op (need finite call < ret): ${describe(h)}`);
  }
  if (h.op.kind === 'read' && h.ret !== Infinity && h.output === undefined) {
    throw new TypeError(`completed read without output: ${describe(h)}`);
  }
}

/**
 * Checks whether `history` is linearizable w.r.t. a per-key register.
 * Reads with `ret = Infinity` are ignored; writes with `ret = Infinity` may take effect at any time after
 * their call, or never. Throws on malformed ops (non-finite call, `ret <= call`, completed read without
 * output). Real violations are preferred over budget exhaustion when both occur on different keys.
 */
export function checkLinearizable(
  history: readonly HistoryOp[],
  opts: CheckOptions = {},
): LinearizabilityResult {
  const byKey = new Map<string, HistoryOp[]>();
  for (const h of history) {
    validate(h);
    if (h.op.kind === 'read' && h.ret === Infinity) continue; // unknown output: constrains nothing
    const list = byKey.get(h.op.key);
    if (list) list.push(h);
    else byKey.set(h.op.key, [h]);
  }
  const budget = { left: opts.maxStates ?? DEFAULT_MAX_STATES };
  let undecided: LinearizabilityResult | null = null;
  for (const [key, ops] of [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const r = checkKey(key, ops, budget);
    if (r.ok) continue;
    if (!r.undecided) return r;
    undecided ??= r;
  }
  return undecided ?? { ok: true };
}

function checkKey(key: string, ops: HistoryOp[], budget: { left: number }): LinearizabilityResult {
  const fail = (undecided: boolean, reason: string): LinearizabilityResult => {
    return { ok: false, undecided, key, reason, ops };
  };
  // Cheap precheck with a clearer message than the search would give.
  const written = new Set(ops.flatMap(h => (h.op.kind === 'write' ? [h.op.value] : [])));
  for (const h of ops) {
    if (h.op.kind === 'read' && h.output != null && !written.has(h.output)) {
      return fail(false, `${describe(h)} returns a value that was never written`);
    }
  }

  // Search-order heuristic only: per value, the earliest return of a read of it.
  const firstRead = new Map<string | null | undefined, number>();
  for (const h of ops) {
    if (h.op.kind === 'read') firstRead.set(h.output, Math.min(h.ret, firstRead.get(h.output) ?? Infinity));
  }
  const events: Entry[] = [];
  ops.forEach((op, id) => {
    const ret = newEntry(id, op, false, op.ret, null);
    events.push(newEntry(id, op, true, op.call, ret), ret);
  });
  // At equal times, returns sort before calls: ops that merely touch are treated as sequential, which is
  // the stricter (conservative) reading. `Infinity - Infinity` is NaN (falsy), so ties fall through.
  events.sort((a, b) => a.time - b.time || Number(a.isCall) - Number(b.isCall) || a.id - b.id);
  const head = newEntry(-1, SENTINEL, false, -Infinity, null);
  let last = head;
  for (const e of events) {
    e.prev = last;
    last.next = e;
    last = e;
  }
  // Removes a call and its return from the list (op linearized) / puts them back (backtrack).
  const lift = (c: Entry): void => {
    for (const e of [c, c.match]) {
      if (e?.prev) e.prev.next = e.next;
      if (e?.next) e.next.prev = e.prev;
    }
  };
  const unlift = (c: Entry): void => {
    for (const e of [c.match, c]) {
      if (e?.prev) e.prev.next = e;
      if (e?.next) e.next.prev = e;
    }
  };

  // Bitset of linearized ops. Its bytes, read as latin1 (one char per byte, a bijection), give a compact
  // string cache key that V8 hashes quickly; this is much faster than String.fromCharCode(...words).
  const bits = new Uint8Array(Math.ceil(ops.length / 8) || 1);
  const bitsView = Buffer.from(bits.buffer);
  const toggle = (id: number): void => {
    bits[id >> 3] = (bits[id >> 3] ?? 0) ^ (1 << (id & 7));
  };
  // The bitset part has a fixed length, so appending the state keeps keys unambiguous.
  const cacheKey = (s: State): string => bitsView.toString('latin1') + (s === null ? 'N' : 'S' + s);

  /**
   * Candidate next ops in the current configuration, among the minimal calls (those before the first
   * pending return). `null` means every finite-time op is linearized: the rest are unknown-outcome
   * writes, which can all go at the end. Two pruning rules keep the search small; both preserve the
   * verdict because any valid completion can be rewritten to obey them:
   * - A minimal read legal in the current state is forced: moving it to the front of a valid completion
   *   keeps it valid (it changes nothing, and nothing pending returned before its call).
   * - An unknown-outcome write is only worth placing right before a minimal read of its value: it has no
   *   real-time successors, so it can always be moved later, and if it is directly followed by a write
   *   (or nothing) it can be dropped, i.e. deferred to the end.
   * Writes are tried in order of the earliest read of their value, never-read ("dead") writes first: a
   * heuristic that approximates the real order and cuts backtracking on highly concurrent histories.
   */
  const candidates = (state: State): { choices: Entry[]; blocked: HistoryOp } | null => {
    const calls: Entry[] = [];
    let e = head.next;
    for (; e?.isCall; e = e.next) calls.push(e);
    if (!e || e.time === Infinity) return null;
    const reads = calls.filter(c => c.op.op.kind === 'read');
    const legal = reads.find(c => c.op.output === state);
    const blocked = reads.find(c => c.op.output !== state)?.op ?? e.op;
    if (legal) return { choices: [legal], blocked };
    const wanted = new Set(reads.map(c => c.op.output));
    const writes = calls.filter(
      c => c.op.op.kind === 'write' && (c.op.ret < Infinity || wanted.has(c.op.op.value)),
    );
    const rank = (c: Entry): number =>
      (c.op.op.kind === 'write' ? firstRead.get(c.op.op.value) : 0) ?? -Infinity;
    return { choices: writes.sort((a, b) => rank(a) - rank(b) || a.op.call - b.op.call), blocked };
  };

  // Explicit DFS stack; frame k holds the configuration after k linearized ops and its untried choices.
  interface Frame {
    choices: Entry[];
    next: number;
    state: State;
    via: Entry | null; // the op whose linearization led here
  }
  const cache = new Set<string>();
  let best = { depth: -1, state: null as State, blocked: SENTINEL, last: null as HistoryOp | null };
  const enter = (state: State, via: Entry | null, depth: number): Frame | null => {
    const c = candidates(state);
    if (!c) return null;
    if (depth > best.depth) best = { depth, state, blocked: c.blocked, last: via?.op ?? null };
    return { choices: c.choices, next: 0, state, via };
  };
  const root = enter(null, null, 0);
  if (!root) return { ok: true };
  const stack: Frame[] = [root];
  for (let top = stack.at(-1); top; top = stack.at(-1)) {
    const c = top.choices[top.next++];
    if (!c) {
      // All choices failed: backtrack.
      stack.pop();
      if (top.via) {
        toggle(top.via.id);
        unlift(top.via);
      }
      continue;
    }
    const state = step(top.state, c.op);
    if (state === undefined) continue; // unreachable: candidates are legal, kept as a safety net
    toggle(c.id);
    const k = cacheKey(state);
    if (cache.has(k)) {
      toggle(c.id); // already explored (and failed) from this configuration
      continue;
    }
    if (budget.left-- <= 0)
      return fail(true, `search budget exceeded (maxStates) at ${cache.size} states; undecided`);
    cache.add(k);
    lift(c);
    const frame = enter(state, c, stack.length);
    if (!frame) return { ok: true };
    stack.push(frame);
  }
  const after = best.last ? `, last ${describe(best.last)}` : '';
  return fail(
    false,
    `not linearizable: longest linearizable prefix has ${best.depth}/${ops.length} ops ` +
      `(register = ${JSON.stringify(best.state)}${after}); ${describe(best.blocked)} cannot be placed`,
  );
}
