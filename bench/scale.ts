/**
 * bench:scale — the control plane with many nodes. Three managers are real shoald processes on
 * 127.0.0.1 (drained, so they run no tasks; default timing: 5 s heartbeats, 3 missed = down), and
 * BENCH_NODES simulated agents (bench/sim-agent/) live in one or two fleet processes of their own, so
 * that their CPU shows apart. Each agent joins with the worker token through the managers' CA (its own
 * CSR, its own certificate; the join spread over the three managers) and holds its own dispatcher session
 * over mTLS with the leader: heartbeats, assignments, network view, and a RUNNING report per task.
 *
 * The cluster is initialised with `--default-addr-pool 10.0.0.0/8 --default-addr-pool-mask-length 16`:
 * the ingress network gives every node an address, and a /24 (the default) has 253. BENCH_TASKS tasks
 * are BENCH_SERVICES services (default 10) on BENCH_NETWORKS overlay networks (default 5, service k on
 * network k mod 5). With BENCH_GROUPS=G (default 0: none), the nodes are labelled into G groups and service k
 * is placed on group k mod G: with G = BENCH_NETWORKS each node views one network, as in a cluster where
 * teams' services keep to their own nodes; without groups every node runs a task of every service and so
 * views every network (each view holds every task). Measured, in this order (BENCH_PARTS, comma-separated, picks some):
 *   (always)  all nodes joined (certificates), in session, and READY in ListNodes;
 *   create    `service create --replicas R` of the first service → all its tasks RUNNING (written by a
 *             manager: each agent's report answered), and the rate;
 *   scale     the other services, created with 0 replicas, scaled to their share at once → all RUNNING;
 *   quiet     BENCH_QUIET_MS (60 s) with nothing to do: sessions lost and nodes down (goal 0), and what
 *             the managers' CPU costs per second at rest;
 *   plus1     BENCH_TRIES (20) times `scale +1` of one service: → the new task RUNNING (the first view to
 *             show it so), and → every agent on its network holding its address as a backend (goal p99
 *             < 1 s); the bytes of assignment messages the agents received per change;
 *   kill      BENCH_KILL (100) agents die at once: → as many tasks as before RUNNING on live nodes (goal
 *             < 30 s);
 *   failover  kill -9 the leader: → every live agent in session with the new leader.
 * Then each manager's peak RSS (goal < 2 GiB) and CPU seconds, and the fleets'. One JSON line per
 * measurement, then the table. A part that fails ends the run; the table shows what was reached.
 *
 * Env: BENCH_NODES (200), BENCH_TASKS (2000), BENCH_SERVICES, BENCH_NETWORKS, BENCH_GROUPS, BENCH_TRIES, BENCH_KILL,
 * BENCH_QUIET_MS, BENCH_FLEETS (1, 2 from 2000 nodes), BENCH_JOIN_PARALLEL (16 per fleet),
 * BENCH_CONNECT_PARALLEL (agents of a fleet opening a session at once, 16),
 * BENCH_TIMEOUT_MS (per wait, 900 s), BENCH_PORT (23811), BENCH_NODE_ARGS (node flags for the managers,
 * e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'), BENCH_FLEET_NODE_ARGS (the same for the fleets),
 * BENCH_SHOALD_ARGS (shoald flags for the managers, e.g. '--tick-ms 1000': Swarm's Raft timing).
 */
import * as grpc from '@grpc/grpc-js';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { WireNode, WireService } from '../proto/control-types.ts';
import { UsageSampler, type ProcessUsage } from './process-usage.ts';
import { runBench } from './run-bench.ts';
import { drain, ShoalCluster, until, type Rpc } from './shoal-cluster.ts';
import { FleetClient } from './sim-agent/fleet-client.ts';
import { noProgress, type FleetProgress } from './sim-agent/sim-fleet.ts';
import { percentile, round2 } from './stats.ts';
import { messageOf } from '../lib/message-of.ts';

function int(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`bench: ${name} must be a whole number, not ${v}`);
  return n;
}

const NODES = Math.max(1, int('BENCH_NODES', 200));
const TASKS = int('BENCH_TASKS', 2000);
const SERVICES = Math.max(1, int('BENCH_SERVICES', 10));
const NETWORKS = Math.max(1, int('BENCH_NETWORKS', 5));
const TRIES = int('BENCH_TRIES', 20);
const GROUPS = int('BENCH_GROUPS', 0);
const GROUP_LABEL = 'shoal-bench-group';
const KILL = Math.min(int('BENCH_KILL', 100), Math.floor(NODES / 4));
const QUIET_MS = int('BENCH_QUIET_MS', 60_000);
const FLEETS = Math.max(1, Math.min(NODES, int('BENCH_FLEETS', NODES >= 2000 ? 2 : 1)));
const JOIN_PARALLEL = Math.max(1, int('BENCH_JOIN_PARALLEL', 16));
const TIMEOUT_MS = int('BENCH_TIMEOUT_MS', 900_000);
const ALL_PARTS = ['create', 'scale', 'quiet', 'plus1', 'kill', 'failover'] as const;
type Part = (typeof ALL_PARTS)[number];
const PARTS = new Set(
  (process.env.BENCH_PARTS ?? ALL_PARTS.join(',')).split(',').filter(p => p !== ''),
) as Set<string>;
for (const p of PARTS) {
  if (!(ALL_PARTS as readonly string[]).includes(p))
    throw new Error(`bench: BENCH_PARTS: no part ${p} (${ALL_PARTS.join(', ')})`);
}
const wants = (p: Part): boolean => PARTS.has(p);
const POLL_MS = 100;
const GIB = 1024 ** 3;

const cluster = new ShoalCluster(3, int('BENCH_PORT', 23811));
const sampler = new UsageSampler();
const fleets: FleetClient[] = [];

/** One row of the table: what, the figure, the goal and whether it is met. */
interface Row {
  what: string;
  value: string;
  goal?: string;
  met?: boolean;
}
const rows: Row[] = [];

function record(measure: string, data: Record<string, unknown>, row?: Row): void {
  console.log(JSON.stringify({ bench: 'scale', measure, nodes: NODES, tasks: TASKS, ...data }));
  if (row !== undefined) rows.push(row);
}

const sec = (ms: number): string => `${round2(ms / 1000)} s`;
const rate = (n: number, ms: number): string => `${Math.round((n * 1000) / Math.max(1, ms))}/s`;
const mib = (b: number): string => `${Math.round(b / 1024 ** 2)} MiB`;

/** The fleets' progress, added up. */
async function progress(since = Infinity): Promise<FleetProgress> {
  const all = await Promise.all(fleets.map(f => f.call('progress', { since })));
  const sum = noProgress();
  for (const p of all) {
    sum.agents += p.agents;
    sum.alive += p.alive;
    sum.inSession += p.inSession;
    sum.sessionsSince += p.sessionsSince;
    sum.sessionsLost += p.sessionsLost;
    sum.statusRetries += p.statusRetries;
    sum.loopDelayMaxMs = Math.max(sum.loopDelayMaxMs, p.loopDelayMaxMs);
    sum.assignmentBytes += p.assignmentBytes;
    sum.assignmentMessages += p.assignmentMessages;
    for (const [s, n] of Object.entries(p.running)) sum.running[s] = (sum.running[s] ?? 0) + n;
    for (const [w, n] of Object.entries(p.endings)) sum.endings[w] = (sum.endings[w] ?? 0) + n;
  }
  return sum;
}

/** Polls the fleets until `done` holds; returns when it was seen. Throws naming `what` and the last progress. */
async function waitFleets(
  what: string,
  done: (p: FleetProgress) => boolean,
  show: (p: FleetProgress) => string,
): Promise<number> {
  const deadline = Date.now() + TIMEOUT_MS;
  let last: FleetProgress | undefined;
  let lastShown = Date.now();
  let heldMs = 0;
  for (;;) {
    last = await progress(sinceOf.value);
    heldMs = Math.max(heldMs, last.loopDelayMaxMs);
    if (done(last)) return Date.now();
    if (Date.now() > deadline) throw new Error(`bench: ${what}: not within ${TIMEOUT_MS} ms (${show(last)})`);
    if (Date.now() - lastShown > 10_000) {
      // A fleet's loop held for seconds makes its agents' calls late: the harness's overload, not the managers'.
      console.error(
        `bench: waiting for ${what}: ${show(last)}; fleets' event loops held up to ${heldMs} ms${endingsOf(last)}`,
      );
      lastShown = Date.now();
      heldMs = 0;
    }
    await new Promise(r => setTimeout(r, POLL_MS));
  }
}
/** The commonest reasons sessions ended so far, for a waiting line. */
/** The commonest reasons sessions were lost, then those sessions failed to open for. */
function endingsOf(p: FleetProgress): string {
  const top = (lost: boolean): [string, number][] =>
    Object.entries(p.endings)
      .filter(([w]) => w.startsWith('lost:') === lost)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3);
  const all = [...top(true), ...top(false)];
  return all.length === 0 ? '' : `; sessions ended: ${all.map(([w, n]) => `${n}× ${w}`).join('; ')}`;
}

/** The `since` of the progress waitFleets polls (sessions established after it). */
const sinceOf = { value: Infinity };

const runningTotal = (p: FleetProgress): number => Object.values(p.running).reduce((a, b) => a + b, 0);

/** Replicas of service k: TASKS spread over the services. */
function share(k: number): number {
  return Math.floor(TASKS / SERVICES) + (k < TASKS % SERVICES ? 1 : 0);
}

interface Service {
  id: string;
  networkId: string;
  replicas: number;
}

/** Calls answered UNAVAILABLE (a leader change under load) and made again. */
let unavailable = 0;

/**
 * `rpc`, made again (up to 20 times, 250 ms apart) when it is answered UNAVAILABLE: a loaded leader
 * loses its leadership now and then, and the figures are of the change, not of one call's luck. Counted.
 */
function retrying(rpc: Rpc): Rpc {
  return async (method, req, timeoutMs) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await rpc(method, req, timeoutMs);
      } catch (err) {
        if ((err as { code?: unknown }).code !== grpc.status.UNAVAILABLE || attempt >= 20) throw err;
        unavailable++;
        await new Promise(r => setTimeout(r, 250));
      }
    }
  };
}

async function form(): Promise<{ control: Rpc; workerToken: string }> {
  const init = await cluster.form(
    // Every node gets an address on ingress: a /24 holds 253.
    { defaultAddrPool: ['10.0.0.0/8'], defaultAddrPoolMaskLength: 16 },
    i => sampler.watch(`manager ${i}`, cluster.pid(i)),
  );
  const leader = await cluster.leader(1);
  const control = retrying(cluster.rpc(leader, 'Control'));
  // Managers run no tasks here: every task is on a simulated node.
  await drain(control, (await control('ListNodes', {})).nodes as WireNode[]);
  return { control, workerToken: String(init.workerToken) };
}

async function joinNodes(control: Rpc, workerToken: string): Promise<void> {
  const managers = cluster.indexes.map(i => cluster.addr(i));
  const t0 = Date.now();
  const per = Math.ceil(NODES / FLEETS);
  const joins = await Promise.all(
    fleets.map((f, k) =>
      f.call('join', {
        from: k * per,
        count: Math.max(0, Math.min(per, NODES - k * per)),
        token: workerToken,
        managers,
        parallel: JOIN_PARALLEL,
      }),
    ),
  );
  const keysMs = Math.max(...joins.map(j => j.keysMs));
  const joinedAt = Date.now();
  const joinMs = joinedAt - t0 - keysMs;
  await Promise.all(fleets.map(f => f.call('start', {})));
  const sessionsAt = await waitFleets(
    `${NODES} sessions`,
    p => p.inSession === NODES,
    p => `${p.inSession}/${NODES} in session`,
  );
  let seen = '';
  const readyAt = await until(
    `${NODES} READY nodes`,
    async () => {
      const nodes = (await control('ListNodes', {}, 60_000)).nodes as WireNode[];
      const states = new Map<string, number>();
      for (const n of nodes) states.set(n.status, (states.get(n.status) ?? 0) + 1);
      const ready = states.get('ready') ?? 0;
      seen = `${nodes.length} nodes: ${[...states].map(([s, k]) => `${k} ${s}`).join(', ')}`;
      return nodes.length === NODES + 3 && ready === nodes.length ? Date.now() : undefined;
    },
    TIMEOUT_MS,
    () => seen,
  );
  const readyMs = readyAt - joinedAt + joinMs;
  record('nodes-ready', { keysMs, joinMs, sessionsMs: sessionsAt - joinedAt, readyMs });
  if (GROUPS > 1) await labelGroups(control);
  rows.push(
    { what: `${NODES} nodes joined (certificates)`, value: `${sec(joinMs)} (${rate(NODES, joinMs)})` },
    { what: `${NODES} nodes joined → all READY, in session`, value: sec(readyMs) },
  );
}

/** Label writes made again after "update out of sequence" (a status write came between). */
let relabelled = 0;

/** Labels the workers into GROUPS groups (round robin by ID), 64 calls at once. */
async function labelGroups(control: Rpc): Promise<void> {
  const t0 = Date.now();
  const workers = ((await control('ListNodes', {}, 60_000)).nodes as WireNode[])
    .filter(n => n.role === 'worker')
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  let next = 0;
  const label = async (): Promise<void> => {
    for (let i = next++; i < workers.length; i = next++) {
      const n = workers[i] as WireNode;
      // Version 0: the current one (each node's own status writes move it on meanwhile). A status write
      // between the API's read and its write still makes it "out of sequence": made again, as a user would.
      for (let attempt = 1; ; attempt++) {
        try {
          await control('UpdateNode', {
            nodeId: n.id,
            version: 0,
            availability: '',
            labelAdd: { [GROUP_LABEL]: String(i % GROUPS) },
            labelRm: [],
            desiredRole: '',
          });
          break;
        } catch (err) {
          const e = err as { code?: unknown; details?: unknown };
          const outOfSequence =
            e.code === grpc.status.INVALID_ARGUMENT && String(e.details).includes('out of sequence');
          if (!outOfSequence || attempt >= 10) throw err;
          relabelled++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 64 }, label));
  record('groups', { groups: GROUPS, ms: Date.now() - t0, relabelled });
}

/** Waits until every service has its replicas RUNNING on live agents; returns when. */
function allRunning(what: string, services: readonly Service[]): Promise<number> {
  const total = services.reduce((a, s) => a + s.replicas, 0);
  return waitFleets(
    what,
    p => services.every(s => (p.running[s.id] ?? 0) === s.replicas),
    p =>
      `${services.reduce((a, s) => a + Math.min(s.replicas, p.running[s.id] ?? 0), 0)}/${total} running, ` +
      `${p.inSession}/${p.alive} agents in session, ${p.sessionsLost} sessions lost so far, ${p.statusRetries} status calls timed out and sent again`,
  );
}

/** GetService every 500 ms while `during` runs: the API's latency under a large change. */
async function apiLatency<T>(
  control: Rpc,
  serviceId: string,
  during: Promise<T>,
): Promise<{ value: T; ms: number[] }> {
  const ms: number[] = [];
  let done = false;
  const probe = (async () => {
    while (!done) {
      const t = Date.now();
      await control('GetService', { serviceId }, 60_000).catch(() => undefined);
      ms.push(Date.now() - t);
      await new Promise(r => setTimeout(r, 500));
    }
  })();
  try {
    return { value: await during, ms: ms.sort((a, b) => a - b) };
  } finally {
    done = true;
    await probe;
  }
}

async function createServices(control: Rpc, nets: string[]): Promise<Service[]> {
  const services: Service[] = [];
  const create = async (k: number, replicas: number): Promise<Service> => {
    const networkId = nets[k % nets.length] ?? '';
    const spec = {
      name: `scale-${k}`,
      mode: 'replicated',
      replicas,
      task: {
        command: ['sleep', '1000'],
        constraints: GROUPS > 1 ? [`node.labels.${GROUP_LABEL}==${k % GROUPS}`] : [],
      },
      networks: [networkId],
    };
    const s = (await control('CreateService', { spec }, 60_000)).service as WireService;
    return { id: s.id, networkId, replicas };
  };
  // create: the first service, with its replicas.
  const t0 = Date.now();
  const first = await create(0, share(0));
  services.push(first);
  const created = await apiLatency(control, first.id, allRunning('create: all running', [first]));
  const createMs = created.value - t0;
  record('create-running', {
    replicas: first.replicas,
    ms: createMs,
    apiP99Ms: percentile(created.ms, 0.99),
  });
  rows.push({
    what: `service create --replicas ${first.replicas} → all RUNNING`,
    value: `${sec(createMs)} (${rate(first.replicas, createMs)}); GetService during it p99 ${percentile(created.ms, 0.99)} ms`,
  });
  // scale: the others from 0 to their share, at once.
  for (let k = 1; k < SERVICES; k++) services.push(await create(k, 0));
  if (!wants('scale') || services.length === 1) return services.slice(0, 1);
  const t1 = Date.now();
  for (const s of services.slice(1)) {
    s.replicas = share(services.indexOf(s));
    await scaleTo(control, s, s.replicas);
  }
  const scaled = await apiLatency(control, first.id, allRunning('scale: all running', services));
  const scaleMs = scaled.value - t1;
  const n = services.slice(1).reduce((a, s) => a + s.replicas, 0);
  record('scale-running', {
    services: services.length - 1,
    replicas: n,
    ms: scaleMs,
    apiP99Ms: percentile(scaled.ms, 0.99),
  });
  rows.push({
    what: `scale ${services.length - 1} services 0 → ${n} tasks → all RUNNING`,
    value: `${sec(scaleMs)} (${rate(n, scaleMs)}); GetService during it p99 ${percentile(scaled.ms, 0.99)} ms`,
  });
  return services;
}

async function scaleTo(control: Rpc, s: Service, replicas: number): Promise<number> {
  const now = (await control('GetService', { serviceId: s.id }, 60_000)).service as WireService;
  const t = Date.now();
  await control(
    'UpdateService',
    { serviceId: s.id, version: now.version, spec: { ...now.spec, replicas } },
    60_000,
  );
  return Date.now() - t;
}

async function quiet(control: Rpc): Promise<void> {
  const downNow = async (): Promise<number> =>
    ((await control('ListNodes', {}, 60_000)).nodes as WireNode[]).filter(n => n.status !== 'ready').length;
  const before = await progress();
  const downBefore = await downNow();
  const cpuBefore = managerCpu();
  await new Promise(r => setTimeout(r, QUIET_MS));
  const after = await progress();
  const downAfter = await downNow();
  const cpuAfter = managerCpu();
  const lost = after.sessionsLost - before.sessionsLost;
  const down = Math.max(0, downAfter - downBefore);
  const cpu = [...cpuAfter].map(
    ([name, s]) => `${name} ${round2((s - (cpuBefore.get(name) ?? 0)) / (QUIET_MS / 1000))}`,
  );
  record('quiet', { ms: QUIET_MS, sessionsLost: lost, nodesDown: downAfter, cpuPerSecond: cpu });
  rows.push({
    what: `missed heartbeats in a quiet ${sec(QUIET_MS)}: sessions lost, nodes down`,
    value: `${lost}, ${down} (${downAfter} not ready)`,
    goal: '0',
    met: lost === 0 && down === 0 && downAfter === 0,
  });
  rows.push({ what: 'managers CPU at rest (s per s)', value: cpu.join(', ') });
}

async function plusOne(control: Rpc, services: Service[]): Promise<void> {
  const running: number[] = [];
  const views: number[] = [];
  const bytes: number[] = [];
  const api: number[] = [];
  for (let t = 0; t < TRIES; t++) {
    const s = services[t % services.length];
    if (s === undefined) break;
    const before = await progress();
    const watches = Promise.all(
      fleets.map(f =>
        f.call('viewsHold', {
          networkId: s.networkId,
          serviceId: s.id,
          count: s.replicas + 1,
          timeoutMs: TIMEOUT_MS,
        }),
      ),
    );
    // IPC is in order: once these answer, the watches are set.
    await progress();
    const now = (await control('GetService', { serviceId: s.id }, 60_000)).service as WireService;
    const t0 = Date.now();
    await control(
      'UpdateService',
      { serviceId: s.id, version: now.version, spec: { ...now.spec, replicas: s.replicas + 1 } },
      60_000,
    );
    api.push(Date.now() - t0);
    s.replicas++;
    const held = await watches;
    const after = await progress();
    running.push(Math.min(...held.map(h => h.anyAt)) - t0);
    views.push(Math.max(...held.map(h => h.allAt)) - t0);
    bytes.push(after.assignmentBytes - before.assignmentBytes);
    record('plus1', {
      try: t + 1,
      runningMs: running[running.length - 1],
      viewsMs: views[views.length - 1],
      bytes: bytes[bytes.length - 1],
      messages: after.assignmentMessages - before.assignmentMessages,
    });
  }
  const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
  const [r, v, b, a] = [sorted(running), sorted(views), sorted(bytes), sorted(api)];
  const p = (xs: number[], q: number): number => percentile(xs, q);
  record('plus1-summary', {
    runningP50: p(r, 0.5),
    runningP99: p(r, 0.99),
    viewsP50: p(v, 0.5),
    viewsP99: p(v, 0.99),
    bytesP50: p(b, 0.5),
    updateServiceP99: p(a, 0.99),
  });
  rows.push(
    {
      what: `scale +1 → new task RUNNING, p50 / p99 (${TRIES} tries)`,
      value: `${p(r, 0.5)} / ${p(r, 0.99)} ms`,
    },
    {
      what: 'scale +1 → its peers’ views hold it, p50 / p99',
      value: `${p(v, 0.5)} / ${p(v, 0.99)} ms`,
      goal: 'p99 < 1 s',
      met: p(v, 0.99) < 1000,
    },
    {
      what: 'bytes of assignments sent to agents per +1, p50',
      value: `${mib(p(b, 0.5))} (${Math.round(p(b, 0.5) / NODES)} B per node)`,
    },
  );
}

async function killAgents(services: Service[]): Promise<void> {
  const total = services.reduce((a, s) => a + s.replicas, 0);
  const per = Math.ceil(KILL / fleets.length);
  const t0 = Date.now();
  let left = KILL;
  for (const f of fleets) {
    const n = Math.min(per, left);
    left -= n;
    await f.call('kill', { count: n });
  }
  const at = await waitFleets(
    `the tasks of ${KILL} killed nodes to run elsewhere`,
    p => runningTotal(p) === total,
    p => `${runningTotal(p)}/${total} running on live nodes`,
  );
  record('kill', { killed: KILL, ms: at - t0 });
  rows.push({
    what: `kill ${KILL} agents → their tasks RUNNING elsewhere`,
    value: sec(at - t0),
    goal: '< 30 s',
    met: at - t0 < 30_000,
  });
}

async function failover(): Promise<void> {
  const leader = await cluster.leader(1);
  const before = await progress();
  const alive = before.alive;
  const t0 = Date.now();
  await cluster.kill9(leader);
  sinceOf.value = t0;
  try {
    const at = await waitFleets(
      'every session with the new leader',
      p => p.sessionsSince === alive,
      p => `${p.sessionsSince}/${alive} sessions back`,
    );
    const next = await cluster.leader(cluster.indexes.find(i => i !== leader) ?? 1);
    // What the returning sessions were sent: their views (what they did not hold), and their tasks.
    const bytes = (await progress()).assignmentBytes - before.assignmentBytes;
    record('failover', { killed: leader, newLeader: next, ms: at - t0, assignmentBytes: bytes });
    rows.push({ what: `kill -9 the leader → ${alive} sessions with the new one`, value: sec(at - t0) });
    rows.push({
      what: 'assignments sent to the sessions back, per session',
      value: `${(bytes / alive / 1024).toFixed(1)} KiB (${mib(bytes)} in all)`,
    });
  } finally {
    sinceOf.value = Infinity;
  }
}

function managerCpu(): Map<string, number> {
  return new Map(
    [...sampler.readings()].filter(([n]) => n.startsWith('manager')).map(([n, u]) => [n, u.cpuSeconds]),
  );
}

function usageRows(): void {
  const readings = sampler.readings();
  for (const [name, u] of readings) record('usage', { process: name, ...u });
  const managers = [...readings].filter(([n]) => n.startsWith('manager'));
  const worst = Math.max(...managers.map(([, u]) => u.peakRssBytes));
  rows.push({
    what: 'managers peak RSS',
    value: managers.map(([n, u]) => `${n.replace('manager ', 'm')} ${mib(u.peakRssBytes)}`).join(', '),
    goal: '< 2 GiB',
    met: worst < 2 * GIB,
  });
  const fmt = (list: [string, ProcessUsage][]): string =>
    list.map(([n, u]) => `${n.replace('manager ', 'm')} ${Math.round(u.cpuSeconds)}`).join(', ');
  rows.push({ what: 'managers CPU seconds (whole run)', value: fmt(managers) });
  record('unavailable', { calls: unavailable });
  rows.push({ what: 'API calls answered UNAVAILABLE (leader changes), retried', value: String(unavailable) });
  const harness = [...readings].filter(([n]) => n.startsWith('fleet'));
  rows.push({
    what: 'fleet processes CPU s, peak RSS',
    value: harness.map(([n, u]) => `${n} ${Math.round(u.cpuSeconds)} s ${mib(u.peakRssBytes)}`).join(', '),
  });
}

function printTable(): void {
  const w = Math.max(...rows.map(r => r.what.length));
  const v = Math.max(...rows.map(r => r.value.length));
  console.log('');
  console.log(
    `bench:scale — ${NODES} nodes, ${TASKS} tasks (${SERVICES} services on ${NETWORKS} networks${GROUPS > 1 ? `, ${GROUPS} node groups` : ''}), 3 managers`,
  );
  for (const r of rows) {
    const goal = r.goal === undefined ? '' : ` | goal ${r.goal}: ${r.met === true ? 'met' : 'NOT met'}`;
    console.log(`  ${r.what.padEnd(w)} | ${r.value.padEnd(v)}${goal}`);
  }
  console.log(`load average at the end: ${loadAverage()} (2 cores; other work on the machine counts)`);
}

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

runBench(
  async () => {
    console.error(
      `bench:scale: ${NODES} nodes in ${FLEETS} fleet process(es), ${TASKS} tasks, parts ${[...PARTS].join(',')}; load ${loadAverage()}`,
    );
    try {
      const { control, workerToken } = await form();
      for (let k = 0; k < FLEETS; k++) {
        const f = new FleetClient(
          `sim${k}`,
          join(cluster.dir, `fleet${k}.log`),
          (process.env.BENCH_FLEET_NODE_ARGS ?? '').split(' ').filter(a => a !== ''),
        );
        fleets.push(f);
        sampler.watch(`fleet ${k}`, f.pid);
      }
      await joinNodes(control, workerToken);
      const nets: string[] = [];
      for (let k = 0; k < NETWORKS; k++) {
        const n = (await control('CreateNetwork', { spec: { name: `scale-net-${k}`, driver: 'overlay' } }))
          .network as {
          id: string;
        };
        nets.push(n.id);
      }
      let services: Service[] = [];
      if (wants('create') && TASKS > 0) services = await createServices(control, nets);
      if (wants('quiet') && QUIET_MS > 0) await quiet(control);
      if (wants('plus1') && services.length > 0 && TRIES > 0) await plusOne(control, services);
      if (wants('kill') && KILL > 0) await killAgents(services);
      if (wants('failover')) await failover();
    } catch (err) {
      rows.push({ what: 'FAILED', value: messageOf(err) });
      console.error(cluster.logTails(10));
      throw err;
    } finally {
      usageRows();
      printTable();
    }
  },
  async () => {
    sampler.stop();
    await Promise.all(fleets.map(f => f.close()));
    await cluster.destroy();
  },
);
