/**
 * bench:converge without the data plane (`BENCH_EXECUTOR=test`, or not root): how fast a service
 * becomes running tasks in the control plane alone: three managers (drained, as Swarm's
 * managers usually are, so they run no tasks) and three workers as real shoald processes on 127.0.0.1,
 * every agent with the test executor (imaginary tasks walking the real lifecycle, 10 ms a step) and
 * default timing (100 ms tick, 5 s heartbeats, assignments batched for 100 ms as in swarmkit).
 *
 * Each trial creates a service with 2 replicas and times from the CreateService acknowledgement to both
 * tasks reported running (status RUNNING, desired RUNNING), polling ListTasks on the leader's socket
 * every 5 ms; then scales it to 100 (UpdateService) and times from that acknowledgement to 100 running;
 * then removes it and waits for its tasks to go. Prints one JSON line per measurement, then median and
 * worst, and the ratio against Docker Swarm's 0.9–1.5 s from `service create` to 2 replicas running,
 * recorded once on this machine kind (shared/anchors/README.md) and not runnable here.
 * Env: BENCH_TRIALS (default 5), BENCH_PORT (first manager port, default 23791).
 */
import type { WireService, WireTask } from '../proto/control-types.ts';
import { runBench } from './run-bench.ts';
import { drain, ShoalCluster, until, type Rpc } from './shoal-cluster.ts';
import { median, round2 } from './stats.ts';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 5);
const MANAGERS = [1, 2, 3];
const WORKERS = [4, 5, 6];
const POLL_MS = 5;
const GIVE_UP_MS = 60_000;
/** Docker Swarm 20.10, `service create --replicas 2` to both running, recorded on this machine kind. */
const SWARM_CREATE_MS = { low: 900, high: 1500 };
const GOAL_CREATE_MS = 300;

const cluster = new ShoalCluster(MANAGERS.length + WORKERS.length, Number(process.env.BENCH_PORT ?? 23791));

async function tasksOf(control: Rpc, serviceId: string): Promise<WireTask[]> {
  const req = { filters: { serviceIds: [serviceId], nodeIds: [], desiredStates: [] } };
  return (await control('ListTasks', req)).tasks as WireTask[];
}

/** Ms from `t0` until `n` tasks of the service run and are meant to; polls every POLL_MS. */
async function runningAfter(control: Rpc, serviceId: string, n: number, t0: number): Promise<number> {
  for (;;) {
    const ts = await tasksOf(control, serviceId);
    const running = ts.filter(t => t.status.state === 'running' && t.desiredState === 'running').length;
    if (running === n) return Date.now() - t0;
    if (Date.now() - t0 > GIVE_UP_MS)
      throw new Error(`bench: ${running}/${n} running after ${GIVE_UP_MS} ms`);
    await new Promise(r => setTimeout(r, POLL_MS));
  }
}

async function form(): Promise<Rpc> {
  for (const i of cluster.indexes) cluster.start(i);
  for (const i of cluster.indexes)
    await until(`shoald ${i} to answer`, () => cluster.rpc(i, 'Swarm')('Info', {}));
  const init = await cluster.rpc(1, 'Swarm')('Init', { listenAddr: cluster.addr(1), advertiseAddr: '' });
  for (const i of cluster.indexes.slice(1)) {
    await cluster.rpc(i, 'Swarm')('Join', {
      token: MANAGERS.includes(i) ? init.managerToken : init.workerToken,
      remoteAddr: cluster.addr(1),
      listenAddr: cluster.addr(i),
      advertiseAddr: '',
    });
  }
  const leader = await cluster.leader(1);
  const control = cluster.rpc(leader, 'Control');
  interface Node {
    id: string;
    version: number;
    status: string;
    managerStatus: string;
    hostname: string;
  }
  const nodes = await until('six READY nodes, three managers', async () => {
    const ns = (await control('ListNodes', {})).nodes as Node[];
    const managers = ns.filter(n => n.managerStatus === 'leader' || n.managerStatus === 'reachable');
    return ns.length === cluster.size && ns.every(n => n.status === 'ready') && managers.length === 3
      ? ns
      : undefined;
  });
  await drain(
    control,
    nodes.filter(x => MANAGERS.includes(Number(x.hostname.replace('bench', '')))),
  );
  return control;
}

async function trial(control: Rpc, k: number): Promise<{ createMs: number; scaleMs: number }> {
  const spec = {
    name: `converge-${k}`,
    mode: 'replicated',
    replicas: 2,
    task: { command: ['sleep', '1000'] },
  };
  const created = (await control('CreateService', { spec })).service as WireService;
  const createMs = await runningAfter(control, created.id, 2, Date.now());
  console.log(JSON.stringify({ system: 'shoal', trial: k, measure: 'create-2-running', ms: createMs }));

  const s = (await control('GetService', { serviceId: created.id })).service as WireService;
  await control('UpdateService', { serviceId: s.id, version: s.version, spec: { ...s.spec, replicas: 100 } });
  const scaleMs = await runningAfter(control, s.id, 100, Date.now());
  console.log(JSON.stringify({ system: 'shoal', trial: k, measure: 'scale-100-running', ms: scaleMs }));

  await control('RemoveService', { serviceId: s.id });
  await until(`the tasks of converge-${k} to go`, async () =>
    (await tasksOf(control, s.id)).length === 0 ? true : undefined,
  );
  return { createMs, scaleMs };
}

const fmt = (x: number): string => String(round2(x)).padStart(9);

runBench(
  async () => {
    console.error(`bench:converge: 3 managers (drained) + 3 workers on 127.0.0.1, ${TRIALS} trials`);
    const create: number[] = [];
    const scale: number[] = [];
    try {
      const control = await form();
      for (let k = 1; k <= TRIALS; k++) {
        const r = await trial(control, k);
        create.push(r.createMs);
        scale.push(r.scaleMs);
      }
    } catch (err) {
      console.error(cluster.logTails());
      throw err;
    }
    const cMed = median(create);
    const cWorst = Math.max(...create);
    const sMed = median(scale);
    const sWorst = Math.max(...scale);
    console.log(
      JSON.stringify({
        system: 'shoal',
        summary: true,
        createMedianMs: round2(cMed),
        createWorstMs: cWorst,
        scaleMedianMs: round2(sMed),
        scaleWorstMs: sWorst,
      }),
    );
    console.log('');
    console.log('                          | median ms |  worst ms | Swarm (recorded) | ratio to Swarm');
    console.log(
      `  create --replicas 2     | ${fmt(cMed)} | ${fmt(cWorst)} |     900–1500 ms  | ` +
        `${round2(cMed / SWARM_CREATE_MS.high)}–${round2(cMed / SWARM_CREATE_MS.low)}x (median)`,
    );
    console.log(`  scale 2 -> 100          | ${fmt(sMed)} | ${fmt(sWorst)} |        —         | —`);
    console.log(
      `goal create <= ${GOAL_CREATE_MS} ms: median ${round2(cMed)} ms, worst ${cWorst} ms — ` +
        `${cWorst <= GOAL_CREATE_MS ? 'met' : cMed <= GOAL_CREATE_MS ? 'met by the median, not the worst' : 'NOT met'}`,
    );
    console.log(
      '(Swarm: Docker 20.10 in network namespaces, measured once on this machine kind and recorded in ' +
        'shared/anchors/README.md; not runnable here, and its tasks were real containers. Shoal runs the test executor: imaginary tasks, no networking.)',
    );
  },
  () => cluster.destroy(),
);
