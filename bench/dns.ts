/**
 * bench:dns — the embedded DNS against dnsmasq (the anchor, ../shared/anchors/dnsmasq.sh), same run,
 * same 1000 names (dns-fixtures.sh), same client (dnsperf via the anchors' dnsperf.sh): queries per
 * second with no rate limit, then p50/p99 latency at a fixed 20k qps. Shoal serves the names from a
 * NetworkView of 1000 vip services (one running task each), on 127.0.0.1, from this process: the
 * same EmbeddedDns.serveOn code path and the same V8 settings as in shoald (which starts with none of
 * its own: a larger young generation measured no better once the answer path stopped allocating).
 * The latency pair is run BENCH_ROUNDS times, dnsmasq then Shoal back to back, and the p99 ratio is
 * the median of the rounds' ratios: on 2 cores shared with dnsperf and whatever else runs, one round
 * can be off by several times, and a ratio from runs seconds apart is the least noisy figure we have.
 * Prints one JSON line per measurement, then the ratios against the goals (≥ 0.6× dnsmasq's qps,
 * p99 at 20k qps ≤ 2× dnsmasq's). Needs root-free loopback only, and Debian's dnsperf and dnsmasq:
 * it installs nothing and says what to apt-get install when they are missing.
 * Env: BENCH_SECONDS (per measurement, default 10), BENCH_ROUNDS (latency pairs, default 3),
 * BENCH_PORT (dnsmasq's; Shoal takes a free one, default 25353), ANCHORS_DIR (default ../shared/anchors).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { EmbeddedDns } from '../agent/dns/embedded-dns.ts';
import type { NetworkView, ViewEndpoint, ViewService } from '../proto/dispatcher-types.ts';
import { bindLoopback } from '../test/agent/dns/fixtures.ts';
import { runBench } from './run-bench.ts';
import { median, round2 } from './stats.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const DNSMASQ_PORT = Number(process.env.BENCH_PORT ?? 25353);
const NAMES = 1000;
const FIXED_QPS = 20_000;
const GOAL_QPS_RATIO = 0.6;
const GOAL_P99_RATIO = 2;
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
const dns = new EmbeddedDns({ upstreams: [], log: pino({ level: 'warn' }) });
let dnsmasqStarted = false;

runBench(
  async () => {
    await run(['bash', join(anchors, 'dns-fixtures.sh'), String(NAMES), dir]);
    const hosts = join(dir, 'hosts');
    const queries = join(dir, 'queries');
    dns.setView(viewOf(readFileSync(hosts, 'utf8')));
    const { udp, tcp, port } = await bindLoopback(4 << 20);
    dns.serveOn(udp, tcp, ['bench']);
    await run(['bash', join(anchors, 'dnsmasq.sh'), 'start', hosts, String(DNSMASQ_PORT)]);
    dnsmasqStarted = true;
    // Both answer the same name with the same address before anything is measured.
    const probe = ['dig', '+short', '+time=2', '+tries=1', 'svc0042.anchor.test'];
    const a = (await run([...probe, '@127.0.0.1', '-p', String(DNSMASQ_PORT)])).trim();
    const b = (await run([...probe, '@127.0.0.1', '-p', String(port)])).trim();
    if (a !== b || a === '') throw new Error(`dnsmasq answers ${a}, Shoal ${b}`);

    const show = (kind: string, m: Measure, round?: number): Measure => {
      console.log(
        JSON.stringify({
          bench: 'dns',
          kind,
          ...(round === undefined ? {} : { round }),
          seconds: SECONDS,
          ...m,
        }),
      );
      return m;
    };
    const mq = show('max-qps', await dnsperf('dnsmasq', DNSMASQ_PORT, queries));
    const sq = show('max-qps', await dnsperf('shoal', port, queries));
    const pairs: { m: Measure; s: Measure }[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const m = show('fixed-20k', await dnsperf('dnsmasq', DNSMASQ_PORT, queries, FIXED_QPS), r);
      const s = show('fixed-20k', await dnsperf('shoal', port, queries, FIXED_QPS), r);
      pairs.push({ m, s });
    }

    const ratio = (a: number | undefined, b: number | undefined): number =>
      (a ?? Number.NaN) / (b ?? Number.NaN);
    const qpsRatio = round2(sq.qps / mq.qps);
    const p99Ratio = round2(median(pairs.map(({ m, s }) => ratio(s.p99us, m.p99us))));
    const p50Ratio = round2(median(pairs.map(({ m, s }) => ratio(s.p50us, m.p50us))));
    const med = (side: 'm' | 's', key: 'p50us' | 'p99us'): number =>
      median(pairs.map(p => p[side][key] ?? Number.NaN));
    const rounds = pairs.map(({ m, s }) => `${s.p99us}/${m.p99us}`).join(', ');
    console.log(
      `dns: Shoal ${Math.round(sq.qps)} qps vs dnsmasq ${Math.round(mq.qps)}: ${qpsRatio}× (goal ≥ ${GOAL_QPS_RATIO}×) ` +
        `${qpsRatio >= GOAL_QPS_RATIO ? 'met' : 'MISSED'}`,
    );
    console.log(
      `dns at ${FIXED_QPS} qps, median of ${ROUNDS} rounds: p50 ${med('s', 'p50us')} us vs ${med('m', 'p50us')} us (${p50Ratio}×), ` +
        `p99 ${med('s', 'p99us')} us vs ${med('m', 'p99us')} us: ${p99Ratio}× (goal ≤ ${GOAL_P99_RATIO}×) ` +
        `${p99Ratio <= GOAL_P99_RATIO ? 'met' : 'MISSED'}  [p99 Shoal/dnsmasq per round, us: ${rounds}]`,
    );
  },
  async () => {
    if (dnsmasqStarted) await run(['bash', join(anchors, 'dnsmasq.sh'), 'stop', String(DNSMASQ_PORT)]);
    await dns.close();
    rmSync(dir, { recursive: true, force: true });
  },
);
