/**
 * The object model: what every stored object has (`id`, `meta`) and the kinds the manager keeps.
 * Shapes follow swarmkit's `api/objects.proto`, trimmed to what Shoal uses: `spec` is what the user asked
 * for; the other fields are observed or allocated state. Objects must survive a JSON round trip (they
 * travel in Raft entries and snapshots as JSON): plain objects, arrays, strings, finite numbers, booleans.
 *
 * Objects read from the store are deeply frozen: copy (`structuredClone`) before changing one.
 */

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
}

/** What the operator asks of the cluster. */
export interface ClusterSpec {
  /** Unique among clusters; the one cluster object is named `default`. */
  name: string;
}

/** The cluster's root certificate authority. */
export interface RootCa {
  certPem: string;
  keyPem: string;
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
