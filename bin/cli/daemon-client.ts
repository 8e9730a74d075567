/**
 * The CLI's connection to shoald: typed Swarm and Control clients over the daemon's unix socket.
 * The socket uses insecure credentials on purpose: as with dockerd's socket, its file mode is the
 * access control, and the peer is always this host's own daemon.
 */
import * as grpc from '@grpc/grpc-js';
import { resolve } from 'node:path';
import type {
  Present,
  WireNetwork,
  WireNetworkSpec,
  WireNode,
  WireService,
  WireServiceSpec,
  WireTask,
} from '../../proto/control-types.ts';
import type { Cluster__Output } from '../../proto/gen/shoal/v1/Cluster.ts';
import type { ControlClient } from '../../proto/gen/shoal/v1/Control.ts';
import type { InfoResponse__Output } from '../../proto/gen/shoal/v1/InfoResponse.ts';
import type { InitRequest__Output } from '../../proto/gen/shoal/v1/InitRequest.ts';
import type { InitResponse__Output } from '../../proto/gen/shoal/v1/InitResponse.ts';
import type { JoinRequest__Output } from '../../proto/gen/shoal/v1/JoinRequest.ts';
import type { JoinResponse__Output } from '../../proto/gen/shoal/v1/JoinResponse.ts';
import type { _shoal_v1_ListTasksRequest_Filters__Output as ListTasksFilters } from '../../proto/gen/shoal/v1/ListTasksRequest.ts';
import type { SwarmClient } from '../../proto/gen/shoal/v1/Swarm.ts';
import type { UpdateNodeRequest__Output } from '../../proto/gen/shoal/v1/UpdateNodeRequest.ts';
import {
  clientOf,
  loadShoalPackage,
  TRUSTED_PEER_CHANNEL,
  unaryCall,
  type ClientOf,
  type ProtoFile,
  type ReplyOf,
  type RequestOf,
  type ServiceName,
  type ShoalPackages,
  type StreamMessageOf,
  type StreamMethod,
  type StreamRequestOf,
  type UnaryMethod,
} from '../../proto/load.ts';

export type { WireNetwork, WireNetworkSpec, WireNode };

/** The cluster object (`shoal.v1.Cluster`): its join tokens above all. */
export type WireCluster = Cluster__Output;
/** `Swarm.Init`'s request; empty strings let the daemon choose. */
export type InitRequest = InitRequest__Output;
/** Task filters of `Control.ListTasks`; empty lists do not filter. */
export type TaskFilters = ListTasksFilters;
export type InitResponse = InitResponse__Output;
export type JoinRequest = JoinRequest__Output;
export type JoinResponse = JoinResponse__Output;
/** `Swarm.Info`'s reply: what this daemon is in the swarm. */
export type SwarmInfo = InfoResponse__Output;
/** `Control.UpdateNode`'s request; empty strings and collections leave a field as it is. */
export type UpdateNodeRequest = UpdateNodeRequest__Output;

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
let controlPkg: ShoalPackages['control.proto'] | undefined;

/** Typed Swarm and Control clients over one daemon socket. Call `close()` when done. */
export class DaemonClient {
  private constructor(
    readonly socketPath: string,
    private readonly swarm: SwarmClient,
    private readonly control: ControlClient,
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
    const res = await this.call(this.control, 'ListNodes', {});
    return res.nodes;
  }

  /** `Control.GetNode`: by ID, unique ID prefix or hostname. */
  async getNode(nodeId: string): Promise<WireNode> {
    const res = await this.call(this.control, 'GetNode', { nodeId });
    return present(res.node, 'GetNode');
  }

  /** `Control.UpdateNode`. */
  async updateNode(req: UpdateNodeRequest): Promise<WireNode> {
    const res = await this.call(this.control, 'UpdateNode', req);
    return present(res.node, 'UpdateNode');
  }

  /** `Control.RemoveNode`. */
  async removeNode(nodeId: string, force: boolean): Promise<void> {
    await this.call(this.control, 'RemoveNode', { nodeId, force });
  }

  /** `Control.GetCluster`. */
  async getCluster(): Promise<WireCluster> {
    const res = await this.call(this.control, 'GetCluster', {});
    return present(res.cluster, 'GetCluster');
  }

  /** `Control.RotateJoinToken`: a new token for `role`; the cluster as it is afterwards. */
  async rotateJoinToken(role: 'worker' | 'manager'): Promise<WireCluster> {
    const res = await this.call(this.control, 'RotateJoinToken', { role });
    return present(res.cluster, 'RotateJoinToken');
  }

  /** `Control.CreateNetwork`: the network as created, with its allocation. */
  async createNetwork(spec: WireNetworkSpec): Promise<WireNetwork> {
    const res = await this.call(this.control, 'CreateNetwork', { spec });
    return complete(present(res.network, 'CreateNetwork'), ['spec'], 'CreateNetwork');
  }

  /** `Control.GetNetwork`: by ID, name or unique ID prefix. */
  async getNetwork(networkId: string): Promise<WireNetwork> {
    const res = await this.call(this.control, 'GetNetwork', { networkId });
    return complete(present(res.network, 'GetNetwork'), ['spec'], 'GetNetwork');
  }

  /** `Control.ListNetworks`: every network. */
  async listNetworks(): Promise<WireNetwork[]> {
    const res = await this.call(this.control, 'ListNetworks', {});
    return res.networks.map(n => complete(n, ['spec'], 'ListNetworks'));
  }

  /** `Control.RemoveNetwork`: by ID, name or unique ID prefix. */
  async removeNetwork(networkId: string): Promise<void> {
    await this.call(this.control, 'RemoveNetwork', { networkId });
  }

  /** `Control.CreateService`: the service as created, with its allocation. */
  async createService(spec: WireServiceSpec): Promise<WireService> {
    const res = await this.call(this.control, 'CreateService', { spec });
    return complete(present(res.service, 'CreateService'), ['spec'], 'CreateService');
  }

  /** `Control.GetService`: by ID, name or unique ID prefix. */
  async getService(serviceId: string): Promise<WireService> {
    const res = await this.call(this.control, 'GetService', { serviceId });
    return complete(present(res.service, 'GetService'), ['spec'], 'GetService');
  }

  /** `Control.ListServices`: every service. */
  async listServices(): Promise<WireService[]> {
    const res = await this.call(this.control, 'ListServices', {});
    return res.services.map(v => complete(v, ['spec'], 'ListServices'));
  }

  /** `Control.UpdateService`: the whole new spec, against the version read. */
  async updateService(serviceId: string, version: number, spec: WireServiceSpec): Promise<WireService> {
    const req = { serviceId, version, spec };
    const res = await this.call(this.control, 'UpdateService', req);
    return complete(present(res.service, 'UpdateService'), ['spec'], 'UpdateService');
  }

  /** `Control.RemoveService`: by ID, name or unique ID prefix. */
  async removeService(serviceId: string): Promise<void> {
    await this.call(this.control, 'RemoveService', { serviceId });
  }

  /** `Control.GetTask`: by ID or unique ID prefix. */
  async getTask(taskId: string): Promise<WireTask> {
    const res = await this.call(this.control, 'GetTask', { taskId });
    return complete(present(res.task, 'GetTask'), ['spec', 'status'], 'GetTask');
  }

  /** `Control.ListTasks`. */
  async listTasks(filters: Partial<TaskFilters>): Promise<WireTask[]> {
    const req = { filters: { serviceIds: [], nodeIds: [], desiredStates: [], ...filters } };
    const res = await this.call(this.control, 'ListTasks', req);
    return res.tasks.map(t => complete(t, ['spec', 'status'], 'ListTasks'));
  }

  /** Closes both clients and their shared channel. */
  close(): void {
    this.control.close();
    this.swarm.close();
  }

  private call<C extends grpc.Client, M extends UnaryMethod<C>>(
    client: C,
    method: M,
    req: RequestOf<C[M]>,
  ): Promise<ReplyOf<C[M]>> {
    return unaryCall(client, method, req).catch((err: unknown) => {
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

const streamPkgs = new Map<ProtoFile, ShoalPackages[ProtoFile]>();

/**
 * Calls a server-streaming method of `service` (from `protoFile`) on the daemon's socket, handing each
 * message to `onMessage`; resolves when the stream ends, rejects with the CLI's errors.
 */
export function daemonStream<
  F extends ProtoFile,
  S extends ServiceName<ShoalPackages[F]>,
  M extends StreamMethod<ClientOf<ShoalPackages[F], S>>,
>(
  socketPath: string,
  protoFile: F,
  service: S,
  method: M,
  req: StreamRequestOf<ClientOf<ShoalPackages[F], S>[M]>,
  onMessage: (m: StreamMessageOf<ClientOf<ShoalPackages[F], S>[M]>) => void,
): Promise<void> {
  // The cache holds each file's own package (set just below).
  let pkg = streamPkgs.get(protoFile) as ShoalPackages[F] | undefined;
  if (pkg === undefined) streamPkgs.set(protoFile, (pkg = loadShoalPackage(protoFile)));
  const client = new (clientOf(pkg, service))(
    `unix:${socketPath}`,
    grpc.credentials.createInsecure(),
    TRUSTED_PEER_CHANNEL,
  );
  // Looked up by name: `method` is one of this client's streaming methods (its type says so).
  type Fn = (r: typeof req) => grpc.ClientReadableStream<Parameters<typeof onMessage>[0]>;
  const fn = (client as unknown as Record<string, Fn | undefined>)[method];
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

/** `o` with the message fields `keys` the daemon always sets checked there (proto3 cannot require them). */
function complete<T, K extends keyof T>(o: T, keys: readonly K[], method: string): Present<T, K> {
  for (const k of keys) {
    if (o[k] === null || o[k] === undefined)
      throw new Error(`the daemon's ${method} reply lacks ${String(k)}`);
  }
  return o as Present<T, K>;
}

function isServiceError(err: unknown): err is grpc.ServiceError {
  return err instanceof Error && typeof (err as Partial<grpc.ServiceError>).code === 'number';
}
