/**
 * bench:dns — the embedded DNS against dnsmasq (the anchor, ../shared/anchors/dnsmasq.sh), same run,
 * same 1000 names (dns-fixtures.sh), same client (dnsperf via the anchors' dnsperf.sh): queries per
 * second with no rate limit, then p50/p99 latency at a fixed 20k qps. Shoal serves the names from a
 * NetworkView of 1000 vip services (one running task each), on 127.0.0.1, from this process: the
 * embedded DNS as the agent runs it (its resolver thread, sockets and asker map; 127.0.0.1 asks as a
 * task on the names' network would), with the same V8 settings as shoald.
 * Each pair is run BENCH_ROUNDS times, dnsmasq then Shoal back to back, and a ratio is the median of
 * the rounds' ratios: on 2 cores shared with dnsperf and whatever else runs, one round can be off by
 * several times, and a ratio from runs seconds apart is the least noisy figure we have.
 * As root, both pairs are run again while this process creates 100 tasks on a real node (busy-node.ts:
 * data plane, process executor, in a lab namespace) during each measurement, dnsmasq's and Shoal's
 * alike: the agent's work must not delay the answers.
 * Prints one JSON line per measurement, then the ratios against the goals (≥ 1× dnsmasq's qps, p99 at
 * 20k qps ≤ 1.5× dnsmasq's, quiet and busy). Needs Debian's dnsperf and dnsmasq: it installs nothing
 * and says what to apt-get install when they are missing.
 * Env: BENCH_SECONDS (per measurement, default 10), BENCH_ROUNDS (pairs of each kind, default 3),
 * BENCH_PORT (dnsmasq's; Shoal takes a free one, default 25353), ANCHORS_DIR (default ../shared/anchors),
 * BENCH_BUSY (0: skip the busy rounds).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { EmbeddedDns } from '../agent/dns/embedded-dns.ts';
import type { NetworkView, ViewEndpoint, ViewService } from '../proto/dispatcher-types.ts';
import { canRunLab } from '../test/lab/lab.ts';
import { BusyNode } from './busy-node.ts';
import { runBench } from './run-bench.ts';
import { median, round2 } from './stats.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const DNSMASQ_PORT = Number(process.env.BENCH_PORT ?? 25353);
const NAMES = 1000;
const FIXED_QPS = 20_000;
const GOAL_QPS_RATIO = 1;
const GOAL_P99_RATIO = 1.5;
/** Tasks created on the busy node during each busy round. */
const BUSY_TASKS = 100;
const BUSY = process.env.BENCH_BUSY !== '0';
const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const anchors = process.env.ANCHORS_DIR ?? resolve(repo, '..', 'shared', 'anchors');

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some(dir => dir !== '' && existsSync(join(dir, cmd)));
}

function run(argv: string[], timeoutMs = 120_000): Promise<string> {
  const [cmd, ...args] = argv;
  return new Promise((res, rej) => {
    execFile(cmd ?? '', args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`${argv.join(' ')}: ${err.message}\n${stderr}`));
      else res(stdout);
    });
  });
}

/** The hosts file's names as 1000 vip services: the VIP is the name's address in the file. */
function viewOf(hosts: string): NetworkView {
  const services: ViewService[] = [];
  const endpoints: ViewEndpoint[] = [];
  hosts
    .trim()
    .split('\n')
    .forEach((line, i) => {
      const [addr, name] = line.trim().split(/\s+/);
      if (addr === undefined || name === undefined) return;
      const id = `s${i}`;
      services.push({
        id,
        name,
        endpointMode: 'vip',
        virtualIps: [{ networkId: 'bench', addr: `${addr}/16` }],
        ports: [],
      });
      endpoints.push({
        taskId: `t${i}`,
        serviceId: id,
        slot: 1,
        name: '',
        nodeId: 'n1',
        networkId: 'bench',
        addr: `10.78.${i >> 8}.${i & 0xff}/16`,
        running: true,
      });
    });
  return {
    networks: [
      {
        id: 'bench',
        name: 'bench',
        vni: 4097,
        subnet: '10.77.0.0/16',
        gateway: '10.77.0.1',
        attachable: false,
        ingress: false,
        internal: false,
        mtu: 1450,
      },
    ],
    nodes: [{ id: 'n1', addr: '198.51.100.1', ingressAddr: '' }],
    services,
    endpoints,
    gatewaySubnet: '172.18.0.0/16',
  };
}

interface Measure {
  target: string;
  qps: number;
  lost: number;
  p50us?: number;
  p99us?: number;
}

const num = (out: string, re: RegExp): number => Number(re.exec(out)?.[1] ?? Number.NaN);

/** One dnsperf run against 127.0.0.1:port; `limit` caps the rate and asks for latency percentiles. */
async function dnsperf(target: string, port: number, queries: string, limit?: number): Promise<Measure> {
  const rate = limit === undefined ? [] : ['-Q', String(limit)];
  const out = await run([
    'bash',
    join(anchors, 'dnsperf.sh'),
    ...(limit === undefined ? [] : ['--pct']),
    '-s',
    '127.0.0.1',
    '-p',
    String(port),
    '-d',
    queries,
    '-l',
    String(SECONDS),
    ...rate,
  ]);
  return {
    target,
    qps: num(out, /Queries per second:\s+([\d.]+)/),
    lost: num(out, /Queries lost:\s+(\d+)/),
    ...(limit === undefined
      ? {}
      : { p50us: num(out, /p50 latency: (\d+) us/), p99us: num(out, /p99 latency: (\d+) us/) }),
  };
}

const missing = ['dnsperf', 'dnsmasq'].filter(c => !onPath(c));
if (missing.length > 0) {
  console.error(
    `bench:dns needs ${missing.join(' and ')}: apt-get install -y ${missing.join(' ')}  (as root)`,
  );
  process.exit(2);
}
if (!existsSync(join(anchors, 'dnsmasq.sh'))) {
  console.error(`bench:dns: the anchors are not at ${anchors} (set ANCHORS_DIR)`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'shoal-bench-dns-'));
const log = pino({ level: 'warn' });
let dns: EmbeddedDns | undefined;
let busy: BusyNode | undefined;
let dnsmasqStarted = false;

const show = (kind: string, m: Measure, extra: object = {}): Measure => {
  console.log(JSON.stringify({ bench: 'dns', kind, ...extra, seconds: SECONDS, ...m }));
  return m;
};

type Pair = { m: Measure; s: Measure };

/** p50 and p99 ratios (median over the rounds) and the per-round p99s, printed against the goal. */
function report(label: string, pairs: readonly Pair[]): number {
  const ratio = (a: number | undefined, b: number | undefined): number =>
    (a ?? Number.NaN) / (b ?? Number.NaN);
  const p99Ratio = round2(median(pairs.map(({ m, s }) => ratio(s.p99us, m.p99us))));
  const p50Ratio = round2(median(pairs.map(({ m, s }) => ratio(s.p50us, m.p50us))));
  const med = (side: 'm' | 's', key: 'p50us' | 'p99us'): number =>
    median(pairs.map(p => p[side][key] ?? Number.NaN));
  const rounds = pairs.map(({ m, s }) => `${s.p99us}/${m.p99us}`).join(', ');
  console.log(
    `dns ${label} at ${FIXED_QPS} qps, median of ${pairs.length} rounds: p50 ${med('s', 'p50us')} us vs ${med('m', 'p50us')} us (${p50Ratio}×), ` +
      `p99 ${med('s', 'p99us')} us vs ${med('m', 'p99us')} us: ${p99Ratio}× (goal ≤ ${GOAL_P99_RATIO}×) ` +
      `${p99Ratio <= GOAL_P99_RATIO ? 'met' : 'MISSED'}  [p99 Shoal/dnsmasq per round, us: ${rounds}]`,
  );
  return p99Ratio;
}

/** The max-qps ratio (median over the rounds) and the per-round figures, printed against the goal. */
function reportQps(label: string, pairs: readonly Pair[]): void {
  const ratio = round2(median(pairs.map(({ m, s }) => s.qps / m.qps)));
  const qpsOf = (side: 'm' | 's'): number => Math.round(median(pairs.map(p => p[side].qps)));
  const rounds = pairs.map(({ m, s }) => `${Math.round(s.qps)}/${Math.round(m.qps)}`).join(', ');
  console.log(
    `dns ${label}, max qps, median of ${pairs.length} rounds: Shoal ${qpsOf('s')} vs dnsmasq ${qpsOf('m')}: ` +
      `${ratio}× (goal ≥ ${GOAL_QPS_RATIO}×) ${ratio >= GOAL_QPS_RATIO ? 'met' : 'MISSED'}  [qps Shoal/dnsmasq per round: ${rounds}]`,
  );
}

runBench(
  async () => {
    await run(['bash', join(anchors, 'dns-fixtures.sh'), String(NAMES), dir]);
    const hosts = join(dir, 'hosts');
    const queries = join(dir, 'queries');
    const shoal = await EmbeddedDns.start({ upstreams: [], log });
    dns = shoal;
    shoal.setView(viewOf(readFileSync(hosts, 'utf8')));
    shoal.setAskers(new Map([['127.0.0.1', ['bench']]]));
    const port = await shoal.listen('127.0.0.1', 0);
    await shoal.synced();
    await run(['bash', join(anchors, 'dnsmasq.sh'), 'start', hosts, String(DNSMASQ_PORT)]);
    dnsmasqStarted = true;
    // Both answer the same name with the same address before anything is measured.
    const probe = ['dig', '+short', '+time=2', '+tries=1', 'svc0042.anchor.test'];
    const a = (await run([...probe, '@127.0.0.1', '-p', String(DNSMASQ_PORT)])).trim();
    const b = (await run([...probe, '@127.0.0.1', '-p', String(port)])).trim();
    if (a !== b || a === '') throw new Error(`dnsmasq answers ${a}, Shoal ${b}`);

    const maxPairs: Pair[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const m = show('max-qps', await dnsperf('dnsmasq', DNSMASQ_PORT, queries), { round: r });
      const s = show('max-qps', await dnsperf('shoal', port, queries), { round: r });
      maxPairs.push({ m, s });
    }
    const quiet: Pair[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const m = show('fixed-20k', await dnsperf('dnsmasq', DNSMASQ_PORT, queries, FIXED_QPS), { round: r });
      const s = show('fixed-20k', await dnsperf('shoal', port, queries, FIXED_QPS), { round: r });
      quiet.push({ m, s });
    }

    const busyPairs: Pair[] = [];
    const busyMax: Pair[] = [];
    if (BUSY && canRunLab()) {
      const node = await BusyNode.start(log);
      busy = node;
      /** One measurement while the node creates BUSY_TASKS tasks, then removes them. */
      const during = async (target: string, p: number, r: number, limit?: number): Promise<Measure> => {
        const creating = node.create(BUSY_TASKS);
        const m = await dnsperf(target, p, queries, limit);
        const createMs = await creating;
        await node.clear();
        const kind = limit === undefined ? 'max-qps-busy' : 'fixed-20k-busy';
        return show(kind, m, { round: r, tasks: BUSY_TASKS, createMs });
      };
      for (let r = 1; r <= ROUNDS; r++) {
        busyMax.push({ m: await during('dnsmasq', DNSMASQ_PORT, r), s: await during('shoal', port, r) });
        busyPairs.push({
          m: await during('dnsmasq', DNSMASQ_PORT, r, FIXED_QPS),
          s: await during('shoal', port, r, FIXED_QPS),
        });
      }
    } else if (BUSY) {
      console.error(
        'bench:dns: not root (or no iproute2): no busy rounds (they create tasks on a real node)',
      );
    }

    const whileBusy = `while the node creates ${BUSY_TASKS} tasks`;
    reportQps('quiet', maxPairs);
    report('quiet', quiet);
    if (busyMax.length > 0) reportQps(whileBusy, busyMax);
    if (busyPairs.length > 0) report(whileBusy, busyPairs);
  },
  async () => {
    if (dnsmasqStarted) await run(['bash', join(anchors, 'dnsmasq.sh'), 'stop', String(DNSMASQ_PORT)]);
    await busy?.destroy();
    await dns?.close();
    rmSync(dir, { recursive: true, force: true });
  },
);
