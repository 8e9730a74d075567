/**
 * bench:failover — how long writes stop when the leader crashes: three Shoal managers against three
 * etcd members (shared/anchors/etcd.sh), in the same run on the same machine, all on 127.0.0.1.
 *
 * Each Shoal trial finds the leader (Control.ListNodes), kill -9s its process, fires a CreateConfig
 * every 20 ms at the survivors (alternately, at most 100 in flight, each with a 2 s deadline, as the
 * anchor's probe does) and records the ms from the kill to the first acknowledgement. The killed
 * daemon is then restarted from its data folder, and the next trial waits until it answers a
 * linearizable read and sees every manager settled. Shoal runs with its default timing (100 ms tick,
 * election after 10 ticks), the same as etcd.sh's defaults. Shoal is called on the daemons' local
 * unix sockets (see bench/raft.ts for why), with connections opened before the kill; the anchor's
 * probe is a new node process started after the kill, so its figure includes that start-up.
 *
 * Prints one JSON line per trial, then median and worst for both and the Shoal/etcd ratios.
 * Env: BENCH_TRIALS (default 10), BENCH_PORT (first manager port, default 23771).
 */
import { etcdAnchorProblem, etcdSh } from './etcd-anchor.ts';
import { runBench } from './run-bench.ts';
import { ShoalCluster } from './shoal-cluster.ts';
import { median, round2 } from './stats.ts';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 10);
const PROBE_EVERY_MS = 20;
const PROBE_DEADLINE_MS = 2000;
const GIVE_UP_MS = 60_000;

/** One trial: kill -9 the leader, probe the survivors; ms from the kill to the first ack, or null. */
async function shoalTrial(cluster: ShoalCluster, trial: number): Promise<number | null> {
  const leader = await cluster.leader(cluster.indexes[0] ?? 1);
  const survivors = cluster.indexes.filter(i => i !== leader).map(i => cluster.rpc(i, 'Control'));
  const t0 = Date.now();
  const gone = cluster.kill9(leader);
  const ms = await new Promise<number | null>(resolve => {
    let n = 0;
    let inflight = 0;
    let done = false;
    const finish = (v: number | null): void => {
      if (done) return;
      done = true;
      clearInterval(timer);
      resolve(v);
    };
    const timer = setInterval(() => {
      if (Date.now() - t0 > GIVE_UP_MS) finish(null);
      if (done || inflight >= 100) return;
      inflight++;
      const call = survivors[n % survivors.length];
      const name = `failover-${trial}-${n++}`;
      call?.('CreateConfig', { name, data: Buffer.from('x'), labels: {} }, PROBE_DEADLINE_MS)
        .then(
          () => finish(Date.now() - t0),
          () => undefined,
        )
        .finally(() => inflight--);
    }, PROBE_EVERY_MS);
  });
  console.log(JSON.stringify({ system: 'shoal', trial, killed: `bench${leader}`, failoverMs: ms }));
  await gone;
  cluster.start(leader);
  await cluster.settled(leader, 60_000);
  return ms;
}

function summary(values: (number | null)[]): { median: number; worst: number; failed: number } {
  const ok = values.filter((v): v is number => v !== null);
  return {
    median: round2(median(ok)),
    worst: ok.length === 0 ? Number.NaN : Math.max(...ok),
    failed: values.length - ok.length,
  };
}

const cluster = new ShoalCluster(3, Number(process.env.BENCH_PORT ?? 23771));
let etcdStarted = false;

runBench(
  async () => {
    const problem = etcdAnchorProblem();
    if (problem !== undefined) throw new Error(`the etcd anchor cannot run: ${problem}`);
    console.error(`bench:failover: ${TRIALS} leader kill -9s on each side`);
    const shoalMs: (number | null)[] = [];
    try {
      await cluster.form();
      for (let t = 1; t <= TRIALS; t++) shoalMs.push(await shoalTrial(cluster, t));
    } catch (err) {
      console.error(cluster.logTails());
      throw err;
    }
    // Stopped before etcd starts, so the two never share the two cores.
    await cluster.destroy();

    etcdStarted = true;
    await etcdSh('start');
    const etcdMs: (number | null)[] = [];
    for (let t = 1; t <= TRIALS; t++) {
      for (const line of await etcdSh('failover')) {
        etcdMs.push(typeof line.failoverMs === 'number' ? line.failoverMs : null);
      }
    }

    const s = summary(shoalMs);
    const e = summary(etcdMs);
    console.log('');
    console.log('        | median ms | worst ms | failed');
    console.log(`  shoal | ${String(s.median).padStart(9)} | ${String(s.worst).padStart(8)} | ${s.failed}`);
    console.log(`  etcd  | ${String(e.median).padStart(9)} | ${String(e.worst).padStart(8)} | ${e.failed}`);
    const medianRatio = round2(s.median / e.median);
    const worstRatio = round2(s.worst / e.worst);
    console.log(
      `goal median <= 0.6x etcd: ${medianRatio}x — ${medianRatio <= 0.6 && s.failed === 0 ? 'met' : 'NOT met'}`,
    );
    console.log(
      `goal worst <= etcd's worst: ${worstRatio}x — ${worstRatio <= 1 && s.failed === 0 ? 'met' : 'NOT met'}`,
    );
    console.log('(default timing on both sides: 100 ms heartbeat/tick, 1000 ms / 10-tick election)');
  },
  async () => {
    await cluster.destroy();
    if (etcdStarted) await etcdSh('stop');
  },
);
