/**
 * bench:raft — replicated write throughput and latency of three Shoal managers against three etcd
 * members (shared/anchors/etcd.sh), in the same run on the same machine, all on 127.0.0.1.
 *
 * Shoal's workload: C concurrent clients, each calling Control.CreateConfig with a unique 32-byte name
 * and a 256-byte value for SECS seconds, spread over the three managers (client k → manager k mod 3),
 * as `etcd.sh bench C SECS all` spreads its puts over every member. Every write is a Raft entry
 * committed by a majority and fsynced, on both sides. Shoal is called on each daemon's local unix
 * socket (the API the CLI uses), not over mTLS on the manager port: a remote client would need a
 * manager certificate, and the CA key that signs them lives only in the replicated store.
 *
 * Prints one JSON line per measurement, then a table of Shoal/etcd ratios.
 * Env: BENCH_SECS (default 20), BENCH_PORT (first manager port, default 23771).
 */
import * as grpc from '@grpc/grpc-js';
import { etcdAnchorProblem, etcdSh } from './etcd-anchor.ts';
import { runBench } from './run-bench.ts';
import { ShoalCluster } from './shoal-cluster.ts';
import { percentile, round2 } from './stats.ts';

const SECS = Number(process.env.BENCH_SECS ?? 20);
const CONCURRENCY = [1, 16, 64];
const VALUE = Buffer.alloc(256, 'v');

interface Result {
  concurrency: number;
  writesPerSec: number;
  p50ms: number;
  p99ms: number;
}

/** An error as `CODE: text (socket)`, without the timings grpc-js adds, so that like errors group. */
function errorKind(err: unknown): string {
  const e = err as { code?: unknown; details?: unknown; message?: unknown };
  const details = typeof e.details === 'string' ? e.details : String(e.message ?? err);
  const code = typeof e.code === 'number' ? (grpc.status[e.code] ?? String(e.code)) : 'ERROR';
  const peer = /remote_addr=.*\/([^/,]+)$/.exec(details)?.[1];
  return `${code}: ${details.split(/ after |,/)[0] ?? ''}${peer === undefined ? '' : ` (${peer})`}`;
}

/** C clients writing new configs for SECS seconds; latencies of acknowledged writes only. */
async function shoalBench(cluster: ShoalCluster, conc: number): Promise<Result> {
  const managers = cluster.indexes.map(i => cluster.rpc(i, 'Control'));
  let seq = 0;
  // 'b' + 2-digit C + 'x' + 28 digits = 32 bytes, unique across the whole run.
  const name = (): string => `b${String(conc).padStart(2, '0')}x${String(seq++).padStart(28, '0')}`;
  // One write per manager first, as the anchor puts once before its clock starts.
  for (const m of managers) await m('CreateConfig', { name: name(), data: VALUE, labels: {} });
  const lat: number[] = [];
  let errors = 0;
  // What failed, by gRPC code and details, so that a figure with errors can be explained.
  const errorKinds: Record<string, number> = {};
  const t0 = Date.now();
  const end = t0 + SECS * 1000;
  await Promise.all(
    Array.from({ length: conc }, async (_, k) => {
      const call = managers[k % managers.length];
      if (call === undefined) return;
      while (Date.now() < end) {
        const s = process.hrtime.bigint();
        try {
          await call('CreateConfig', { name: name(), data: VALUE, labels: {} }, 10_000);
          lat.push(Number(process.hrtime.bigint() - s) / 1e6);
        } catch (err) {
          errors++;
          const kind = errorKind(err);
          errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsed = (Date.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const r = {
    concurrency: conc,
    writesPerSec: Math.round((lat.length / elapsed) * 10) / 10,
    p50ms: round2(percentile(lat, 0.5)),
    p99ms: round2(percentile(lat, 0.99)),
  };
  const extra = errors === 0 ? {} : { errorKinds };
  console.log(JSON.stringify({ system: 'shoal', ...r, errors, ...extra, via: 'unix-socket', secs: SECS }));
  return r;
}

function table(shoal: Result[], etcd: Result[]): void {
  const fmt = (x: number, w: number): string => (Number.isFinite(x) ? String(x) : '-').padStart(w);
  console.log('');
  console.log(
    '    C | shoal w/s | etcd w/s | w/s ratio | shoal p50 | etcd p50 | p50 ratio | shoal p99 | etcd p99',
  );
  for (const s of shoal) {
    const e = etcd.find(x => x.concurrency === s.concurrency);
    if (e === undefined) continue;
    console.log(
      [
        fmt(s.concurrency, 5),
        fmt(s.writesPerSec, 9),
        fmt(e.writesPerSec, 8),
        fmt(round2(s.writesPerSec / e.writesPerSec), 9),
        fmt(s.p50ms, 9),
        fmt(e.p50ms, 8),
        fmt(round2(s.p50ms / e.p50ms), 9),
        fmt(s.p99ms, 9),
        fmt(e.p99ms, 8),
      ].join(' | '),
    );
  }
  const s64 = shoal.find(r => r.concurrency === 64);
  const e64 = etcd.find(r => r.concurrency === 64);
  const s1 = shoal.find(r => r.concurrency === 1);
  const e1 = etcd.find(r => r.concurrency === 1);
  if (s64 !== undefined && e64 !== undefined) {
    const ratio = round2(s64.writesPerSec / e64.writesPerSec);
    console.log(`goal writes/s at C=64 >= 1.25x etcd: ${ratio}x — ${ratio >= 1.25 ? 'met' : 'NOT met'}`);
  }
  if (s1 !== undefined && e1 !== undefined) {
    const ratio = round2(s1.p50ms / e1.p50ms);
    console.log(`goal p50 at C=1 <= etcd's: ${ratio}x — ${ratio <= 1 ? 'met' : 'NOT met'}`);
  }
}

const cluster = new ShoalCluster(3, Number(process.env.BENCH_PORT ?? 23771));
let etcdStarted = false;

runBench(
  async () => {
    const problem = etcdAnchorProblem();
    if (problem !== undefined) throw new Error(`the etcd anchor cannot run: ${problem}`);
    console.error(`bench:raft: ${SECS} s per measurement, C in ${CONCURRENCY.join(', ')}`);
    const shoal: Result[] = [];
    try {
      await cluster.form();
      for (const c of CONCURRENCY) shoal.push(await shoalBench(cluster, c));
    } catch (err) {
      console.error(cluster.logTails());
      throw err;
    }
    // Stopped before etcd starts, so the two never share the two cores.
    await cluster.destroy();

    etcdStarted = true;
    await etcdSh('start');
    const etcd: Result[] = [];
    for (const c of CONCURRENCY) {
      for (const line of await etcdSh('bench', String(c), String(SECS), 'all')) {
        etcd.push({
          concurrency: Number(line.concurrency),
          writesPerSec: Number(line.putsPerSec),
          p50ms: Number(line.p50ms),
          p99ms: Number(line.p99ms),
        });
      }
    }
    table(shoal, etcd);
  },
  async () => {
    await cluster.destroy();
    if (etcdStarted) await etcdSh('stop');
  },
);
