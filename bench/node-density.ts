/**
 * bench:converge's density part — one node (a real shoald, manager and worker, process executor, in the
 * namespace lab), a service of DENSITY_TASKS replicas created at once: the time from the CreateService
 * acknowledgement until every task is RUNNING, and until every task's own DNS has answered. Each task
 * resolves its service's name through its 127.0.0.11 (getent, the libc resolver, one-second tries) until
 * it gets an answer, then writes one line to its output and sleeps; the time a task answered is that
 * output file's mtime. A task the resolver did not know yet is REFUSED and asks again, so "answered" means
 * the node's one resolver knew the task as the asker it is. The goal: 200 tasks, < 10 s.
 * TRIALS trials (the service removed and its namespaces gone between them). Needs root.
 * Env: BENCH_TRIALS (default 2), BENCH_DENSITY_TASKS (default 200).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WireService, WireTask } from '../proto/control-types.ts';
import { Lab } from '../test/lab/lab.ts';
import { LabCluster, until, type Rpc } from '../test/lab/lab-cluster.ts';
import { processUsage } from './process-usage.ts';
import { runBench } from './run-bench.ts';
import { median } from './stats.ts';

const TRIALS = Math.max(1, Number(process.env.BENCH_TRIALS ?? 2));
const TASKS = Math.max(1, Number(process.env.BENCH_DENSITY_TASKS ?? 200));
const GOAL_MS = 10_000;
const GIVE_UP_MS = 300_000;
const POLL_MS = 20;
const SERVICE = 'dens';
/** Asks until answered (REFUSED or no answer: again), says so once, then just runs. */
const COMMAND = [
  'sh',
  '-c',
  `until getent hosts ${SERVICE} >/dev/null; do sleep 0.02; done; echo answered; exec sleep 100000`,
];

const lab = new Lab();
const dir = mkdtempSync(join(tmpdir(), 'shoal-bench-density-'));
const cluster = new LabCluster(lab, dir, [], 'process');
const control: Rpc = cluster.rpc(1, 'Control');
const taskDir = (t: WireTask): string => join(dir, 'n1', 'agent', 'tasks', t.id);

async function tasksOf(serviceId: string): Promise<WireTask[]> {
  const req = { filters: { serviceIds: [serviceId], nodeIds: [], desiredStates: [] } };
  return (await control('ListTasks', req)).tasks as WireTask[];
}

/** When the task's DNS answered (its output's mtime), or undefined while it has not. */
function answeredAt(t: WireTask): number | undefined {
  const out = join(taskDir(t), 'stdout.log');
  try {
    const st = statSync(out);
    return st.size > 0 ? st.mtimeMs : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds the node's shoald has used so far (nsenter execs it: the child is shoald). */
function shoaldCpu(): number {
  const pid = cluster.procs.get(1)?.child.pid;
  return (pid === undefined ? undefined : processUsage(pid)?.cpuSeconds) ?? Number.NaN;
}

/** Where the time went, from t0: the node's data-plane changes (its log), the launches, RUNNING, the answers. */
function breakdown(t0: number, tasks: readonly WireTask[]): string {
  const span = (xs: number[]): string => {
    const v = xs.filter(Number.isFinite);
    return v.length === 0 ? '-' : `${Math.min(...v) - t0}…${Math.max(...v) - t0} ms (${v.length})`;
  };
  const lines: string[] = [];
  for (const raw of (cluster.procs.get(1)?.output() ?? '').split('\n')) {
    let rec: { time?: number; msg?: string; ms?: number; added?: number; tools?: unknown };
    try {
      rec = JSON.parse(raw) as typeof rec;
    } catch {
      continue;
    }
    if ((rec.time ?? 0) < t0) continue;
    if (rec.msg === 'data plane: change applied') {
      const from = (rec.time ?? 0) - (rec.ms ?? 0) - t0;
      lines.push(`  data plane change: +${rec.added} tasks, ${from}…${(rec.time ?? 0) - t0} ms`);
      lines.push(`    processes and wall ms per tool: ${JSON.stringify(rec.tools)}`);
    }
  }
  const launched = tasks.map(t => {
    try {
      return statSync(join(taskDir(t), 'stderr.log')).mtimeMs;
    } catch {
      return Number.NaN;
    }
  });
  lines.push(`  launched ${span(launched)}`);
  const waits = tasks
    .map((t, i) => (answeredAt(t) ?? Number.NaN) - (launched[i] ?? Number.NaN))
    .sort((a, b) => a - b);
  lines.push(
    `  launch → answered: median ${median(waits.filter(Number.isFinite))} ms, max ${waits.at(-1)} ms`,
  );
  lines.push(`  RUNNING ${span(tasks.map(t => t.status.timestamp))}`);
  lines.push(`  answered ${span(tasks.map(t => answeredAt(t) ?? Number.NaN))}`);
  return lines.join('\n');
}

async function trial(k: number): Promise<{ runningMs: number; answeredMs: number }> {
  const spec = {
    name: SERVICE,
    mode: 'replicated',
    replicas: TASKS,
    networks: ['test'],
    endpoint: { ports: [] },
    task: { command: COMMAND, env: ['RES_OPTIONS=timeout:1 attempts:1'] },
  };
  const cpu0 = shoaldCpu();
  const s = (await control('CreateService', { spec })).service as WireService;
  const t0 = Date.now();
  let runningAt = 0;
  let tasks: WireTask[] = [];
  for (;;) {
    if (runningAt === 0) {
      tasks = (await tasksOf(s.id)).filter(t => t.desiredState === 'running');
      if (tasks.length === TASKS && tasks.every(t => t.status.state === 'running')) runningAt = Date.now();
    }
    if (runningAt !== 0 && tasks.every(t => answeredAt(t) !== undefined)) break;
    if (Date.now() - t0 > GIVE_UP_MS) {
      const answered = tasks.filter(t => answeredAt(t) !== undefined).length;
      throw new Error(`bench: density trial ${k}: running=${runningAt !== 0}, answered ${answered}/${TASKS}`);
    }
    await new Promise(r => setTimeout(r, POLL_MS));
  }
  const lastAnswer = Math.max(...tasks.map(t => answeredAt(t) ?? Number.NaN));
  const result = { runningMs: runningAt - t0, answeredMs: Math.max(runningAt, lastAnswer) - t0 };
  console.log(JSON.stringify({ system: 'shoal', trial: k, measure: `density-${TASKS}`, ...result }));
  console.log(breakdown(t0, await tasksOf(s.id)));
  console.log(`  shoald (manager and agent) used ${(shoaldCpu() - cpu0).toFixed(1)} CPU seconds meanwhile`);
  await control('RemoveService', { serviceId: s.id });
  await until(
    'the tasks and their namespaces to go',
    async () => {
      const left = readdirSync('/run/netns').join(' ');
      return (await tasksOf(s.id)).length === 0 && !left.includes(`${lab.node(1)}-t`) ? true : undefined;
    },
    GIVE_UP_MS,
  );
  return result;
}

runBench(
  async () => {
    lab.create(1);
    cluster.start(1);
    await until('the daemon’s socket', () => Promise.resolve(existsSync(cluster.sock(1)) || undefined));
    await cluster.rpc(1, 'Swarm')('Init', { listenAddr: `${Lab.addr(1)}:2377`, advertiseAddr: '' });
    await control('CreateNetwork', { spec: { name: 'test', driver: 'overlay' } });
    const results = [];
    for (let k = 1; k <= TRIALS; k++) results.push(await trial(k));
    const running = median(results.map(r => r.runningMs));
    const answered = median(results.map(r => r.answeredMs));
    console.log(
      `density: one node, 0 → ${TASKS} tasks, median of ${TRIALS}: all RUNNING in ${running} ms, ` +
        `all answering DNS in ${answered} ms (goal < ${GOAL_MS} ms) ${answered < GOAL_MS ? 'met' : 'MISSED'}`,
    );
  },
  async () => {
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  },
);
