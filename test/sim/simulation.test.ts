/**
 * A bounded slice of the deterministic simulation (the full run is `npm run sim`), and proof that it
 * catches a broken system: disks that acknowledge a sync but lose it on a crash.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NONE, type Message } from '../../server/raft/index.ts';
import { Raft } from '../../server/raft/raft.ts';
import { ConfChangeQueue, type ConfChangeRequest } from '../../server/raftnode/conf-change-queue.ts';
import { replayCommand, runSimulation, type SimResult } from './simulation.ts';

const SLICE_SEEDS = 500;
const SLICE_STEPS = 2000;

function describeFailures(results: SimResult[]): string {
  return results
    .map(r => `seed ${r.seed}: ${r.violations.map(v => `${v.invariant}: ${v.detail}`).join('; ')}`)
    .join('\n');
}

test(`${SLICE_SEEDS} seeds of 3- and 5-node clusters under faults keep every invariant`, () => {
  const failed: SimResult[] = [];
  let writes = 0;
  let reads = 0;
  let leaders = 0;
  for (let seed = 1; seed <= SLICE_SEEDS; seed++) {
    const r = runSimulation({ seed, steps: SLICE_STEPS });
    if (r.violations.length > 0) failed.push(r);
    writes += r.stats.writesAcked;
    reads += r.stats.readsServed;
    leaders += r.stats.leaders;
  }
  assert.equal(failed.length, 0, `failing seeds:\n${describeFailures(failed)}`);
  // The slice really exercised the system (a run that did nothing would pass vacuously).
  assert.ok(writes > SLICE_SEEDS * 100, `only ${writes} writes acknowledged`);
  assert.ok(reads > SLICE_SEEDS * 50, `only ${reads} reads served`);
  assert.ok(leaders > SLICE_SEEDS, `only ${leaders} leaders elected`);
});

test('a run is a pure function of its seed: the same seed replays exactly', () => {
  const a = runSimulation({ seed: 42, steps: 800 });
  const b = runSimulation({ seed: 42, steps: 800 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.stats, runSimulation({ seed: 43, steps: 800 }).stats);
});

test('storage that acknowledges a sync but loses it on a crash is caught, with a replayable seed', () => {
  let failing: SimResult | undefined;
  for (let seed = 1; seed <= 50 && failing === undefined; seed++) {
    const r = runSimulation({ seed, steps: 1500, lyingStorage: true });
    if (r.violations.length > 0) failing = r;
  }
  assert.ok(failing !== undefined, 'no seed caught the lying storage');
  const replay = runSimulation({ seed: failing.seed, steps: 1500, lyingStorage: true });
  assert.deepEqual(replay.violations, failing.violations);
  assert.match(
    replayCommand(failing, { steps: 1500, lyingStorage: true }),
    new RegExp(`^npm run sim -- --seed ${failing.seed} --steps 1500 --lying-storage`),
  );
});

test('seed 3990, where a leader is deposed while its Ready is being written, runs clean (once misread as two leaders)', () => {
  const r = runSimulation({ seed: 3990, steps: SLICE_STEPS });
  assert.ok(r.stats.deposedWhileWriting > 0, 'the seed no longer deposes a leader while it writes');
  assert.deepEqual(r.violations, [], describeFailures([r]));
});

test('a core that grants every vote is caught breaking election safety, with a replayable seed', () => {
  // The checker watches the core itself: a mutation that lets a node vote twice in a term must show.
  const proto = Raft.prototype as unknown as { handleVoteRequest: (m: Message) => void };
  const honest = proto.handleVoteRequest;
  proto.handleVoteRequest = function (this: Raft, m: Message) {
    this.vote = NONE;
    honest.call(this, m);
  };
  try {
    let failing: SimResult | undefined;
    for (let seed = 1; seed <= 50 && failing === undefined; seed++) {
      const r = runSimulation({ seed, steps: 1000 });
      if (r.violations.some(v => v.invariant === 'election safety')) failing = r;
    }
    assert.ok(failing !== undefined, 'no seed caught two leaders in one term');
    assert.deepEqual(runSimulation({ seed: failing.seed, steps: 1000 }).violations, failing.violations);
  } finally {
    proto.handleVoteRequest = honest;
  }
});

test('proposers that number their proposals from 1 again after a restart are caught answering a call with another write', () => {
  // Many restarts, so that a young incarnation's entries are still on their way when the next one asks.
  const opts = { steps: 2000, crashRate: 0.05 };
  let failing: SimResult | undefined;
  for (let seed = 1; seed <= 100 && failing === undefined; seed++) {
    const r = runSimulation({ seed, ...opts, reusedProposalIds: true });
    if (r.violations.some(v => v.invariant === 'reply ↔ entry')) failing = r;
  }
  assert.ok(failing !== undefined, 'no seed caught a reply answered by another write');
  // With a run per start, as RaftNode draws one, the same seed answers every call with its own write.
  const honest = runSimulation({ seed: failing.seed, ...opts });
  assert.deepEqual(honest.violations, [], describeFailures([honest]));
});

test('a driver that keeps one pending membership change (a second request overwrites the first) is caught', () => {
  // RaftNode's queue as it was: one slot. The first request's change is applied, and nobody answers it.
  const proto = ConfChangeQueue.prototype as unknown as {
    add(this: ConfChangeQueue<unknown>, r: ConfChangeRequest<unknown>): void;
  };
  const queueing = proto.add;
  proto.add = function (r) {
    this.drain();
    queueing.call(this, r);
  };
  let failing: SimResult | undefined;
  try {
    for (let seed = 1; seed <= 60 && failing === undefined; seed++) {
      const r = runSimulation({ seed, steps: SLICE_STEPS });
      if (r.violations.some(v => v.invariant === 'membership answer')) failing = r;
    }
  } finally {
    proto.add = queueing;
  }
  assert.ok(failing !== undefined, 'no seed caught an unanswered membership change');
  const honest = runSimulation({ seed: failing.seed, steps: SLICE_STEPS });
  assert.deepEqual(honest.violations, [], describeFailures([honest]));
});
