/**
 * The object model: what every stored object has (`id`, `meta`) and the kinds the manager keeps.
 * Shapes follow swarmkit's `api/objects.proto`, trimmed to what Shoal uses: `spec` is what the user asked
 * for; the other fields are observed or allocated state. Objects must survive a JSON round trip (they
 * travel in Raft entries and snapshots as JSON): plain objects, arrays, strings, finite numbers, booleans.
 *
 * Objects read from the store are deeply frozen: copy (`structuredClone`) before changing one.
 */
import type { TaskState } from '../../lib/task-states.ts';

/** Optimistic-concurrency version of an object: the Raft index of the entry that last wrote it. */
export interface Version {
  index: number;
}

/** Bookkeeping every stored object carries. Times are milliseconds since the epoch, given by the writer. */
export interface Meta {
  /** Invariant: equals the index of the Raft entry that last created or updated the object. */
  version: Version;
  createdAt: number;
  updatedAt: number;
}

/** What every stored object has. A table holds objects of one kind, keyed by `id`. */
export interface StoreObject {
  id: string;
  meta: Meta;
}

/**
 * An object as a writer hands it to `create`: the store sets `meta` (version from the Raft index, times
 * from the transaction's `now`), so the writer may leave it out.
 */
export type NewObject<T extends StoreObject> = Omit<T, 'meta'> & { meta?: Meta };

/** A node's role: desired in `spec.desiredRole`, observed in `role`. */
export type NodeRole = 'manager' | 'worker';

/** Whether the scheduler may place tasks on a node: `pause` places none new, `drain` also moves them off. */
export type NodeAvailability = 'active' | 'pause' | 'drain';

/** A node's health as the dispatcher sees it (swarmkit `NodeStatus.State`). */
export type NodeState = 'unknown' | 'down' | 'ready' | 'disconnected';

/** Where a node's TLS certificate stands: `pending`/`renew` wait for the CA's signing loop. */
export type CertificateStatus = 'pending' | 'issued' | 'renew' | 'failed';

/** What the operator asks of a node. */
export interface NodeSpec {
  desiredRole: NodeRole;
  availability: NodeAvailability;
  labels: Record<string, string>;
}

/** A node's observed status, written by the dispatcher. */
export interface NodeStatus {
  state: NodeState;
  /** The address the node's agent connects from. */
  addr: string;
  message?: string;
}

/** What the node reports about itself. */
export interface NodeDescription {
  /** Not unique: two machines may share a hostname. */
  hostname: string;
}

/** Present while the node is a Raft member. */
export interface ManagerStatus {
  raftId: number;
  /** host:port where the manager serves Raft and the Control API. */
  addr: string;
}

/** The node's certificate and where its issuance stands. */
export interface NodeCertificate {
  status: CertificateStatus;
  certPem?: string;
  csrPem?: string;
}

/** A machine in the cluster (swarmkit `Node`). */
export interface Node extends StoreObject {
  spec: NodeSpec;
  role: NodeRole;
  status: NodeStatus;
  description: NodeDescription;
  managerStatus?: ManagerStatus;
  certificate: NodeCertificate;
  /** The node's leg on the ingress network (the routing mesh), given by the leader's allocator. */
  attachment?: NetworkAttachment;
}

/** What the operator asks of the cluster. */
export interface ClusterSpec {
  /** Unique among clusters; the one cluster object is named `default`. */
  name: string;
}

/** The cluster's root certificate authority. */
export interface RootCa {
  certPem: string;
  /**
   * The CA's private key sealed under the managers' key-encryption key, which is never in the store
   * (certs/sealed-key.ts; node/swarm-membership.ts says why).
   */
  keyEnc?: string;
  /**
   * The key in clear: only in cluster objects written before keys were sealed, until the leader seals
   * it (Manager.sealRootCaKey). Never written any more.
   */
  keyPem?: string;
  /** SHA-256 of the root certificate, as embedded in join tokens. */
  caDigest: string;
}

/** The current join tokens; rotating one leaves the other valid. */
export interface JoinTokens {
  worker: string;
  manager: string;
}

/** A certificate refused until it expires anyway: that of a removed node. */
export interface BlacklistedCertificate {
  expiresAt: number;
}

/** The cluster-wide object (swarmkit `Cluster`): CA, join tokens, refused certificates. */
export interface Cluster extends StoreObject {
  spec: ClusterSpec;
  rootCa: RootCa;
  joinTokens: JoinTokens;
  /** Keyed by node id. */
  blacklistedCertificates: Record<string, BlacklistedCertificate>;
  /** Where overlay subnets come from (`swarm init --default-addr-pool`); absent = the defaults. */
  addressPools?: AddressPools;
  /**
   * The range of every node's gateway bridge (`swarm init --gateway-subnet`), a CIDR such as
   * `172.18.0.0/16`: tasks' eth1 addresses. Absent (a cluster made before it was a setting) = 172.18.0.0/16.
   */
  gatewaySubnet?: string;
}

/** The cluster's address space for overlay subnets (swarmkit `Cluster.DefaultAddressPool`/`SubnetSize`). */
export interface AddressPools {
  /** CIDRs, carved in order. */
  pools: string[];
  /** The prefix length of each subnet carved from them. */
  subnetSize: number;
}

/** What the operator gives for a config (swarmkit `ConfigSpec`, without templating or drivers). */
export interface ConfigSpec {
  /** Unique among configs (compared case-insensitively, as swarmkit's name index does). */
  name: string;
  /** The content, base64-encoded: objects travel as JSON, which has no bytes. */
  data: string;
  labels: Record<string, string>;
}

/** A non-secret blob services can mount as a file (swarmkit `Config`, `docker config create`). */
export interface Config extends StoreObject {
  spec: ConfigSpec;
}

/** The only driver the cluster manages: node-local networks (bridge, host) are not store objects. */
export type NetworkDriver = 'overlay';

/** Addressing the user asks for (`--subnet`, `--gateway`); what is left out is allocated. */
export interface IpamSpec {
  /** An IPv4 CIDR such as `10.10.0.0/24`. Absent: the next free subnet of the default address pools. */
  subnet?: string;
  /** An address inside `subnet` (never without it). Absent: the subnet's first host address. */
  gateway?: string;
}

/** What the operator asks of a network (swarmkit `NetworkSpec`, overlay only, IPv4 only). */
export interface NetworkSpec {
  /** Unique among networks (compared case-insensitively). */
  name: string;
  labels: Record<string, string>;
  driver: NetworkDriver;
  /** Driver options, e.g. `com.docker.network.driver.overlay.vxlanid_list` to pin the VNI. */
  driverOptions: Record<string, string>;
  ipam?: IpamSpec;
  /** Standalone tasks (not of a service) may attach to it (`--attachable`). */
  attachable: boolean;
  /** No traffic leaves the network (`--internal`). */
  internal: boolean;
  /** The routing-mesh network; a cluster has at most one. */
  ingress: boolean;
}

/** What the allocator gave a network (swarmkit keeps it in `IPAM` and `DriverState`). */
export interface NetworkAllocation {
  /** IPv4 CIDR, e.g. `10.0.1.0/24`. */
  subnet: string;
  /** An address inside `subnet`, without prefix length, e.g. `10.0.1.1`. */
  gateway: string;
  /** The VXLAN ID. */
  vni: number;
  /**
   * The address the serial allocation handed out last (no prefix length); the next one is searched after
   * it, so a freed address is not reused at once. Absent: nothing handed out serially yet. Kept in the store
   * so that a new leader's pools continue exactly where the old leader's stopped.
   */
  lastAddress?: string;
}

/** An overlay network (swarmkit `Network`). */
export interface Network extends StoreObject {
  spec: NetworkSpec;
  /** Absent until the allocator gave the network its subnet, gateway and VNI. */
  allocation?: NetworkAllocation;
}

/** How many tasks a service runs: N replicas, or one per eligible node. */
export type ServiceMode = { replicated: { replicas: number } } | { global: Record<string, never> };

/** When a task that stopped is replaced (docker `--restart-condition`). */
export type RestartCondition = 'none' | 'on-failure' | 'any';

/** How the orchestrator replaces stopped tasks. */
export interface RestartPolicy {
  condition: RestartCondition;
  /** Pause before a replacement starts. */
  delayMs: number;
  /** Replacements per slot; 0 = unlimited. */
  maxAttempts: number;
}

/**
 * What every task of a service runs, and where (swarmkit `TaskSpec`, trimmed: a task is a process, not a
 * container, so there is no image: `command` is the program).
 */
export interface TaskSpec {
  /** The program and its first arguments (docker's entrypoint); never empty for a service's tasks. */
  command: string[];
  /** Further arguments, appended to `command`. */
  args: string[];
  /** `KEY=value` entries. */
  env: string[];
  /** Placement constraints such as `node.role==manager` or `node.labels.zone!=b`. */
  constraints: string[];
  restart: RestartPolicy;
  /** How long a task is given to stop after SIGTERM before it is killed. */
  stopGracePeriodMs: number;
}

/** A network a service's tasks attach to. */
export interface NetworkAttachmentConfig {
  /** The network's id (names are resolved to ids before the spec is stored). */
  target: string;
}

/** How a service name resolves: to one virtual IP per network, or to its tasks' IPs (DNS round robin). */
export type EndpointMode = 'vip' | 'dnsrr';

export type PortProtocol = 'tcp' | 'udp';

/** `ingress`: published on every node through the routing mesh; `host`: only on the nodes running a task. */
export type PublishMode = 'ingress' | 'host';

/** One exposed port (swarmkit `PortConfig`). */
export interface PortConfig {
  name?: string;
  protocol: PortProtocol;
  /** The port the task listens on, 1..65535. */
  targetPort: number;
  /** The port published outside; 0 in a spec = allocate one (ingress mode) or let the node pick (host mode). */
  publishedPort: number;
  publishMode: PublishMode;
}

/** How the service is reached. */
export interface EndpointSpec {
  mode: EndpointMode;
  ports: PortConfig[];
}

/** What a rolling update does when a new task fails. */
export type UpdateFailureAction = 'pause' | 'continue' | 'rollback';

/** Whether an old task stops before its replacement starts or after. */
export type UpdateOrder = 'stop-first' | 'start-first';

/** How a spec change rolls out over the tasks (swarmkit `UpdateConfig`). */
export interface UpdateConfig {
  /** Tasks updated at once; 0 = all. */
  parallelism: number;
  /** Pause between batches. */
  delayMs: number;
  failureAction: UpdateFailureAction;
  /** How long a new task is watched for failure after it starts. */
  monitorMs: number;
  /** Fraction (0..1) of failed tasks tolerated before `failureAction`. */
  maxFailureRatio: number;
  order: UpdateOrder;
}

/** What the operator asks of a service (swarmkit `ServiceSpec`). */
export interface ServiceSpec {
  /** Unique among services (compared case-insensitively); also its DNS name. */
  name: string;
  labels: Record<string, string>;
  mode: ServiceMode;
  task: TaskSpec;
  networks: NetworkAttachmentConfig[];
  endpoint: EndpointSpec;
  update: UpdateConfig;
}

/** A service's address on one network. */
export interface VirtualIp {
  networkId: string;
  /** CIDR notation, e.g. `10.0.1.2/24`. */
  addr: string;
}

/** What the allocator gave a service (or a task, as a copy of its service's). */
export interface Endpoint {
  /** The spec's ports, with the published port of ingress-mode ports filled in. */
  ports: PortConfig[];
  /** One per network for endpoint mode `vip` (the ingress network first when a port is published there); none for `dnsrr`. */
  virtualIPs: VirtualIp[];
}

/**
 * Where a rolling update stands (swarmkit `UpdateStatus.State`). `paused` and `rollback_paused` are final
 * until the operator changes the spec again (the Control API then clears `updateStatus`).
 */
export type UpdateState =
  'updating' | 'paused' | 'completed' | 'rollback_started' | 'rollback_paused' | 'rollback_completed';

/**
 * The progress of the last rolling update of a service (swarmkit `UpdateStatus`). The orchestrator writes
 * it; the Control API clears it whenever it changes a service's spec, so that the next pass starts a new update.
 */
export interface UpdateStatus {
  state: UpdateState;
  /**
   * When this update (or rollback) started. Invariant: the update's own tasks are the service's tasks with
   * the current spec created at or after this time; the progress (slots in flight, failures, the delay
   * between batches) is derived from them, nothing else is kept.
   */
  startedAt: number;
  /** When it completed; absent until then. */
  completedAt?: number;
  /** Swarm's texts: `update in progress`, `update completed`, `update paused due to failure or early termination of task <id>`, … */
  message: string;
}

/** A declared workload (swarmkit `Service`). */
export interface Service extends StoreObject {
  spec: ServiceSpec;
  /** The spec before the last update, for rollback. */
  previousSpec?: ServiceSpec;
  /** Absent until the allocator has given the service its VIPs and published ports. */
  endpoint?: Endpoint;
  /** Absent: no update ran since the last spec change. */
  updateStatus?: UpdateStatus;
}

/** A task's lifecycle (swarmkit `TaskState`): the list is lib/task-states.ts, shared with the agent. */
export type { TaskState };

/** A task's observed state, written by the manager's reconcilers and the agent running it. */
export interface TaskStatus {
  state: TaskState;
  /** When the state was reached (ms since the epoch). */
  timestamp: number;
  message?: string;
  /** Why the task failed, if it did. */
  err?: string;
  /**
   * When the task was first recorded running (the agent's clock, as `timestamp`), kept by the states that
   * follow; absent for a task never recorded running. A rolling update's monitor period starts here.
   */
  startedAt?: number;
}

/** A task's leg on one network. */
export interface NetworkAttachment {
  networkId: string;
  /** CIDR notation, e.g. `10.0.1.3/24`; empty until allocated. */
  addresses: string[];
}

/** One instance of a service, or a standalone attachment to an attachable network (swarmkit `Task`). */
export interface Task extends StoreObject {
  /** '' for a standalone attachment. */
  serviceId: string;
  /** 1..N for replicated services; 0 for global services and attachments. */
  slot: number;
  /** '' until scheduled. */
  nodeId: string;
  desiredState: TaskState;
  status: TaskStatus;
  /** The service's task template when the task was made. */
  spec: TaskSpec;
  networks: NetworkAttachment[];
  /** A copy of the service's endpoint, for the agent's load balancing. */
  endpoint?: Endpoint;
  /** Present for a standalone attachment (`shoal run --network N --name NAME`). */
  standalone?: { name: string };
}

/**
 * Says what is wrong with `value` as a stored object (a non-empty string `id`; `meta` with an integer
 * version and finite times), or returns undefined if nothing is. Used where objects enter the store from
 * outside a transaction: applied actions and restored snapshots.
 */
export function storeObjectProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'object is not a plain object';
  if (typeof value['id'] !== 'string' || value['id'] === '') return 'object has no id';
  const meta = value['meta'];
  if (!isRecord(meta)) return 'object has no meta';
  const version = meta['version'];
  if (!isRecord(version) || !Number.isSafeInteger(version['index']))
    return 'object meta has no version index';
  if (!Number.isFinite(meta['createdAt']) || !Number.isFinite(meta['updatedAt'])) {
    return 'object meta has no createdAt/updatedAt';
  }
  return undefined;
}

/** True for a non-null, non-array object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
