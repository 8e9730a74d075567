/** Shapes of Control API messages as proto-loader delivers them (longs as numbers), shared by server and CLI. */

/** A cluster node as the Control API sends it (`shoal.v1.Node`). */
export interface WireNode {
  id: string;
  version: number;
  hostname: string;
  /** `manager` or `worker`. */
  role: string;
  /** `active`, `pause` or `drain`. */
  availability: string;
  /** `unknown`, `down`, `ready` or `disconnected`. */
  status: string;
  addr: string;
  /** `leader`, `reachable`, `unreachable`, or empty for workers. */
  managerStatus: string;
  labels: Record<string, string>;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Milliseconds since the epoch. */
  updatedAt: number;
}
