/**
 * The requests a benchmark sends a fleet process (fleet-process.ts) over Node's IPC channel, and their
 * answers: plain data both ways. Each request carries an id; its answer the same id, with a result or
 * an error's message.
 */
import type { FleetProgress, ViewsHeld } from './sim-fleet.ts';

export interface FleetRequests {
  /** Reads (or makes) the keys of slots `from`… and joins that many agents; answers the ms it took. */
  join: {
    args: { from: number; count: number; token: string; managers: string[]; parallel: number };
    result: { keysMs: number; joinMs: number };
  };
  /** Every joined agent starts its session. */
  start: { args: Record<string, never>; result: null };
  progress: { args: { since: number }; result: FleetProgress };
  viewsHold: {
    args: { networkId: string; serviceId: string; count: number; timeoutMs: number };
    result: ViewsHeld;
  };
  /** Kills that many live agents; answers their node IDs. */
  kill: { args: { count: number }; result: { nodeIds: string[] } };
}

export type FleetOp = keyof FleetRequests;

export interface FleetRequest<K extends FleetOp = FleetOp> {
  id: number;
  op: K;
  args: FleetRequests[K]['args'];
}

export type FleetAnswer =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
