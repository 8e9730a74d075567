/**
 * A bounded slice of the deterministic simulation (the full run is `npm run sim`), and proof that it
 * catches a broken system: disks that acknowledge a sync but lose it on a crash.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NONE, type Message } from '../../server/raft/index.ts';
import { Raft } from '../../server/raft/raft.ts';
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

test('seeds where a leader was deposed while its Ready was being written run clean (they were misread as two leaders)', () => {
  for (const seed of [3990, 7500, 8827]) {
    const r = runSimulation({ seed, steps: SLICE_STEPS });
    assert.deepEqual(r.violations, [], `seed ${seed}: ${describeFailures([r])}`);
  }
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
