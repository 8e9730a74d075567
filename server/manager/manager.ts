/**
 * A manager: the Raft member, the replicated store over it, and the gRPC server on the manager port
 * (mTLS; the CA bootstrap calls need no client certificate, everything else is checked against the
 * method → roles table). This module composes the parts; each part holds its own logic.
 */
import type { ControlHandlers } from '../../proto/gen/shoal/v1/Control.ts';
import type { LogsHandlers } from '../../proto/gen/shoal/v1/Logs.ts';
import type * as grpc from '@grpc/grpc-js';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { caDigest, createJoinToken, randomNodeId, sealRootCaKey } from '../../certs/index.ts';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { loadAllDefinitions } from '../../proto/load.ts';
import { guardInterceptor, MAX_MESSAGE_BYTES } from '../ca/authorize.ts';
import { registerCa } from '../ca/ca-server.ts';
import type { KekSource } from '../ca/root-ca-key.ts';
import { NodeCertificateProvider } from '../ca/certificate-provider.ts';
import { ingressNetworkSpec } from '../allocator/index.ts';
import { controlHandlers, controlService } from '../controlapi/control-server.ts';
import { Dispatcher, dispatcherService } from '../dispatcher/dispatcher.ts';
import type { DispatcherOptions } from '../dispatcher/dispatcher-options.ts';
import { LogBroker, logBrokerService, logsService } from '../logbroker/log-broker.ts';
import { TaskPipeline } from '../leader/task-pipeline.ts';
import { LeaderAllocator } from '../leader/leader-allocator.ts';
import { Leadership } from '../leader/leadership.ts';
import { RoleManager } from '../ca/role-manager.ts';
import { ManagerPort, type ManagerPortOptions } from './manager-port.ts';
import { LeaderForwarder, LeaderForwardingServer } from '../rpc/forward.ts';
import { resourceHandlers, resourceService } from '../resourceapi/attachment-server.ts';
import { PreconditionError } from '../../lib/errors.ts';
import { checkMemberOfLog, forceNewCluster } from '../raft/index.ts';
import { LevelStorage } from '../raftnode/level-storage.ts';
import { RaftNode } from '../raftnode/raft-node.ts';
import { storeSenderCheck } from '../raftnode/sender-check.ts';
import { RaftTransport } from '../raftnode/transport.ts';
import {
  createCluster,
  createNetwork,
  createNode,
  decodeStoreActions,
  deleteNode,
  getNode,
  encodeStoreActions,
  DEFAULT_CLUSTER_NAME,
  findClusters,
  MemoryStore,
  updateCluster,
  type AddressPools,
  type Network,
  type NewObject,
  type Node,
  type ProposalResult,
  type Tx,
} from '../store/index.ts';
import { messageOf } from '../../lib/message-of.ts';

/** What a manager must know about itself to (re)start. Persisted by shoald next to the data. */
export interface ManagerIdentity {
  nodeId: string;
  raftId: number;
  clusterId: string;
  hostname: string;
  /** host:port other managers reach this one at. */
  addr: string;
  /** host:port to listen on. */
  listenAddr: string;
}

export interface NodeCerts {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface ManagerOptions {
  dataDir: string;
  /** How long the node certificates this manager signs are valid. @default 90 days */
  nodeCertValidityMs?: number;
  identity: ManagerIdentity;
  certs: NodeCerts;
  log: Logger;
  /** A member that just joined: the other members' addresses (from the CA's reply). */
  peers?: Map<number, string>;
  /**
   * A brand-new cluster: this manager is its only member and creates the cluster object, with its root
   * CA (the key sealed under the KEK), the address pools and the gateway bridge range given to `swarm
   * init` (absent = the defaults).
   */
  bootstrap?: {
    rootCa: { certPem: string; keyEnc: string };
    addressPools?: AddressPools;
    gatewaySubnet?: string;
  };
  /** This manager's key-encryption key of the root CA key (it may come later: KekSource). */
  kek?: KekSource;
  tickMs?: number;
  /** Snapshot and compact the Raft log every this many entries. */
  snapshotEvery?: number;
  /** The dispatcher's heartbeat period, rate limit and batching (it serves while this manager leads). */
  dispatcher?: DispatcherOptions;
  /** How often the role manager brings roles to desired roles, while this manager leads. @default 1000 */
  roleIntervalMs?: number;
  /** The manager stopped because its storage failed (after giving up every leader role): exit. */
  onFatal?: (err: Error) => void;
  /**
   * `swarm init --force-new-cluster`: before Raft starts, this member's log is made its own alone (the
   * other voters removed, entries not known committed dropped); it keeps all committed state.
   */
  forceNewCluster?: boolean;
  /** How long a connection to the manager port may take to start speaking, and how many may at once. */
  managerPort?: ManagerPortOptions;
}

/** What a running manager is made of (Manager.start builds them, in order). */
interface ManagerParts {
  identity: ManagerIdentity;
  store: MemoryStore;
  raft: RaftNode;
  storage: LevelStorage;
  transport: RaftTransport;
  server: grpc.Server;
  managerPort: ManagerPort;
  forwarder: LeaderForwarder;
  /** This manager's certificate, on the manager port and on its own calls to the other managers. */
  certs: NodeCertificateProvider;
  /** The Control API for the daemon's local socket: leader-only calls forward as this manager. */
  localControl: ControlHandlers;
  /** Starts the leader-only services below when this manager leads, and stops them when it stops. */
  leadership: Leadership;
  /** The network allocator, used while this manager leads. */
  allocator: LeaderAllocator;
  /** Agents' sessions, served while this manager leads. */
  dispatcher: Dispatcher;
  /** Services → tasks → addresses → nodes, while this manager leads. */
  pipeline: TaskPipeline;
  /** Service logs, from the agents to clients, while this manager leads. */
  logBroker: LogBroker;
  /** The Logs API for the daemon's local socket: forwarded to the leader as this manager. */
  localLogs: LogsHandlers;
  /** The manager port's health service: NOT_SERVING once the manager's storage failed. */
  health: HealthImplementation;
  log: Logger;
  onFatal: ((err: Error) => void) | undefined;
  /** How long a call waits for some member to lead: a few elections at this manager's tick. */
  leaderWaitMs: number;
}

export class Manager {
  readonly identity: ManagerIdentity;
  readonly store: MemoryStore;
  readonly raft: RaftNode;
  readonly localControl: ControlHandlers;
  readonly localLogs: LogsHandlers;
  private readonly p: ManagerParts;

  private constructor(parts: ManagerParts) {
    this.p = parts;
    this.identity = parts.identity;
    this.store = parts.store;
    this.raft = parts.raft;
    this.localControl = parts.localControl;
    this.localLogs = parts.localLogs;
  }

  /**
   * Opens the data, starts Raft and serves the manager port. Throws DataDirLockedError /
   * CorruptDataError, and NotAMemberOfLogError if the log is not one this member's Raft ID was in.
   */
  static async start(o: ManagerOptions): Promise<Manager> {
    const { identity: id, certs, log } = o;
    const provider = new NodeCertificateProvider(certs.caPem, certs.certPem, certs.keyPem);
    const clientCredentials = provider.clientCredentials();
    const storage = await LevelStorage.open(join(o.dataDir, 'raft'));
    try {
      // An edited Raft ID would start a member nobody knows, on another member's log.
      checkMemberOfLog(storage, id.raftId);
      if (o.forceNewCluster === true) {
        const forced = forceNewCluster(storage, id.raftId);
        await storage.persist({ entries: forced.entries, hardState: forced.hardState });
        log.warn(
          { removed: forced.removed },
          'forcing a new cluster: the other managers are no longer members',
        );
      }
    } catch (err) {
      await storage.close();
      throw err;
    }
    // The store and Raft need each other: the store proposes through Raft, Raft applies to the store
    // (and restores its snapshot into it while it is made, so the store comes first). The closures below
    // name `raft` and `m`, declared further down: nothing calls them before then (the store proposes,
    // and the transport delivers, once Raft runs; storage fails only on an asynchronous write).
    const store: MemoryStore = new MemoryStore({
      propose: async (actions, options): Promise<ProposalResult> =>
        (await raft.propose(encodeStoreActions(actions), options)) as ProposalResult,
    });
    const transport: RaftTransport = new RaftTransport(
      {
        id: id.raftId,
        credentials: { client: clientCredentials, serverName: 'swarm-manager' },
        senderAllowed: storeSenderCheck(store, raftId => raft.members.has(raftId)),
      },
      {
        onMessage: msg => raft.step(msg),
        onUnreachable: p => raft.reportUnreachable(p),
        onSnapshotStatus: (p, ok) => raft.reportSnapshot(p, ok),
        onDropped: ms => raft.dropped(ms),
        onPeerLost: p => raft.peerLost(p),
      },
      log,
    );
    const raft: RaftNode = new RaftNode({
      id: id.raftId,
      addr: id.addr,
      storage,
      transport,
      log,
      stateMachine: {
        apply: (payload, index) => store.applyStoreActions(decodeStoreActions(payload), index),
        snapshot: () => store.snapshot(),
        snapshotPieces: () => store.snapshotPieces(),
        restore: data => store.restore(data),
      },
      ...(o.bootstrap === undefined ? {} : { bootstrap: new Map([[id.raftId, id.addr]]) }),
      ...(o.peers === undefined ? {} : { peers: o.peers }),
      ...(o.tickMs === undefined ? {} : { tickMs: o.tickMs }),
      ...(o.snapshotEvery === undefined ? {} : { snapshotEvery: o.snapshotEvery }),
      onLeaderChange: (leader, term) => {
        log.info({ leader, term }, 'raft leader changed');
        leadership.leaderChanged(leader);
      },
      onFatal: err => m.storageFailed(err),
    });

    const forwarder = new LeaderForwarder({
      raft,
      self: { nodeId: id.nodeId, role: 'swarm-manager', clusterId: id.clusterId },
      credentials: clientCredentials,
      serverName: 'swarm-manager',
      // Two election timeouts (electionTick 10) end one election; a busy machine may need a few more.
      electionWaitMs: Math.max(2000, 20 * (o.tickMs ?? 100)),
      pollMs: o.tickMs ?? 100,
      log,
    });
    // Leader-only methods of every service added to it forward to the leader from a follower.
    const server = new LeaderForwardingServer(forwarder, {
      // The most any method takes (Raft's frames); each method's own limit is set per call, first.
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      // Nothing reads channelz, and it costs every call its trackers and every connection a registry entry.
      'grpc.enable_channelz': 0,
      interceptors: [
        guardInterceptor({
          auth: {
            o: {
              clusterId: () => id.clusterId,
              refused: nodeId => {
                const c = store.view(tx => findClusters(tx))[0];
                return c?.blacklistedCertificates[nodeId] === undefined
                  ? undefined
                  : `node ${nodeId} was removed from swarm`;
              },
              demoted: nodeId =>
                demotion(
                  store.view(tx => getNode(tx, nodeId)),
                  raft.members,
                ),
            },
            log,
          },
        }),
      ],
    });
    transport.register(server);
    registerCa(server, store, raft, log, {
      ...(o.nodeCertValidityMs === undefined ? {} : { nodeCertValidityMs: o.nodeCertValidityMs }),
      ...(o.kek === undefined ? {} : { kek: o.kek }),
    });
    const leadership: Leadership = new Leadership(raft, log, o.tickMs ?? 100);
    const allocator = new LeaderAllocator(
      store,
      raft,
      log,
      () => leadership.serving(),
      () => {
        // The cluster object holds them; before it is written (the first write), the bootstrap does.
        const cluster = store.view(tx => findClusters(tx))[0];
        const pools = cluster?.addressPools ?? o.bootstrap?.addressPools;
        const gatewaySubnet = cluster?.gatewaySubnet ?? o.bootstrap?.gatewaySubnet;
        return {
          ...(pools === undefined ? {} : { defaultAddressPools: pools.pools, subnetSize: pools.subnetSize }),
          ...(gatewaySubnet === undefined ? {} : { gatewaySubnet }),
        };
      },
    );
    const control = controlHandlers(store, raft, allocator, log);
    server.addService(controlService, control);
    server.addService(resourceService, resourceHandlers(store, allocator, log));
    const dispatcher = new Dispatcher(store, raft, log, o.dispatcher);
    server.addService(dispatcherService, dispatcher.handlers());
    const logBroker = new LogBroker({ store, gate: dispatcher, raft, log });
    server.addService(logsService, logBroker.logsHandlers());
    server.addService(logBrokerService, logBroker.brokerHandlers());
    new ReflectionService(loadAllDefinitions()).addToServer(server);
    const health = new HealthImplementation({ '': 'SERVING' });
    health.addToServer(server);
    let managerPort: ManagerPort;
    try {
      managerPort = await ManagerPort.listen(server, provider, id.listenAddr, o.managerPort);
    } catch (err) {
      // Release what was opened, or the data folder stays locked by this failed attempt.
      raft.stop();
      transport.close();
      server.forceShutdown();
      await storage.close();
      const why = messageOf(err);
      throw new PreconditionError(`cannot listen on ${id.listenAddr}: ${why}`);
    }
    const pipeline = new TaskPipeline(store, allocator, log);
    // Started in this order once this manager leads (after a read barrier), stopped in reverse.
    leadership.add(allocator);
    leadership.add(dispatcher);
    leadership.add(logBroker);
    leadership.add(pipeline);
    leadership.add(new RoleManager(store, raft, log, o.roleIntervalMs ?? 1000));
    raft.start();
    const localControl = forwarder.wrap(controlService, control, 'local');
    const localLogs = forwarder.wrap(logsService, logBroker.logsHandlers(), 'local');
    const m: Manager = new Manager({
      // An election takes one to two election timeouts (electionTick 10): 10-20 s at Swarm's 1 s tick.
      leaderWaitMs: Math.max(10_000, 40 * (o.tickMs ?? 100)),
      identity: id,
      store,
      raft,
      storage,
      transport,
      server,
      managerPort,
      forwarder,
      certs: provider,
      localControl,
      leadership,
      allocator,
      dispatcher,
      pipeline,
      logBroker,
      localLogs,
      health,
      log,
      onFatal: o.onFatal,
    });
    if (o.bootstrap !== undefined) await m.createCluster(o.bootstrap, certs.certPem);
    log.info({ nodeId: id.nodeId, addr: id.addr, raftId: id.raftId }, 'manager started');
    return m;
  }

  /** The manager port (the one bound, when listenAddr asked for port 0). */
  get port(): number {
    return this.p.managerPort.port;
  }

  /**
   * Serves a renewed certificate from now on, without a restart: new connections to the manager port
   * and this manager's new connections to the others present it; open ones (Raft streams) stay as
   * they are. The root CA cannot change here. Throws, changing nothing, on a certificate that does
   * not fit its key.
   */
  updateCertificates(certs: NodeCerts): void {
    if (certs.caPem !== this.p.certs.caPem)
      throw new Error('manager: the root CA cannot change while it runs');
    this.p.certs.update(certs.certPem, certs.keyPem);
  }

  /**
   * The first write of a new cluster: the cluster object (CA, join tokens), this node, and the `ingress`
   * network, allocated first so that it gets the first subnet and VNI (10.0.0.0/24, 4096), as in Swarm.
   */
  private async createCluster(
    bootstrap: NonNullable<ManagerOptions['bootstrap']>,
    certPem: string,
  ): Promise<void> {
    await this.waitForLeader();
    const ingressId = randomNodeId();
    const spec = ingressNetworkSpec();
    await this.p.allocator.run(async pools => {
      const allocation = pools.allocateNetwork({ id: ingressId, spec });
      await this.p.allocator.write(
        tx => this.firstWrite(tx, bootstrap, certPem, { id: ingressId, spec, allocation }),
        () => pools.releaseNetwork(ingressId),
      );
    });
  }

  /** The cluster's first objects, in the one transaction of `createCluster`. */
  private firstWrite(
    tx: Tx,
    { rootCa, addressPools, gatewaySubnet }: NonNullable<ManagerOptions['bootstrap']>,
    certPem: string,
    ingress: NewObject<Network>,
  ): void {
    const id = this.identity;
    createCluster(tx, {
      id: id.clusterId,
      spec: { name: DEFAULT_CLUSTER_NAME },
      rootCa: { certPem: rootCa.certPem, keyEnc: rootCa.keyEnc, caDigest: caDigest(rootCa.certPem) },
      joinTokens: { worker: createJoinToken(rootCa.certPem), manager: createJoinToken(rootCa.certPem) },
      blacklistedCertificates: {},
      ...(addressPools === undefined ? {} : { addressPools }),
      ...(gatewaySubnet === undefined ? {} : { gatewaySubnet }),
    });
    createNode(tx, {
      id: id.nodeId,
      spec: { desiredRole: 'manager', availability: 'active', labels: {} },
      role: 'manager',
      status: { state: 'ready', addr: id.addr.split(':')[0] ?? '' },
      description: { hostname: id.hostname },
      managerStatus: { raftId: id.raftId, addr: id.addr },
      certificate: { status: 'issued', certPem },
    });
    createNetwork(tx, ingress);
  }

  /**
   * The migration of a cluster object written before keys were sealed: its root CA key, in clear, is
   * written again sealed under `kek` (the caller keeps `kek` first: the sealed key is useless without
   * it). A no-op once sealed. Run by the leader; the clear key stays in older Raft entries until the log
   * is compacted past them.
   */
  async sealRootCaKey(kek: Uint8Array): Promise<boolean> {
    let sealed = false;
    await this.store.update(tx => {
      const c = findClusters(tx)[0];
      if (c === undefined || c.rootCa.keyPem === undefined) return;
      const { keyPem, ...rest } = c.rootCa;
      updateCluster(tx, {
        ...c,
        rootCa: { ...rest, keyEnc: sealRootCaKey({ certPem: rest.certPem, keyPem }, kek) },
      });
      sealed = true;
    }, Date.now());
    return sealed;
  }

  /** Resolves once some member leads (this one, for a new single-member cluster); throws after `ms`. */
  waitForLeader(ms = this.p.leaderWaitMs): Promise<void> {
    return this.p.leadership.leaderKnown(ms);
  }

  /**
   * Takes this manager out of the cluster: its node object goes, then its Raft membership (so the
   * others stop counting it for quorum). The last manager just stops: the cluster ends with it.
   */
  async leaveCluster(): Promise<void> {
    const id = this.identity;
    if (this.raft.voters().length <= 1) return;
    const problem = this.raft.removalProblem(id.raftId);
    if (problem !== undefined) throw new PreconditionError(problem);
    await this.store.update(tx => {
      if (getNode(tx, id.nodeId) !== undefined) deleteNode(tx, id.nodeId);
    }, Date.now());
    await this.raft.removeMember(id.raftId);
  }

  async stop(): Promise<void> {
    // Every leader-only service first, and the work they have under way (a role change) ends.
    await this.p.leadership.stop();
    this.raft.stop();
    this.p.transport.close();
    this.p.managerPort.stopListening();
    this.p.server.forceShutdown();
    // After forceShutdown: what it left open (a TLS handshake under way) must not become a session.
    this.p.managerPort.destroyConnections();
    this.p.forwarder.close();
    await this.p.storage.close();
  }

  /**
   * The Raft log could not be written (a full or failing disk): Raft has stopped, so this manager holds no
   * leader role from now on, whatever its core last knew. It gives up every one at once, so that agents
   * and callers move to the manager the others elect, says NOT_SERVING, and tells its owner, who exits
   * (a supervisor restarts it; the restart reloads and checks what is on disk).
   */
  private storageFailed(err: Error): void {
    this.p.log.fatal({ err: err.message }, 'manager stopped: its storage failed');
    // Every leader-only service at once: agents' sessions end (they move to the leader), nothing more is written.
    this.p.leadership.stop().catch(() => undefined);
    this.p.health.setStatus('', 'NOT_SERVING');
    this.p.onFatal?.(err);
  }
}

/**
 * Why node `n`, whose certificate says manager, is not one any more, or undefined. The desired role
 * decides rather than the role, both ways: a demoted manager leaves Raft before its role becomes
 * worker, and must talk Raft until its removal commits; a promoted node holds its manager certificate
 * once its role is manager, and may present it to a manager that has not applied that role yet but
 * applied the desired role, written before. A node not in the store is a manager joining (its node
 * object is written before it is told) or a removed one (refused as such).
 */
function demotion(n: Node | undefined, members: ReadonlyMap<number, string>): string | undefined {
  if (n === undefined || n.spec.desiredRole === 'manager') return undefined;
  const raftId = n.managerStatus?.raftId;
  if (raftId !== undefined && members.has(raftId)) return undefined;
  return `node ${n.id} was demoted: its manager certificate is no longer accepted`;
}
