/**
 * Property tests of the orchestrator over seeded random runs (random-cluster.ts): never two live tasks in a
 * slot; after convergence exactly N live tasks in N distinct slots (1..N unless the run scaled down) for a
 * replicated service, exactly one per eligible node for a global one, history within its limit, no update
 * left running. A failing seed is printed with the command that replays it; `ORCHESTRATOR_SEED=<seed>` runs
 * only that seed and prints its trace.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconcileService, type OrchestratorInput } from '../../server/orchestrator/index.ts';
import { replayCommand, runCluster, type Orchestrator, type RunResult } from './random-cluster.ts';

const SEEDS = 400;
const only = process.env['ORCHESTRATOR_SEED'];

function describe(results: RunResult[]): string {
  return results
    .map(r => `seed ${r.seed}: ${r.violations[0]}\n  replay: ${replayCommand(r.seed)}`)
    .join('\n');
}

function firstFailure(orchestrator: Orchestrator, limit = 400): RunResult | undefined {
  for (let seed = 1; seed <= limit; seed++) {
    const r = runCluster(seed, orchestrator);
    if (r.violations.length > 0) return r;
  }
  return undefined;
}

if (only !== undefined) {
  test(`seed ${only} replayed`, () => {
    const r = runCluster(Number(only));
    console.log(r.trace.join('\n'));
    console.log(JSON.stringify(r.stats));
    assert.equal(r.violations.length, 0, describe([r]));
  });
} else {
  test(`${SEEDS} seeded runs: one live task per slot; after convergence N slots (replicated) or one task per eligible node (global)`, () => {
    const failed: RunResult[] = [];
    let global = 0;
    let scaledDown = 0;
    let updates = 0;
    let created = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = runCluster(seed);
      if (r.violations.length > 0) failed.push(r);
      if (r.stats.global) global++;
      if (r.stats.scaledDown) scaledDown++;
      updates += r.stats.updates;
      created += r.stats.created;
    }
    if (failed.length > 0) console.log(`failing seeds:\n${describe(failed.slice(0, 5))}`);
    assert.equal(failed.length, 0, `failing seeds:\n${describe(failed.slice(0, 5))}`);
    // The runs really exercised both modes, scale-downs and updates.
    assert.ok(global > SEEDS / 5, `only ${global} global runs`);
    assert.ok(scaledDown > SEEDS / 5, `only ${scaledDown} runs scaled down`);
    assert.ok(updates > SEEDS, `only ${updates} spec changes`);
    assert.ok(created > SEEDS * 5, `only ${created} tasks created`);
  });

  test(`${SEEDS} seeded runs with one creation per pass (maxCreates): the same properties hold`, () => {
    const oneAtATime: Orchestrator = input => reconcileService({ ...input, maxCreates: 1 });
    const failed: RunResult[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = runCluster(seed, oneAtATime);
      if (r.violations.length > 0) failed.push(r);
    }
    assert.equal(failed.length, 0, `failing seeds:\n${describe(failed.slice(0, 5))}`);
  });

  test('a run is a pure function of its seed', () => {
    assert.deepEqual(runCluster(11).trace, runCluster(11).trace);
    assert.notDeepEqual(runCluster(11).trace, runCluster(12).trace);
  });

  test('an orchestrator that never shuts down a replaced task is caught, and its seed replays', () => {
    const careless: Orchestrator = (input: OrchestratorInput) => {
      const result = reconcileService(input);
      return {
        ...result,
        taskChanges: result.taskChanges.filter(
          c => !(c.kind === 'set-desired-state' && c.desiredState === 'shutdown'),
        ),
      };
    };
    const r = firstFailure(careless);
    assert.ok(r, 'no seed caught it');
    assert.deepEqual(runCluster(r.seed, careless).violations, r.violations);
  });

  test('an orchestrator that forgets to scale down is caught', () => {
    const stubborn: Orchestrator = (input: OrchestratorInput) => {
      const result = reconcileService(input);
      return {
        ...result,
        taskChanges: result.taskChanges.filter(
          c => !(c.kind === 'set-desired-state' && c.desiredState === 'remove'),
        ),
      };
    };
    assert.ok(firstFailure(stubborn), 'no seed caught it');
  });
}
