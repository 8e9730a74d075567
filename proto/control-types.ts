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

/** One exposed port (`shoal.v1.PortConfig`); empty strings = the default (tcp, ingress). */
export interface WirePortConfig {
  name: string;
  protocol: string;
  targetPort: number;
  publishedPort: number;
  publishMode: string;
}

/** `shoal.v1.EndpointSpec`; an empty mode = vip. */
export interface WireEndpointSpec {
  mode: string;
  ports: WirePortConfig[];
}

/** `shoal.v1.RestartPolicy`: taken as given when present (an empty condition = any). */
export interface WireRestartPolicy {
  condition: string;
  delayMs: number;
  maxAttempts: number;
}

/** `shoal.v1.UpdateConfig`: taken as given when present, except empty strings and a 0 monitor (Swarm's defaults). */
export interface WireUpdateConfig {
  parallelism: number;
  delayMs: number;
  failureAction: string;
  monitorMs: number;
  maxFailureRatio: number;
  order: string;
}

/** `shoal.v1.TaskSpec`; a null restart and a 0 grace period = Swarm's defaults. */
export interface WireTaskSpec {
  command: string[];
  args: string[];
  env: string[];
  constraints: string[];
  restart: WireRestartPolicy | null;
  stopGracePeriodMs: number;
}

/** A service's spec as the Control API carries it (`shoal.v1.ServiceSpec`); null/empty = the default. */
export interface WireServiceSpec {
  name: string;
  labels: Record<string, string>;
  /** `replicated` or `global`; empty = replicated. */
  mode: string;
  /** Replicated mode: as given (0 = none). Global mode: 0. */
  replicas: number;
  task: WireTaskSpec | null;
  /** Network IDs, names or unique ID prefixes in requests; IDs in replies. */
  networks: string[];
  endpoint: WireEndpointSpec | null;
  update: WireUpdateConfig | null;
}

/** A service's address on one network (`shoal.v1.VirtualIP`). */
export interface WireVirtualIp {
  networkId: string;
  addr: string;
}

/** What the allocator gave a service (`shoal.v1.Endpoint`). */
export interface WireEndpoint {
  ports: WirePortConfig[];
  virtualIps: WireVirtualIp[];
}

/** A service as the Control API sends it (`shoal.v1.Service`). */
export interface WireService {
  id: string;
  version: number;
  spec: WireServiceSpec;
  previousSpec: WireServiceSpec | null;
  endpoint: WireEndpoint | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Milliseconds since the epoch. */
  updatedAt: number;
  updateStatus: WireUpdateStatus | null;
}

/** The last rolling update's progress (`shoal.v1.UpdateStatus`); times in ms since the epoch, 0 = not yet. */
export interface WireUpdateStatus {
  state: string;
  startedAt: number;
  completedAt: number;
  message: string;
}

/** A task's observed state (`shoal.v1.TaskStatus`); empty strings = none. */
export interface WireTaskStatus {
  state: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  message: string;
  err: string;
}

/** A task's leg on one network (`shoal.v1.NetworkAttachment`). */
export interface WireNetworkAttachment {
  networkId: string;
  /** CIDRs; empty until allocated. */
  addresses: string[];
}

/** A task as the Control API sends it (`shoal.v1.Task`). */
export interface WireTask {
  id: string;
  version: number;
  serviceId: string;
  slot: number;
  nodeId: string;
  desiredState: string;
  status: WireTaskStatus;
  spec: WireTaskSpec;
  networks: WireNetworkAttachment[];
  /** null for a standalone attachment. */
  endpoint: WireEndpoint | null;
  createdAt: number;
  updatedAt: number;
}
