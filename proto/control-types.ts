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

/** A network's spec as the Control API carries it (`shoal.v1.NetworkSpec`); empty strings = not given. */
export interface WireNetworkSpec {
  name: string;
  labels: Record<string, string>;
  /** `overlay`; empty = overlay. */
  driver: string;
  driverOptions: Record<string, string>;
  subnet: string;
  gateway: string;
  attachable: boolean;
  internal: boolean;
  ingress: boolean;
}

/** What the allocator gave a network (`shoal.v1.NetworkAllocation`). */
export interface WireNetworkAllocation {
  subnet: string;
  gateway: string;
  vni: number;
}

/** A network as the Control API sends it (`shoal.v1.Network`). */
export interface WireNetwork {
  id: string;
  version: number;
  spec: WireNetworkSpec;
  /** null until allocated. */
  allocation: WireNetworkAllocation | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Milliseconds since the epoch. */
  updatedAt: number;
}
