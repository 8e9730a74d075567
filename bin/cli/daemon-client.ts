/**
 * The CLI's connection to shoald: typed Swarm and Control clients over the daemon's unix socket.
 * The socket uses insecure credentials on purpose: as with dockerd's socket, its file mode is the
 * access control, and the peer is always this host's own daemon.
 */
import * as grpc from '@grpc/grpc-js';
import { resolve } from 'node:path';
import type {
  WireNetwork,
  WireNetworkSpec,
  WireNode,
  WireService,
  WireServiceSpec,
  WireTask,
} from '../../proto/control-types.ts';
import { clientOf, loadShoalPackage, TRUSTED_PEER_CHANNEL, unaryCall } from '../../proto/load.ts';

export type { WireNetwork, WireNetworkSpec, WireNode };

/** The cluster object (`shoal.v1.Cluster`): its join tokens above all. */
export interface WireCluster {
  id: string;
  name: string;
  workerToken: string;
  managerToken: string;
  caDigest: string;
  createdAt: number;
  /** The range of every node's gateway bridge (`swarm init --gateway-subnet`). */
  gatewaySubnet: string;
}

/** `Swarm.Init`'s request; empty strings let the daemon choose. */
export interface InitRequest {
  advertiseAddr: string;
  listenAddr: string;
  /** `--default-addr-pool`; empty = the default pool. */
  defaultAddrPool: string[];
  /** `--default-addr-pool-mask-length`; 0 = the default (24). */
  defaultAddrPoolMaskLength: number;
  /** `--gateway-subnet`; '' = the default (172.18.0.0/16). */
  gatewaySubnet: string;
  /** `--force-new-cluster`: a manager whose cluster lost its quorum goes on alone, with its state. */
  forceNewCluster: boolean;
}

/** Task filters of `Control.ListTasks`; empty lists do not filter. */
export interface TaskFilters {
  serviceIds: string[];
  nodeIds: string[];
  desiredStates: string[];
}

/** `Swarm.Init`'s reply. */
export interface InitResponse {
  nodeId: string;
  workerToken: string;
  managerToken: string;
  /** host:port the join commands name. */
  addr: string;
}

/** `Swarm.Join`'s request. */
export interface JoinRequest {
  token: string;
  remoteAddr: string;
  advertiseAddr: string;
  listenAddr: string;
}

/** `Swarm.Join`'s reply. */
export interface JoinResponse {
  nodeId: string;
  role: string;
}

/** `Swarm.Info`'s reply: what this daemon is in the swarm. */
export interface SwarmInfo {
  /** `inactive` or `active`. */
  state: string;
  nodeId: string;
  isManager: boolean;
  clusterId: string;
  /** host:port of this manager, as join commands name it. */
  addr: string;
}

/** `Control.UpdateNode`'s request; empty strings and collections leave a field as it is. */
export interface UpdateNodeRequest {
  nodeId: string;
  /** The version read before; 0 means "the current one". */
  version: number;
  desiredRole: string;
  availability: string;
  labelAdd: Record<string, string>;
  labelRm: string[];
}

/** The daemon answered with an error status; `details` is its message, shown to the user as is. */
export class DaemonError extends Error {
  override readonly name = 'DaemonError';
  constructor(
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(`Error response from daemon: ${details}`);
  }
}

/** No daemon answers on the socket (absent, refused or not ours to open). */
export class DaemonUnreachableError extends Error {
  override readonly name = 'DaemonUnreachableError';
  constructor(
    readonly socketPath: string,
    /** grpc-js' account of the failed connection (ENOENT, ECONNREFUSED, EACCES…). */
    readonly reason: string,
  ) {
    super(
      /\bEACCES\b/.test(reason)
        ? `permission denied while trying to connect to the shoal daemon socket at unix://${socketPath}`
        : `Cannot connect to the shoal daemon at unix://${socketPath}. Is shoald running?`,
    );
  }
}

/** A `--host`/`SHOAL_HOST` value that is not a `unix://` address. */
export class InvalidHostError extends Error {
  override readonly name = 'InvalidHostError';
}

/**
 * The socket path named by a docker-style host (`unix:///var/run/shoald.sock`), made absolute.
 * Throws InvalidHostError for anything else: only the local socket is served without certificates.
 */
export function socketPathOfHost(host: string): string {
  const m = /^unix:\/\/(.+)$/.exec(host);
  if (m?.[1] === undefined) {
    throw new InvalidHostError(`invalid host "${host}": use unix:///path/to/shoald.sock`);
  }
  return resolve(m[1]);
}

// Loaded once per process: parsing the proto is the slow part of a CLI start.
let controlPkg: grpc.GrpcObject | undefined;

/** Typed Swarm and Control clients over one daemon socket. Call `close()` when done. */
export class DaemonClient {
  private constructor(
    readonly socketPath: string,
    private readonly swarm: grpc.Client,
    private readonly control: grpc.Client,
  ) {}

  /** Clients for the daemon at `socketPath`; nothing connects until the first call. */
  static connect(socketPath: string): DaemonClient {
    controlPkg ??= loadShoalPackage('control.proto');
    const target = `unix:${socketPath}`;
    const creds = grpc.credentials.createInsecure();
    const swarm = new (clientOf(controlPkg, 'Swarm'))(target, creds, TRUSTED_PEER_CHANNEL);
    // One channel for both services: one connection, one failure to report.
    const control = new (clientOf(controlPkg, 'Control'))(target, creds, {
      channelOverride: swarm.getChannel(),
    });
    return new DaemonClient(socketPath, swarm, control);
  }

  /** `Swarm.Init`: makes this daemon the first manager of a new swarm. */
  init(req: InitRequest): Promise<InitResponse> {
    return this.call(this.swarm, 'Init', req);
  }

  /** `Swarm.Join`: joins this daemon to the swarm reachable at `req.remoteAddr`. */
  join(req: JoinRequest): Promise<JoinResponse> {
    return this.call(this.swarm, 'Join', req);
  }

  /** `Swarm.Leave`. */
  async leave(force: boolean): Promise<void> {
    await this.call(this.swarm, 'Leave', { force });
  }

  /** `Swarm.Info`: this daemon's place in the swarm. */
  info(): Promise<SwarmInfo> {
    return this.call(this.swarm, 'Info', {});
  }

  /** `Control.ListNodes`. */
  async listNodes(): Promise<WireNode[]> {
    const res = await this.call<{ nodes: WireNode[] }>(this.control, 'ListNodes', {});
    return res.nodes;
  }

  /** `Control.GetNode`: by ID, unique ID prefix or hostname. */
  async getNode(nodeId: string): Promise<WireNode> {
    const res = await this.call<{ node: WireNode | null }>(this.control, 'GetNode', { nodeId });
    return present(res.node, 'GetNode');
  }

  /** `Control.UpdateNode`. */
  async updateNode(req: UpdateNodeRequest): Promise<WireNode> {
    const res = await this.call<{ node: WireNode | null }>(this.control, 'UpdateNode', req);
    return present(res.node, 'UpdateNode');
  }

  /** `Control.RemoveNode`. */
  async removeNode(nodeId: string, force: boolean): Promise<void> {
    await this.call(this.control, 'RemoveNode', { nodeId, force });
  }

  /** `Control.GetCluster`. */
  async getCluster(): Promise<WireCluster> {
    const res = await this.call<{ cluster: WireCluster | null }>(this.control, 'GetCluster', {});
    return present(res.cluster, 'GetCluster');
  }

  /** `Control.RotateJoinToken`: a new token for `role`; the cluster as it is afterwards. */
  async rotateJoinToken(role: 'worker' | 'manager'): Promise<WireCluster> {
    const res = await this.call<{ cluster: WireCluster | null }>(this.control, 'RotateJoinToken', { role });
    return present(res.cluster, 'RotateJoinToken');
  }

  /** `Control.CreateNetwork`: the network as created, with its allocation. */
  async createNetwork(spec: WireNetworkSpec): Promise<WireNetwork> {
    const res = await this.call<{ network: WireNetwork | null }>(this.control, 'CreateNetwork', { spec });
    return present(res.network, 'CreateNetwork');
  }

  /** `Control.GetNetwork`: by ID, name or unique ID prefix. */
  async getNetwork(networkId: string): Promise<WireNetwork> {
    const res = await this.call<{ network: WireNetwork | null }>(this.control, 'GetNetwork', { networkId });
    return present(res.network, 'GetNetwork');
  }

  /** `Control.ListNetworks`: every network. */
  async listNetworks(): Promise<WireNetwork[]> {
    const res = await this.call<{ networks: WireNetwork[] }>(this.control, 'ListNetworks', {});
    return res.networks;
  }

  /** `Control.RemoveNetwork`: by ID, name or unique ID prefix. */
  async removeNetwork(networkId: string): Promise<void> {
    await this.call(this.control, 'RemoveNetwork', { networkId });
  }

  /** `Control.CreateService`: the service as created, with its allocation. */
  async createService(spec: WireServiceSpec): Promise<WireService> {
    const res = await this.call<{ service: WireService | null }>(this.control, 'CreateService', { spec });
    return present(res.service, 'CreateService');
  }

  /** `Control.GetService`: by ID, name or unique ID prefix. */
  async getService(serviceId: string): Promise<WireService> {
    const res = await this.call<{ service: WireService | null }>(this.control, 'GetService', { serviceId });
    return present(res.service, 'GetService');
  }

  /** `Control.ListServices`: every service. */
  async listServices(): Promise<WireService[]> {
    return (await this.call<{ services: WireService[] }>(this.control, 'ListServices', {})).services;
  }

  /** `Control.UpdateService`: the whole new spec, against the version read. */
  async updateService(serviceId: string, version: number, spec: WireServiceSpec): Promise<WireService> {
    const req = { serviceId, version, spec };
    const res = await this.call<{ service: WireService | null }>(this.control, 'UpdateService', req);
    return present(res.service, 'UpdateService');
  }

  /** `Control.RemoveService`: by ID, name or unique ID prefix. */
  async removeService(serviceId: string): Promise<void> {
    await this.call(this.control, 'RemoveService', { serviceId });
  }

  /** `Control.GetTask`: by ID or unique ID prefix. */
  async getTask(taskId: string): Promise<WireTask> {
    const res = await this.call<{ task: WireTask | null }>(this.control, 'GetTask', { taskId });
    return present(res.task, 'GetTask');
  }

  /** `Control.ListTasks`. */
  async listTasks(filters: Partial<TaskFilters>): Promise<WireTask[]> {
    const req = { filters: { serviceIds: [], nodeIds: [], desiredStates: [], ...filters } };
    return (await this.call<{ tasks: WireTask[] }>(this.control, 'ListTasks', req)).tasks;
  }

  /** Closes both clients and their shared channel. */
  close(): void {
    this.control.close();
    this.swarm.close();
  }

  private call<Res>(client: grpc.Client, method: string, req: object): Promise<Res> {
    return unaryCall<Res>(client, method, req).catch((err: unknown) => {
      throw isServiceError(err) ? this.toError(err) : err;
    });
  }

  private toError(err: grpc.ServiceError): Error {
    return daemonErrorOf(this.socketPath, err, this.swarm.getChannel());
  }
}

/**
 * Tells "nobody is listening" apart from a daemon's own UNAVAILABLE (no Raft leader, a remote manager it
 * could not reach): only a local channel that is not connected, with grpc-js' own "No connection
 * established", means the daemon's socket failed. A daemon's answer came over a connected channel,
 * whatever its text says.
 */
function daemonErrorOf(socketPath: string, err: grpc.ServiceError, channel: grpc.ChannelInterface): Error {
  if (
    err.code === grpc.status.UNAVAILABLE &&
    channel.getConnectivityState(false) !== grpc.connectivityState.READY &&
    err.details.startsWith('No connection established')
  ) {
    return new DaemonUnreachableError(socketPath, err.details);
  }
  return new DaemonError(err.code, err.details);
}

const streamPkgs = new Map<string, grpc.GrpcObject>();

/**
 * Calls a server-streaming method of `service` (from `protoFile`) on the daemon's socket, handing each
 * message to `onMessage`; resolves when the stream ends, rejects with the CLI's errors.
 */
export function daemonStream<T>(
  socketPath: string,
  protoFile: string,
  service: string,
  method: string,
  req: object,
  onMessage: (m: T) => void,
): Promise<void> {
  let pkg = streamPkgs.get(protoFile);
  if (pkg === undefined) streamPkgs.set(protoFile, (pkg = loadShoalPackage(protoFile)));
  const client = new (clientOf(pkg, service))(
    `unix:${socketPath}`,
    grpc.credentials.createInsecure(),
    TRUSTED_PEER_CHANNEL,
  );
  const fn = (client as unknown as Record<string, (r: object) => grpc.ClientReadableStream<T>>)[method];
  if (fn === undefined) return Promise.reject(new Error(`proto: no method ${method}`));
  const call = fn.call(client, req);
  return new Promise<void>((resolve, reject) => {
    call.on('data', onMessage);
    call.on('error', (err: grpc.ServiceError) => reject(daemonErrorOf(socketPath, err, client.getChannel())));
    call.on('end', () => resolve());
  }).finally(() => client.close());
}

// proto3 sends absent sub-messages as null; a reply without its one payload is a daemon bug.
function present<T>(value: T | null | undefined, method: string): T {
  if (value === null || value === undefined) throw new Error(`the daemon's ${method} reply was empty`);
  return value;
}

function isServiceError(err: unknown): err is grpc.ServiceError {
  return err instanceof Error && typeof (err as Partial<grpc.ServiceError>).code === 'number';
}
