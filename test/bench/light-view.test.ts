/**
 * The light agents' view summary (bench/sim-agent/view-summary.ts), kept a byte per endpoint, against the
 * summary of the whole view, for random sequences of full views and deltas (seeded; LIGHT_SEED replays
 * one), several agents of one process sharing the endpoint numbers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  endpointKey,
  LightView,
  runningKey,
  type LightEndpoint,
  type LightViewPart,
  type ViewSummary,
} from '../../bench/sim-agent/view-summary.ts';
import { rng } from '../dispatcher/view-world.ts';

const NETS = ['k1', 'k2', 'k3'];
const SERVICES = ['s1', 's2'];

/** The summary of a whole view held as a map (what summarize() makes of a NetworkView). */
function reference(networks: Set<string>, held: Map<string, LightEndpoint>): ViewSummary {
  const running = new Map<string, number>();
  for (const e of held.values()) {
    if (!e.running) continue;
    const k = runningKey(e.networkId, e.serviceId);
    running.set(k, (running.get(k) ?? 0) + 1);
  }
  return { networks: new Set(networks), running, endpoints: held.size };
}

function run(seed: number): void {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const agents = [0, 1, 2].map(() => ({
    light: new LightView(),
    networks: new Set<string>(),
    held: new Map<string, LightEndpoint>(),
  }));
  const endpoint = (): LightEndpoint => {
    const task = `t${Math.floor(random() * 30)}`;
    // A task's service is fixed, as in a cluster.
    return {
      networkId: pick(NETS),
      taskId: task,
      serviceId: SERVICES[Number(task.slice(1)) % 2] as string,
      running: random() < 0.6,
    };
  };
  for (let step = 0; step < 200; step++) {
    const a = pick(agents);
    const full = random() < 0.1;
    const part: LightViewPart = { networks: [], removedNetworks: [], endpoints: [], removedEndpoints: [] };
    if (full) {
      a.networks.clear();
      a.held.clear();
    }
    // A delta names a key once (an upsert or a removal), as the dispatcher's do.
    const named = new Set<string>();
    for (let i = Math.floor(random() * 8); i > 0; i--) {
      const e = endpoint();
      const key = endpointKey(e.networkId, e.taskId);
      if (named.has(key)) continue;
      named.add(key);
      if (!full && random() < 0.3) {
        part.removedEndpoints.push(key); // held or not (a delta may remove what never arrived)
        a.held.delete(key);
      } else {
        part.endpoints.push(e);
        a.held.set(key, e);
      }
    }
    if (random() < 0.2) {
      const k = pick(NETS);
      if (!full && random() < 0.5) {
        part.removedNetworks.push(k);
        a.networks.delete(k);
      } else {
        part.networks.push(k);
        a.networks.add(k);
      }
    }
    a.light.apply(part, full);
    for (const b of agents) {
      assert.deepStrictEqual(
        b.light.summary(),
        reference(b.networks, b.held),
        `seed ${seed}, step ${step} (LIGHT_SEED=${seed})`,
      );
    }
  }
}

test('the byte-per-endpoint summary equals the whole view’s, for random full views and deltas', () => {
  const one = process.env.LIGHT_SEED;
  for (const seed of one === undefined ? Array.from({ length: 200 }, (_, i) => 500 + i) : [Number(one)])
    run(seed);
});
