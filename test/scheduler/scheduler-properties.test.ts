/**
 * Property tests of the scheduler over seeded random batches (see random-batch.ts for what a batch holds
 * and what the judge checks). A failing seed is printed with the command that replays it;
 * `SCHEDULER_SEED=<seed>` runs only that seed and prints its batch and decisions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { schedule, type SchedulerTask } from '../../server/scheduler/index.ts';
import { replayCommand, runBatch, type RunResult, type Scheduler } from './random-batch.ts';

const SEEDS = 3000;
const only = process.env['SCHEDULER_SEED'];

function describeFailures(results: RunResult[]): string {
  return results
    .map(r => {
      const v = r.violations[0];
      return `seed ${r.seed}: task ${v?.taskId}: ${v?.invariant}: ${v?.detail}\n  replay: ${replayCommand(r.seed)}`;
    })
    .join('\n');
}

/** The first failing seed of 1..limit under `scheduler`, or undefined. */
function firstFailure(scheduler: Scheduler, limit = 500): RunResult | undefined {
  for (let seed = 1; seed <= limit; seed++) {
    const r = runBatch(seed, scheduler);
    if (r.violations.length > 0) return r;
  }
  return undefined;
}

if (only !== undefined) {
  test(`seed ${only} replayed`, () => {
    const r = runBatch(Number(only), schedule, true);
    console.log(r.trace.join('\n'));
    console.log(JSON.stringify(r.stats));
    assert.equal(r.violations.length, 0, describeFailures([r]));
  });
} else {
  test(`${SEEDS} seeded batches: no decision breaks availability, a constraint or a port; spread is minimal; unplaced only when nothing fits, with Swarm's reason`, () => {
    const failed: RunResult[] = [];
    const totals = { placed: 0, unplaced: 0, preassigned: 0 };
    const reasons = new Set<string>();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = runBatch(seed);
      if (r.violations.length > 0) failed.push(r);
      totals.placed += r.stats.placed;
      totals.unplaced += r.stats.unplaced;
      totals.preassigned += r.stats.preassigned;
      for (const reason of Object.keys(r.stats.reasons)) reasons.add(reason);
    }
    if (failed.length > 0) console.log(`failing seeds:\n${describeFailures(failed.slice(0, 5))}`);
    assert.equal(failed.length, 0, `failing seeds:\n${describeFailures(failed.slice(0, 5))}`);
    // The batches really exercised every path (a run placing nothing would pass vacuously).
    assert.ok(totals.placed > SEEDS * 2, `only ${totals.placed} placements`);
    assert.ok(totals.unplaced > SEEDS / 2, `only ${totals.unplaced} unplaced`);
    assert.ok(totals.preassigned > SEEDS / 4, `only ${totals.preassigned} pre-assigned`);
    const all = [...reasons].join('\n');
    for (const part of [
      'not available for new tasks',
      'scheduling constraints not satisfied',
      'host-mode port already in use',
      '; ',
      'N node ',
      'N nodes',
      'no suitable node\n',
      'not found',
    ]) {
      assert.ok(`${all}\n`.includes(part), `no reason with ${JSON.stringify(part)} among:\n${all}`);
    }
  });

  test('a batch is a pure function of its seed', () => {
    assert.deepEqual(runBatch(7, schedule, true), runBatch(7, schedule, true));
    assert.notDeepEqual(runBatch(7, schedule, true).trace, runBatch(8, schedule, true).trace);
  });

  test('a scheduler that ignores host ports is caught, and its failing seed replays exactly', () => {
    const noPorts: Scheduler = input =>
      schedule({
        ...input,
        pending: input.pending.map(({ endpoint: _, ...t }): SchedulerTask => t),
      });
    const failing = firstFailure(noPorts);
    assert.ok(failing !== undefined, 'no seed caught it');
    assert.ok(failing.violations.some(v => v.invariant === 'host-port'));
    assert.deepEqual(runBatch(failing.seed, noPorts).violations, failing.violations);
    assert.match(replayCommand(failing.seed), new RegExp(`^SCHEDULER_SEED=${failing.seed} node `));
  });

  test('a scheduler that forgets the tasks already running is caught (spread)', () => {
    const failing = firstFailure(input => schedule({ ...input, tasks: [] }));
    assert.ok(failing !== undefined, 'no seed caught it');
    assert.ok(failing.violations.some(v => v.invariant === 'spread'));
  });

  test('a scheduler that ignores constraints is caught', () => {
    const failing = firstFailure(input =>
      schedule({
        ...input,
        pending: input.pending.map(t => ({ ...t, spec: { ...t.spec, constraints: [] } })),
      }),
    );
    assert.ok(failing !== undefined, 'no seed caught it');
    assert.ok(failing.violations.some(v => v.invariant === 'constraint'));
  });

  test('a scheduler that places on a paused node is caught', () => {
    const failing = firstFailure(input =>
      schedule({
        ...input,
        nodes: input.nodes.map(n =>
          n.spec.availability === 'pause' ? { ...n, spec: { ...n.spec, availability: 'active' } } : n,
        ),
      }),
    );
    assert.ok(failing !== undefined, 'no seed caught it');
    assert.ok(failing.violations.some(v => v.invariant === 'node available'));
  });
}
