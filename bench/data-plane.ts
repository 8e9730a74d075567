/**
 * bench:dataplane — the real data plane (process executor, namespaces, VXLAN, nft VIPs) measured in the
 * namespace lab: three shoald processes (node 1 manager, nodes 2 and 3 workers, all running tasks) on
 * 198.51.100.1–3, a network `test`, and a client task (`sleep`) on node 1.
 *
 * 1. Converge: from the CreateService acknowledgement of `web` (2 replicas of busybox nc answering each
 *    connection with the task's hostname) until both tasks are RUNNING and a prober inside the client task,
 *    starting a connection to VIP:8080 every 5 ms, has had an answer from both backends. TRIALS trials,
 *    the service removed (and its tasks gone) between them. Then the time from `scale web=50` to 50 RUNNING.
 * 2. TCP throughput with iperf3, 5 s each: underlay (node 1's namespace → node 2's underlay address) and
 *    overlay (the client task on node 1 → an `iperf3 -s` task on node 2, to its overlay address).
 * 3. Sequential connections per second for 3 s from the client task: to the VIP of a one-replica service on
 *    node 2 and to that task's own address (same backend, so the ratio is the VIP's cost alone).
 *
 * Prints one JSON line per measurement, then a summary with ratios. Needs root. Env: BENCH_TRIALS (5),
 * BENCH_PARTS (`converge` = part 1 only, as `npm run bench:converge` runs it; default all), BENCH_LOGS
 * (a file for every daemon's log at the end).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WireNode, WireService, WireTask } from '../proto/control-types.ts';
import { canRunLab, Lab } from '../test/lab/lab.ts';
import { LabCluster, until, type Rpc } from '../test/lab/lab-cluster.ts';
import { runBench } from './run-bench.ts';
import { median, round2 } from './stats.ts';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 5);
const ONLY_CONVERGE = process.env.BENCH_PARTS === 'converge';
const NODES = [1, 2, 3];
const POLL_MS = 5;
const GIVE_UP_MS = 60_000;
const PORT = 8080;
const IPERF_SECONDS = 5;
const RATE_MS = 3000;
/** Docker Swarm 20.10, `service create --replicas 2` to both running, recorded on this machine kind. */
const SWARM_CREATE_MS = { low: 900, high: 1500 };
/** Create 2 → running and answering, median (issue 15; was 300 ms before one resolver per node). */
const GOAL_CREATE_MS = 150;
const GOAL_VIP_RATIO = 0.9;
const HOSTNAME_SERVER = [
  '/bin/busybox',
  'nc',
  '-ll',
  '-p',
  String(PORT),
  '-e',
  'cat',
  '/proc/sys/kernel/hostname',
];

const lab = new Lab();
const dir = mkdtempSync(join(tmpdir(), 'shoal-bench-dataplane-'));
const cluster = new LabCluster(lab, dir, [], 'process');
const control: Rpc = cluster.rpc(1, 'Control');
/** Node ID → lab index. */
const indexOfNode = new Map<string, number>();
/** What this benchmark spawned itself (probers, iperf3, rate clients): killed by PID at the end. */
const children = new Set<ChildProcess>();

function out(record: object): void {
  console.log(JSON.stringify({ system: 'shoal', ...record }));
}

/**
 * Runs inside the client task: reads a target `host:port` line on stdin, then starts a connection to it
 * every POLL_MS ms (each with its own 2 s limit, so a SYN lost before the rules exist does not stall the
 * polling) and prints `<epoch ms> <reply>` for each answer.
 */
const PROBER = `
const net = require('node:net');
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.once('line', line => {
  const [host, port] = line.trim().split(':');
  setInterval(() => {
    const s = net.connect({ host, port: Number(port) });
    let reply = '';
    s.setTimeout(2000, () => s.destroy());
    s.on('data', b => (reply += b.toString()));
    s.on('error', () => {});
    s.on('end', () => { if (reply) process.stdout.write(Date.now() + ' ' + reply.trim() + '\\n'); });
  }, ${POLL_MS});
});
rl.on('close', () => process.exit(0));
`;

/** Runs inside the client task: sequential connect/read/close to TARGET for RATE_MS, prints the count. */
const RATE = `
const net = require('node:net');
const [host, port] = process.env.TARGET.split(':');
const end = Date.now() + ${RATE_MS};
let n = 0, failed = 0;
const one = () => {
  if (Date.now() >= end) { console.log(JSON.stringify({ n, failed })); return; }
  const s = net.connect({ host, port: Number(port) });
  let got = false;
  s.setTimeout(2000, () => s.destroy());
  s.on('data', () => (got = true));
  s.on('error', () => {});
  s.on('close', () => { if (got) n++; else failed++; one(); });
};
one();
`;

/** Spawns argv in network namespace `ns` (ip netns exec), tracked for the final cleanup. */
function inNetns(ns: string, argv: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Runs argv in `ns` to completion; its stdout (rejects on a non-zero exit). */
function runIn(ns: string, argv: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = inNetns(ns, argv, env);
    child.stdin?.end();
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('exit', (code, signal) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`${argv[0] ?? ''} in ${ns}: exit ${code ?? signal}: ${stderr}`)),
    );
  });
}

async function tasksOf(serviceId: string): Promise<WireTask[]> {
  const req = { filters: { serviceIds: [serviceId], nodeIds: [], desiredStates: [] } };
  return (await control('ListTasks', req)).tasks as WireTask[];
}

const live = (t: WireTask): boolean => t.status.state === 'running' && t.desiredState === 'running';

/** The network namespace a task runs in, on the node it runs on. */
function taskNs(t: WireTask): string {
  const i = indexOfNode.get(t.nodeId);
  if (i === undefined) throw new Error(`bench: task ${t.id} on an unknown node ${t.nodeId}`);
  return `${lab.node(i)}-t${t.id.slice(0, 12)}`;
}

/** An address without its prefix length. */
const bare = (cidr: string): string => cidr.split('/')[0] ?? cidr;

function taskAddr(t: WireTask, networkId: string): string {
  const a = t.networks.find(n => n.networkId === networkId)?.addresses[0];
  if (a === undefined) throw new Error(`bench: task ${t.id} has no address on ${networkId}`);
  return bare(a);
}

function vipOf(s: WireService, networkId: string): string {
  const v = s.endpoint?.virtualIps.find(x => x.networkId === networkId)?.addr;
  if (v === undefined) throw new Error(`bench: service ${s.spec.name} has no VIP on ${networkId}`);
  return bare(v);
}

async function createService(spec: object): Promise<WireService> {
  return (
    await control('CreateService', {
      spec: { mode: 'replicated', replicas: 1, networks: ['test'], endpoint: { ports: [] }, ...spec },
    })
  ).service as WireService;
}

async function running(serviceId: string, n: number, ms = GIVE_UP_MS): Promise<WireTask[]> {
  return until(
    `${n} running tasks of ${serviceId}`,
    async () => {
      const r = (await tasksOf(serviceId)).filter(live);
      return r.length === n ? r : undefined;
    },
    ms,
  );
}

async function removeService(serviceId: string): Promise<void> {
  await control('RemoveService', { serviceId });
  await until(
    `the tasks of ${serviceId} to go`,
    async () => ((await tasksOf(serviceId)).length === 0 ? true : undefined),
    GIVE_UP_MS,
  );
}

async function form(): Promise<string> {
  lab.create(NODES.length);
  for (const i of NODES) cluster.start(i);
  await until('the daemons’ sockets', () =>
    Promise.resolve(NODES.every(i => existsSync(cluster.sock(i))) || undefined),
  );
  const init = await cluster.rpc(1, 'Swarm')('Init', {
    listenAddr: `${Lab.addr(1)}:2377`,
    advertiseAddr: '',
  });
  for (const i of NODES.slice(1)) {
    await cluster.rpc(i, 'Swarm')('Join', {
      token: init.workerToken,
      remoteAddr: `${Lab.addr(1)}:2377`,
      listenAddr: `${Lab.addr(i)}:2377`,
      advertiseAddr: '',
    });
  }
  const nodes = await until('three READY nodes', async () => {
    const ns = (await control('ListNodes')).nodes as WireNode[];
    return ns.length === NODES.length && ns.every(n => n.status === 'ready') ? ns : undefined;
  });
  for (const n of nodes) indexOfNode.set(n.id, Number(n.hostname.replace('node', '')));
  const net = (await control('CreateNetwork', { spec: { name: 'test', driver: 'overlay' } })).network as {
    id: string;
  };
  return net.id;
}

/** One converge trial: ms from the CreateService ack to both RUNNING and both answering through the VIP. */
async function convergeTrial(k: number, networkId: string, clientNs: string): Promise<number> {
  const prober = inNetns(clientNs, [process.execPath, '-e', PROBER]);
  const replies = new Map<string, number>();
  let buf = '';
  prober.stdout?.on('data', (b: Buffer) => {
    buf += b.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const line of lines) {
      const sp = line.indexOf(' ');
      const host = line.slice(sp + 1);
      if (!replies.has(host)) replies.set(host, Number(line.slice(0, sp)));
    }
  });
  // Give node time to start before the clock runs, so its start-up is not counted.
  await new Promise(r => setTimeout(r, 500));
  try {
    const s = await createService({ name: 'web', replicas: 2, task: { command: HOSTNAME_SERVER } });
    const t0 = Date.now();
    prober.stdin?.write(`${vipOf(s, networkId)}:${PORT}\n`);
    let runningAt = 0;
    for (;;) {
      if (runningAt === 0 && (await tasksOf(s.id)).filter(live).length === 2) runningAt = Date.now();
      if (runningAt !== 0 && replies.size >= 2) break;
      if (Date.now() - t0 > GIVE_UP_MS)
        throw new Error(`bench: converge trial ${k}: running=${runningAt !== 0}, backends=${replies.size}`);
      await new Promise(r => setTimeout(r, POLL_MS));
    }
    const answeredAt = Math.max(...replies.values());
    const ms = Math.max(runningAt, answeredAt) - t0;
    out({
      trial: k,
      measure: 'create-2-running-and-answering',
      ms,
      runningMs: runningAt - t0,
      bothAnsweredMs: answeredAt - t0,
    });
    if (k < TRIALS) await removeService(s.id);
    return ms;
  } finally {
    prober.stdin?.end();
    prober.kill('SIGKILL');
  }
}

async function scaleTo50(): Promise<number> {
  const s = (await control('GetService', { serviceId: 'web' })).service as WireService;
  await control('UpdateService', { serviceId: s.id, version: s.version, spec: { ...s.spec, replicas: 50 } });
  const t0 = Date.now();
  const r = await running(s.id, 50, 120_000);
  const ms = Date.now() - t0;
  const perNode: Record<string, number> = {};
  for (const t of r)
    perNode[`node${indexOfNode.get(t.nodeId)}`] = (perNode[`node${indexOfNode.get(t.nodeId)}`] ?? 0) + 1;
  out({ measure: 'scale-50-running', ms, perNode });
  await removeService(s.id);
  return ms;
}

/** Gbit/s received, from iperf3's JSON report. */
function gbits(json: string): number {
  const r = JSON.parse(json) as { end?: { sum_received?: { bits_per_second?: number } } };
  const bps = r.end?.sum_received?.bits_per_second;
  if (bps === undefined) throw new Error(`bench: no throughput in iperf3's report: ${json.slice(0, 300)}`);
  return bps / 1e9;
}

async function iperfClient(ns: string, server: string): Promise<number> {
  // The server may still be binding: retry the client for a little while.
  return until(
    `iperf3 to ${server} from ${ns}`,
    async () => gbits(await runIn(ns, ['iperf3', '-c', server, '-t', String(IPERF_SECONDS), '-J'])),
    15_000,
  );
}

async function throughput(networkId: string, clientNs: string): Promise<{ under: number; over: number }> {
  const server = inNetns(lab.node(2), ['iperf3', '-s', '-B', Lab.addr(2)]);
  let under: number;
  try {
    under = await iperfClient(lab.node(1), Lab.addr(2));
  } finally {
    server.kill('SIGKILL');
  }
  out({ measure: 'iperf3-underlay', gbitPerS: round2(under), from: 'node1 ns', to: Lab.addr(2) });

  const svc = await createService({
    name: 'iperf',
    task: { command: ['iperf3', '-s'], constraints: ['node.hostname==node2'] },
  });
  const [task] = await running(svc.id, 1);
  if (task === undefined) throw new Error('bench: no iperf3 task');
  const addr = taskAddr(task, networkId);
  const over = await iperfClient(clientNs, addr);
  out({
    measure: 'iperf3-overlay',
    gbitPerS: round2(over),
    from: 'client task on node1',
    to: `${addr} (task on node2)`,
  });
  await removeService(svc.id);
  return { under, over };
}

async function connRate(clientNs: string, target: string, label: string): Promise<number> {
  const r = JSON.parse(await runIn(clientNs, [process.execPath, '-e', RATE], { TARGET: target })) as {
    n: number;
    failed: number;
  };
  const perS = r.n / (RATE_MS / 1000);
  out({ measure: `conn-rate-${label}`, target, connPerS: round2(perS), failed: r.failed });
  return perS;
}

async function vipVsDirect(networkId: string, clientNs: string): Promise<{ vip: number; direct: number }> {
  const svc = await createService({
    name: 'echo',
    task: { command: HOSTNAME_SERVER, constraints: ['node.hostname==node2'] },
  });
  const [task] = await running(svc.id, 1);
  if (task === undefined) throw new Error('bench: no echo task');
  const vip = `${vipOf(svc, networkId)}:${PORT}`;
  const direct = `${taskAddr(task, networkId)}:${PORT}`;
  // Until both answer (the listener and the VIP's rules may trail RUNNING a little).
  for (const target of [vip, direct])
    await until(`an answer from ${target}`, async () =>
      (
        await runIn(clientNs, [process.execPath, '-e', RATE.replace(String(RATE_MS), '50')], {
          TARGET: target,
        })
      ).includes('"n":0')
        ? undefined
        : true,
    );
  // Interleaved, three rounds each, so that drift of the machine affects both alike; the median of each
  // (busybox nc forks per connection, so single rounds vary by tens of percent).
  const v: number[] = [];
  const d: number[] = [];
  for (let k = 0; k < 3; k++) {
    v.push(await connRate(clientNs, vip, 'vip'));
    d.push(await connRate(clientNs, direct, 'direct'));
  }
  await removeService(svc.id);
  return { vip: median(v), direct: median(d) };
}

function hasIperf3(): boolean {
  try {
    execFileSync('iperf3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

runBench(
  async () => {
    if (!canRunLab()) throw new Error('bench:dataplane needs root and iproute2');
    console.error(
      `bench:${ONLY_CONVERGE ? 'converge (real data plane)' : 'dataplane'}: node1 manager + node2, node3 workers in a namespace lab (${lab.prefix}), ${TRIALS} trials`,
    );
    let converge: number[] = [];
    let scaleMs = Number.NaN;
    let tp: { under: number; over: number } | undefined;
    let rate: { vip: number; direct: number } | undefined;
    try {
      const networkId = await form();
      const client = await createService({
        name: 'client',
        task: { command: ['sleep', '100000'], constraints: ['node.hostname==node1'] },
      });
      const [clientTask] = await running(client.id, 1);
      if (clientTask === undefined) throw new Error('bench: no client task');
      const clientNs = taskNs(clientTask);

      converge = [];
      for (let k = 1; k <= TRIALS; k++) converge.push(await convergeTrial(k, networkId, clientNs));
      scaleMs = await scaleTo50();

      if (!ONLY_CONVERGE) {
        if (hasIperf3()) tp = await throughput(networkId, clientNs);
        else console.error('bench: iperf3 missing (apt-get install iperf3): throughput skipped');
        rate = await vipVsDirect(networkId, clientNs);
      }
    } catch (err) {
      for (const [i, p] of cluster.procs) console.error(`--- node${i}\n${p.output().slice(-3000)}`);
      throw err;
    }
    const cMed = median(converge);
    const cWorst = Math.max(...converge);
    out({
      summary: true,
      createMedianMs: round2(cMed),
      createWorstMs: cWorst,
      createRatioToSwarm: [round2(cMed / SWARM_CREATE_MS.high), round2(cMed / SWARM_CREATE_MS.low)],
      createGoalMs: GOAL_CREATE_MS,
      scale50Ms: scaleMs,
      underlayGbitPerS: tp && round2(tp.under),
      overlayGbitPerS: tp && round2(tp.over),
      overlayToUnderlay: tp && round2(tp.over / tp.under),
      vipConnPerS: rate && round2(rate.vip),
      directConnPerS: rate && round2(rate.direct),
      vipToDirect: rate && round2(rate.vip / rate.direct),
      vipGoal: GOAL_VIP_RATIO,
    });
    console.log('');
    console.log(
      `  create web --replicas 2 → running + answering via VIP: median ${round2(cMed)} ms, worst ${cWorst} ms; ` +
        `Swarm 900–1500 ms → ratio ${round2(cMed / SWARM_CREATE_MS.high)}–${round2(cMed / SWARM_CREATE_MS.low)}x ` +
        `(goal: median ≤ ${GOAL_CREATE_MS} ms: ${cMed <= GOAL_CREATE_MS ? 'met' : 'NOT met'})`,
    );
    console.log(`  scale web 2 → 50 on 3 nodes: ${scaleMs} ms until 50 running`);
    if (tp)
      console.log(
        `  TCP throughput: underlay ${round2(tp.under)} Gbit/s, overlay ${round2(tp.over)} Gbit/s → overlay/underlay ${round2(tp.over / tp.under)}`,
      );
    if (rate)
      console.log(
        `  connections/s: VIP ${round2(rate.vip)}, direct ${round2(rate.direct)} → VIP/direct ${round2(rate.vip / rate.direct)} ` +
          `(goal ≥ ${GOAL_VIP_RATIO}: ${rate.vip / rate.direct >= GOAL_VIP_RATIO ? 'met' : 'NOT met'})`,
      );
  },
  async () => {
    for (const c of children) c.kill('SIGKILL');
    // BENCH_LOGS=<file>: every daemon's log, to trace where a converge's time goes.
    if (process.env.BENCH_LOGS) writeFileSync(process.env.BENCH_LOGS, cluster.logs(100_000));
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  },
);
