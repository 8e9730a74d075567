/**
 * `npm run sim -- [--seeds N] [--from S] [--steps M] [--nodes 3|5] [--lying-storage] [--jobs J]`
 * runs seeds in parallel worker threads and prints progress and a summary;
 * `npm run sim -- --seed S [--steps M] [--trace]` replays one seed exactly.
 * Exits 1 if any seed broke an invariant, printing the command that replays it.
 */
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  emptyStats,
  replayCommand,
  runSimulation,
  type SimOptions,
  type SimResult,
  type SimStats,
} from './simulation.ts';

interface Job {
  seeds: number[];
  steps: number;
  nodes?: number;
  lyingStorage: boolean;
}

function options(seed: number, job: Omit<Job, 'seeds'>, trace = false): SimOptions {
  return {
    seed,
    steps: job.steps,
    ...(job.nodes === undefined ? {} : { nodes: job.nodes }),
    ...(job.lyingStorage ? { lyingStorage: true } : {}),
    ...(trace ? { trace: true } : {}),
  };
}

/** A worker process: receives one Job and reports each seed's result; the parent disconnects it when done. */
function workerMain(): void {
  process.once('message', (job: Job) => {
    for (const seed of job.seeds) process.send?.(runSimulation(options(seed, job)));
  });
}

async function runParallel(job: Job, jobs: number, onResult: (r: SimResult) => void): Promise<void> {
  const shards: number[][] = Array.from({ length: jobs }, () => []);
  job.seeds.forEach((s, i) => shards[i % jobs]?.push(s));
  await Promise.all(
    shards
      .filter(s => s.length > 0)
      .map(
        seeds =>
          new Promise<void>((resolve, reject) => {
            // Child processes rather than worker threads: on Node 20 the tsx loader does not reach workers.
            const w = fork(fileURLToPath(import.meta.url), ['--worker'], { execArgv: ['--import', 'tsx'] });
            let received = 0;
            w.on('message', (r: SimResult) => {
              onResult(r);
              if (++received === seeds.length) w.disconnect();
            });
            w.on('error', reject);
            w.on('exit', code =>
              code === 0 ? resolve() : reject(new Error(`simulation worker exited with ${code}`)),
            );
            w.send({ ...job, seeds });
          }),
      ),
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '100' },
      from: { type: 'string', default: '1' },
      seed: { type: 'string' },
      steps: { type: 'string', default: '2000' },
      nodes: { type: 'string' },
      'lying-storage': { type: 'boolean', default: false },
      trace: { type: 'boolean', default: false },
      jobs: { type: 'string', default: String(availableParallelism()) },
    },
  });
  const int = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new Error(`--${name} must be a non-negative integer, got ${v}`);
    return n;
  };
  const base = {
    steps: int('steps', values.steps),
    lyingStorage: values['lying-storage'],
    ...(values.nodes === undefined ? {} : { nodes: int('nodes', values.nodes) }),
  };

  if (values.seed !== undefined) {
    const r = runSimulation(options(int('seed', values.seed), base, values.trace));
    console.log(`seed ${r.seed}: ${r.nodes} nodes, ${r.steps} steps, ${JSON.stringify(r.stats)}`);
    for (const v of r.violations) console.log(`  VIOLATION at step ${v.step}: ${v.invariant}: ${v.detail}`);
    return r.violations.length === 0 ? 0 : 1;
  }

  const from = int('from', values.from);
  const count = int('seeds', values.seeds);
  const seeds = Array.from({ length: count }, (_, i) => from + i);
  const started = Date.now();
  const totals = emptyStats();
  const failed: SimResult[] = [];
  let done = 0;
  const every = Math.max(1, Math.floor(count / 20));
  console.log(
    `simulating ${count} seeds (${from}..${from + count - 1}), ${base.steps} steps each, ${values.jobs} jobs`,
  );
  await runParallel({ ...base, seeds }, Math.max(1, int('jobs', values.jobs)), r => {
    done++;
    for (const k of Object.keys(totals) as (keyof SimStats)[]) totals[k] += r.stats[k];
    if (r.violations.length > 0) {
      failed.push(r);
      const v = r.violations[0];
      console.log(`seed ${r.seed} FAILED: ${v?.invariant}: ${v?.detail} (step ${v?.step})`);
      console.log(`  replay: ${replayCommand(r, base)}`);
    }
    if (done % every === 0 || done === count) {
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`  ${done}/${count} seeds, ${failed.length} failing, ${secs} s`);
    }
  });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `\n${count} seeds × ${base.steps} steps in ${secs} s: ${failed.length} with violations.\n` +
      `  totals: ${totals.leaders} leaders elected, ${totals.committed} entries committed, ` +
      `${totals.writesAcked} writes acknowledged, ${totals.readsServed} ReadIndex reads, ` +
      `${totals.crashes} crashes, ${totals.partitions} partitions, ${totals.transfers} transfers, ` +
      `${totals.membershipChanges} membership changes, ${totals.snapshotsSent} snapshots sent`,
  );
  for (const r of failed) console.log(`  replay: ${replayCommand(r, base)}`);
  return failed.length === 0 ? 0 : 1;
}

if (process.argv.includes('--worker')) {
  workerMain();
} else {
  main().then(
    code => (process.exitCode = code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 2;
    },
  );
}
