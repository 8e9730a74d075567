/**
 * Property tests of the allocator over seeded random runs (see random-cluster.ts for what each run does
 * and checks). A failing seed is printed with the command that replays it; `ALLOCATOR_SEED=<seed>` runs
 * only that seed and prints its operations.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NetworkAllocator } from '../../server/allocator/index.ts';
import { replayCommand, runAllocatorScenario, type RunResult } from './random-cluster.ts';

const SEEDS = 3000;
const STEPS = 50;
const only = process.env['ALLOCATOR_SEED'];

function describeFailures(results: RunResult[]): string {
  return results
    .map(r => {
      const v = r.violations[0];
      return `seed ${r.seed}: step ${v?.step} (${v?.op}): ${v?.invariant}: ${v?.detail}\n  replay: ${replayCommand(r.seed)}`;
    })
    .join('\n');
}

if (only !== undefined) {
  test(`seed ${only} replayed`, () => {
    const r = runAllocatorScenario({ seed: Number(only), steps: STEPS, trace: true });
    console.log(r.trace.join('\n'));
    console.log(JSON.stringify(r.stats));
    assert.equal(r.violations.length, 0, describeFailures([r]));
  });
} else {
  test(`${SEEDS} seeded runs of ${STEPS} steps: no shared subnet, VNI, address or ingress port; rebuild = incremental; all reusable`, () => {
    const failed: RunResult[] = [];
    const totals = { allocated: 0, refused: 0, rebuilds: 0, peakTasks: 0 };
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = runAllocatorScenario({ seed, steps: STEPS });
      if (r.violations.length > 0) failed.push(r);
      totals.allocated += r.stats.allocated;
      totals.refused += r.stats.refused;
      totals.rebuilds += r.stats.rebuilds;
      totals.peakTasks = Math.max(totals.peakTasks, r.stats.peakTasks);
    }
    assert.equal(failed.length, 0, `failing seeds:\n${describeFailures(failed.slice(0, 5))}`);
    // The runs really exercised the allocator, refusals included (a run doing nothing would pass vacuously).
    assert.ok(totals.allocated > SEEDS * 20, `only ${totals.allocated} allocations`);
    assert.ok(totals.refused > SEEDS, `only ${totals.refused} refusals`);
    assert.ok(totals.rebuilds > SEEDS, `only ${totals.rebuilds} leader changes`);
    assert.ok(totals.peakTasks >= 20, `at most ${totals.peakTasks} tasks at once`);
  });

  test('a run is a pure function of its seed', () => {
    const a = runAllocatorScenario({ seed: 7, steps: STEPS, trace: true });
    const b = runAllocatorScenario({ seed: 7, steps: STEPS, trace: true });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.trace, runAllocatorScenario({ seed: 8, steps: STEPS, trace: true }).trace);
  });

  test('an allocator that forgets to free task addresses is caught, and the failing seed replays exactly', () => {
    class Leaky extends NetworkAllocator {
      override releaseTask(id: string): boolean {
        return this.state().tasks.some(t => t.id === id); // says it freed them, frees nothing
      }
    }
    const options = {
      steps: STEPS,
      makeAllocator: (o: ConstructorParameters<typeof NetworkAllocator>[0]) => new Leaky(o),
    };
    let failing: RunResult | undefined;
    for (let seed = 1; seed <= 50 && failing === undefined; seed++) {
      const r = runAllocatorScenario({ seed, ...options });
      if (r.violations.length > 0) failing = r;
    }
    assert.ok(failing !== undefined, 'no seed caught the leak');
    assert.ok(['rebuild equals incremental', 'all freed'].includes(failing.violations[0]?.invariant ?? ''));
    assert.deepEqual(runAllocatorScenario({ seed: failing.seed, ...options }).violations, failing.violations);
    assert.match(replayCommand(failing.seed), new RegExp(`^ALLOCATOR_SEED=${failing.seed} node `));
  });

  test('an allocator that hands out a taken address is caught', () => {
    class Careless extends NetworkAllocator {
      override allocateTask(task: Parameters<NetworkAllocator['allocateTask']>[0]) {
        const result = super.allocateTask(task);
        const [first] = result.networks;
        // Every task on a network gets the same address as the first one.
        if (first !== undefined && first.addresses.length > 0)
          first.addresses = [first.addresses[0]!.replace(/\.\d+\//, '.2/')];
        return result;
      }
    }
    let caught = false;
    for (let seed = 1; seed <= 50 && !caught; seed++) {
      const r = runAllocatorScenario({ seed, steps: STEPS, makeAllocator: o => new Careless(o) });
      caught = r.violations.some(v => v.invariant === 'unique address');
    }
    assert.ok(caught, 'no seed caught a duplicate address');
  });
}
