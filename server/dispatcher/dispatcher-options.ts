/** The dispatcher's options: what a manager may set, and the values it runs with. */

export interface DispatcherOptions {
  /** The heartbeat period handed to agents. @default 5000 (swarmkit's) */
  heartbeatPeriodMs?: number;
  /** Each period handed out varies by up to this much either way. @default heartbeatPeriodMs / 10 */
  heartbeatJitterMs?: number;
  /** Missed heartbeats after which a node is DOWN. @default 3 */
  missedHeartbeats?: number;
  /** Sessions one node may open per window. @default 3 (swarmkit's) */
  sessionsPerWindow?: number;
  /** @default 8000 (swarmkit's) */
  sessionWindowMs?: number;
  /** Changes within this long of the last message sent are gathered into the next. @default 25 (swarmkit gathers 100 ms from the first change: a task and its peers' records are that much later) */
  assignmentBatchMs?: number;
  /** Reports within this long of the last write are gathered into one store write. @default 10 */
  statusBatchMs?: number;
  /**
   * A view (full or delta) with more entities (networks, nodes, services, endpoints, removals) goes over
   * several messages (`more`), each encoded only when the stream takes it (view-parts.ts). @default 500
   */
  viewPartEntities?: number;
}

export interface CompiledDispatcherOptions {
  readonly heartbeatPeriodMs: number;
  readonly heartbeatJitterMs: number;
  readonly missedHeartbeats: number;
  readonly sessionsPerWindow: number;
  readonly sessionWindowMs: number;
  readonly assignmentBatchMs: number;
  readonly statusBatchMs: number;
  readonly viewPartEntities: number;
  /** How often expiries and the managers' addresses are looked at, while serving. */
  readonly tickMs: number;
}

/** The options with their defaults; throws RangeError on a value that cannot work. */
export function compileDispatcherOptions(o: DispatcherOptions): CompiledDispatcherOptions {
  const heartbeatPeriodMs = o.heartbeatPeriodMs ?? 5000;
  const viewPartEntities = o.viewPartEntities ?? 500;
  if (!Number.isInteger(viewPartEntities) || viewPartEntities < 1) {
    throw new RangeError(`dispatcher: viewPartEntities must be a positive integer, not ${viewPartEntities}`);
  }
  return Object.freeze({
    heartbeatPeriodMs,
    heartbeatJitterMs: o.heartbeatJitterMs ?? heartbeatPeriodMs / 10,
    missedHeartbeats: o.missedHeartbeats ?? 3,
    sessionsPerWindow: o.sessionsPerWindow ?? 3,
    sessionWindowMs: o.sessionWindowMs ?? 8000,
    assignmentBatchMs: o.assignmentBatchMs ?? 25,
    statusBatchMs: o.statusBatchMs ?? 10,
    viewPartEntities,
    tickMs: Math.min(500, Math.max(5, heartbeatPeriodMs / 10)),
  });
}
