/**
 * A process holding a fleet of simulated agents for a benchmark (started by fleet-client.ts), so that
 * the agents' CPU and memory show apart from the managers' and the benchmark's. It answers the
 * requests of fleet-protocol.ts on its IPC channel and exits when the channel closes.
 * argv: <hostname prefix>.
 */
import { simAgentKeys } from './node-keys.ts';
import type { FleetAnswer, FleetRequest, FleetRequests } from './fleet-protocol.ts';
import { SimFleet } from './sim-fleet.ts';

const send = process.send?.bind(process);
if (send === undefined) {
  process.stderr.write('fleet-process: start me with an IPC channel (fleet-client.ts)\n');
  process.exit(2);
}
/**
 * 16 sessions opening at once per fleet. The leader accepts one connection per turn of its event loop
 * (libuv since 1.45), and a turn serving thousands of sessions is long: at 64 per fleet, 5,000 nodes
 * kept ~130 connections in its accept queue, most waited there past the agents' 5 s deadline, and the
 * leader then ran handshakes for agents that had gone (sessions ~8/s, 763 s for 5,000). At 16: ~30/s
 * (536 s), 283 attempts timed out in all.
 */
const DEFAULT_CONNECT_PARALLEL = 16;
const parallel = Number(process.env.BENCH_CONNECT_PARALLEL ?? DEFAULT_CONNECT_PARALLEL);
const fleet = new SimFleet({
  hostnamePrefix: process.argv[2] ?? 'sim',
  connectParallel: Number.isInteger(parallel) && parallel >= 1 ? parallel : DEFAULT_CONNECT_PARALLEL,
});

type Handlers = {
  [K in keyof FleetRequests]: (a: FleetRequests[K]['args']) => Promise<FleetRequests[K]['result']>;
};
const handlers: Handlers = {
  join: async a => {
    let t = Date.now();
    const keys = await simAgentKeys(a.from, a.count);
    const keysMs = Date.now() - t;
    t = Date.now();
    await fleet.join(keys, a.from, a.token, a.managers, a.parallel);
    return { keysMs, joinMs: Date.now() - t };
  },
  start: () => {
    fleet.start();
    return Promise.resolve(null);
  },
  progress: a => Promise.resolve(fleet.progress(a.since)),
  viewsHold: a => fleet.viewsHold(a.networkId, a.serviceId, a.count, a.timeoutMs),
  kill: a => Promise.resolve({ nodeIds: fleet.kill(a.count).map(x => x.nodeId) }),
};

process.on('message', (req: FleetRequest) => {
  const handler = handlers[req.op] as (a: unknown) => Promise<unknown>;
  handler(req.args).then(
    result => send({ id: req.id, ok: true, result } satisfies FleetAnswer),
    (err: unknown) =>
      send({
        id: req.id,
        ok: false,
        error: err instanceof Error ? err.message : String(err),
      } satisfies FleetAnswer),
  );
});
process.on('disconnect', () => {
  fleet.stop();
  process.exit(0);
});
