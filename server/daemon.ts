/**
 * shoald's control surface: the local unix socket (its file mode is the access control, as with
 * dockerd's) serving the Swarm service (init, join, leave, info) and the Control API of the manager
 * this daemon runs; this node's place in a swarm, as a manager or a worker, across restarts (state
 * under the data folder); and the node loop, which renews the certificate and follows the role the
 * managers give the node (a promotion starts a manager, a demotion stops it).
 */
import * as grpc from '@grpc/grpc-js';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  checkKeyPair,
  checkRemoteCa,
  createCsr,
  createKek,
  createNodeKey,
  createRootCa,
  KEK_BYTES,
  openRootCaKey,
  parseJoinToken,
  randomClusterId,
  randomNodeId,
  readIdentity,
  renewalRetryDelayMs,
  renewalTime,
  sealRootCaKey,
  signNodeCertificate,
  verifyNodeCertificate,
} from '../certs/index.ts';
import type { Executor, TaskLogSource } from '../agent/exec/executor.ts';
import { localTaskHandlers, localTasksService, type RunRequest } from '../agent/exec/local-task-server.ts';
import { TestExecutor } from '../agent/exec/test-executor.ts';
import { cannotRunTasks, NodeRuntime } from '../agent/node-runtime.ts';
import { Agent } from '../agent/session/agent.ts';
import { loadShoalPackage, serviceOf } from '../proto/load.ts';
import {
  addressPoolProblem,
  DEFAULT_ADDRESS_POOLS,
  DEFAULT_GATEWAY_SUBNET,
  DEFAULT_SUBNET_SIZE,
} from './allocator/index.ts';
import { clusterOf } from './ca/ca-server.ts';
import { logsService } from './logbroker/log-broker.ts';
import {
  readKek,
  readNodeCerts,
  removeKek,
  writeFileAtomic,
  writeKek,
  writeNodeCerts,
} from './ca/cert-files.ts';
import { DamagedIdentityFileError } from './ca/identity-file-error.ts';
import { callManager, ManagerClients, nodeCredentials } from './ca/manager-client.ts';
import { RoleManager } from './ca/role-manager.ts';
import { controlService } from './controlapi/control-server.ts';
import type { DispatcherOptions } from './dispatcher/dispatcher.ts';
import type { ManagerPortOptions } from './manager-port.ts';
import { Manager, type ManagerIdentity, type ManagerOptions, type NodeCerts } from './manager.ts';
import { RpcError, unary } from './rpc/status.ts';
import { openPrivateDataDir } from './private-data-dir.ts';
import { NotAMemberOfLogError } from './raft/index.ts';
import { parseSavedState, roleOf, type Role, type SavedState } from './saved-state.ts';
import { findClusters, type AddressPools, type Cluster } from './store/index.ts';
import { requestSizeInterceptor } from './ca/authorize.ts';
import { MAX_REQUEST_BYTES } from './limits.ts';
import { messageOf } from '../lib/message-of.ts';
import { advertiseToward, listensEverywhere } from './join-address.ts';
import { workerNetworkHandlers } from './worker-network-list.ts';

const controlPkg = loadShoalPackage('control.proto');

export const NOT_A_MANAGER =
  'This node is not a swarm manager. Use "shoal swarm init" or "shoal swarm join" to connect this node to swarm and try again.';
/** docker's answer to a manager-only command on a worker. */
export const WORKER_NOT_A_MANAGER =
  "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.";

export interface DaemonOptions {
  dataDir: string;
  socketPath: string;
  hostname: string;
  log: Logger;
  tickMs?: number;
  snapshotEvery?: number;
  /**
   * How often this node asks the managers about itself (certificate due, role changed, where they
   * are), in ms; a leading manager also reconciles desired roles this often, at most every second.
   * Swarmkit learns role changes from the dispatcher's session stream instead; moving to it is left to do.
   * @default 2000
   */
  pollMs?: number;
  /** The clock certificate renewals are scheduled by (tests move it forward). @default Date.now */
  now?: () => number;
  /** This node's manager's dispatcher (heartbeat period, session rate limit, batching). */
  dispatcher?: DispatcherOptions;
  /** This node's manager port: how long a connection may take to start speaking, how many may at once. */
  managerPort?: ManagerPortOptions;
  /**
   * What runs the tasks assigned to this node: 'process' = real processes in real network namespaces
   * (the data plane, the embedded DNS; needs root), 'test' = the test executor (imaginary tasks walking
   * the real lifecycle), or an executor of the caller's (tests inspect it; the daemon does not close it).
   * @default 'test'
   */
  executor?: 'test' | 'process' | Executor;
  /** This node's manager stopped because its storage failed: the process should stop and exit non-zero. */
  onFatal?: (err: Error) => void;
  /** With an executor given as an object: where its tasks' output is read (`service logs`). */
  taskLogs?: TaskLogSource;
  /** For the process executor: where the node's data plane lives and what its namespaces are named. */
  runtime?: {
    /** @default 'shoal' */
    netnsPrefix?: string;
    /** The node's network namespace by name (created if missing); undefined = this process's own. */
    nodeNetns?: string;
    /** Upstream resolvers for names the cluster does not own. @default the node's resolv.conf */
    dns?: string[];
    /** On stop, stop the tasks and remove everything the data plane made (npm start). @default false: tasks run on, a restarted daemon adopts them */
    destroyOnStop?: boolean;
  };
}

interface InitRequest {
  advertiseAddr: string;
  listenAddr: string;
  defaultAddrPool?: string[];
  /** 0 = the default (24). */
  defaultAddrPoolMaskLength?: number;
  /** '' = the default (172.18.0.0/16). */
  gatewaySubnet?: string;
  /** `--force-new-cluster`: a manager of a cluster that lost its quorum for good goes on alone. */
  forceNewCluster?: boolean;
}

interface StatusResponse {
  status: string;
  certificate: string;
  role: string;
  managers: string[];
  /** Empty from a manager that predates it. */
  desiredRole: string;
}

interface IssueResponse {
  nodeId: string;
  certificate: string;
  role: string;
  clusterId: string;
  raftId: number;
  members: { raftId: number; addr: string }[];
  /** Managers joining with the manager token: the key-encryption key of the root CA key. */
  kek: Buffer;
}

interface RaftJoinResponse {
  raftId: number;
  members: { raftId: number; addr: string }[];
  kek: Buffer;
}

export class Daemon {
  private manager: Manager | undefined;
  private roles: RoleManager | undefined;
  /** The agent's dispatcher session, while this node is in a swarm (managers run one too, as in Swarm). */
  private agent:
    | {
        session: Agent;
        executor: Executor;
        owned: boolean;
        /** With real tasks: the runtime, and the LocalTasks handlers over its executor. */
        runtime?: { node: NodeRuntime; localTasks: grpc.UntypedServiceImplementation };
      }
    | undefined;
  /** Agent start-ups and stops run one at a time. */
  private agentQueue: Promise<void> = Promise.resolve();
  /**
   * The local socket: requests as large as the manager port takes from a manager certificate (the CLI's
   * 1.7 MB argument is refused with the limit named, not grpc-js' 'larger than max').
   */
  private readonly local = new grpc.Server({ interceptors: [requestSizeInterceptor(MAX_REQUEST_BYTES)] });
  /** This node's place in a swarm and its certificates; undefined outside one. */
  private state: SavedState | undefined;
  private certs: NodeCerts | undefined;
  /**
   * A manager's key-encryption key of the root CA key (certificates/swarm-root-ca.kek); undefined on
   * a worker, and on a manager from before keys were sealed until it gets it (keepKek).
   */
  private kek: Buffer | undefined;
  /** Clients to the managers with the current certificate; made when first needed. */
  private clients: ManagerClients | undefined;
  /** When the current certificate is due for renewal (ms, by `o.now`). */
  private renewAt = Infinity;
  private renewFailures = 0;
  /** No renewal attempt before this (ms): the backoff after a failure. */
  private retryAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Swarm calls and the node loop's checks run one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The last failure of the status poll, so that a lasting one is logged once. */
  private pollError = '';
  /** The same for getting the KEK. */
  private kekError = '';

  private constructor(private readonly o: DaemonOptions) {}

  /**
   * Starts the daemon; if the data folder holds a cluster member, that manager starts too. Throws
   * UnsafeDataDirError if the data folder is open to other users, DamagedIdentityFileError if a file
   * that says who this node is does not hold what it should (both before anything is changed), and what
   * Manager.start throws.
   */
  static async start(o: DaemonOptions): Promise<Daemon> {
    // Everything shoald creates is its own (0600 files, 0700 folders), LevelDB's files included, which
    // it creates 0644 less the umask. Tasks get docker's 022 back (agent/exec/task-process.ts).
    process.umask(0o077);
    openPrivateDataDir(o.dataDir);
    const d = new Daemon(o);
    const saved = d.loadState();
    if (saved !== undefined) {
      const certs = d.loadCerts(saved);
      d.kek = d.loadKek(saved);
      d.adopt(saved, certs);
      if (roleOf(saved) === 'manager') {
        await d.startManager(saved.identity, d.requireCerts()).catch((err: unknown) => {
          if (!(err instanceof NotAMemberOfLogError)) throw err;
          throw new DamagedIdentityFileError(
            d.statePath(),
            `identity.raftId is not a member the Raft log in ${d.raftDir()} has known`,
            { cause: err },
          );
        });
      }
      await d.startAgent();
    }
    await d.serveLocal();
    d.schedule();
    return d;
  }

  /** Whether this node is in a swarm (as a manager or a worker). */
  get isActive(): boolean {
    return this.state !== undefined;
  }

  /** Starts this node's manager, and with it the role manager (which acts only while it leads). */
  private async startManager(
    identity: ManagerIdentity,
    certs: NodeCerts,
    extra: Pick<ManagerOptions, 'peers' | 'bootstrap' | 'forceNewCluster'> = {},
  ): Promise<Manager> {
    const m = await Manager.start({
      dataDir: this.o.dataDir,
      identity,
      certs,
      kek: () => this.kek,
      log: this.o.log,
      ...(this.o.tickMs === undefined ? {} : { tickMs: this.o.tickMs }),
      ...(this.o.snapshotEvery === undefined ? {} : { snapshotEvery: this.o.snapshotEvery }),
      ...(this.o.dispatcher === undefined ? {} : { dispatcher: this.o.dispatcher }),
      onFatal: err => this.managerFailed(err),
      ...(this.o.managerPort === undefined ? {} : { managerPort: this.o.managerPort }),
      ...extra,
    });
    this.manager = m;
    this.roles = new RoleManager(m.store, m.raft, this.o.log, Math.min(this.pollMs(), 1000));
    this.roles.start();
    return m;
  }

  /**
   * This node's manager stopped because its storage failed (it gave up every leader role already): the
   * owner is told, and exits (shoald: non-zero, for a supervisor to restart it); without an owner that
   * listens, the manager is stopped here, so nothing answers on its port as if it worked.
   */
  private managerFailed(err: Error): void {
    this.roles?.stop().catch(() => undefined);
    if (this.o.onFatal !== undefined) this.o.onFatal(err);
    else void this.serial(() => this.stopManager());
  }

  private async stopManager(): Promise<void> {
    const [m, roles] = [this.manager, this.roles];
    this.manager = undefined;
    this.roles = undefined;
    await roles?.stop();
    await m?.stop();
  }

  /** Starts this node's agent: a session with the managers, running its tasks on the executor. */
  private startAgent(): Promise<void> {
    this.agentQueue = this.agentQueue
      .then(() => this.startAgentNow())
      .catch((err: unknown) => {
        this.o.log.error({ err }, 'agent: could not start');
      });
    return this.agentQueue;
  }

  private async startAgentNow(): Promise<void> {
    const state = this.state;
    if (this.agent !== undefined || state === undefined || this.stopped) return;
    const given = this.o.executor;
    let executor: Executor;
    let runtime: NodeRuntime | undefined;
    if (given === 'process') {
      const why = cannotRunTasks();
      if (why !== undefined) {
        // The manager runs on; this node takes no tasks (no session, so it shows as down).
        this.o.log.warn(`agent: ${why}; this node runs no tasks`);
        return;
      }
      const r = this.o.runtime ?? {};
      runtime = await NodeRuntime.start({
        nodeId: state.identity.nodeId,
        stateDir: join(this.o.dataDir, 'agent'),
        log: this.o.log,
        ...(r.netnsPrefix === undefined ? {} : { netnsPrefix: r.netnsPrefix }),
        ...(r.nodeNetns === undefined ? {} : { nodeNetns: r.nodeNetns }),
        // What npm start removes on stop includes a namespace its killed predecessor left.
        ...(r.destroyOnStop === true ? { ownsNodeNetns: true } : {}),
        ...(r.dns === undefined ? {} : { dns: r.dns }),
      });
      const rt = runtime;
      executor = rt.executor;
      rt.executor.onStatus((taskId, status) => this.detachEnded(rt, taskId, status.state));
    } else {
      executor = given === undefined || given === 'test' ? new TestExecutor() : given;
    }
    const session = new Agent({
      hostname: this.o.hostname,
      credentials: () => nodeCredentials(this.requireCerts()),
      managers: () => this.managerAddrs(),
      executor,
      ...(runtime !== undefined
        ? { logs: runtime.executor }
        : this.o.taskLogs === undefined
          ? {}
          : { logs: this.o.taskLogs }),
      log: this.o.log,
    });
    session.start();
    const localTasks = (node: NodeRuntime): grpc.UntypedServiceImplementation =>
      localTaskHandlers({
        executor: node.executor,
        run: req => this.runStandalone(req),
        log: this.o.log,
      });
    this.agent = {
      session,
      executor,
      owned: executor !== given,
      ...(runtime === undefined ? {} : { runtime: { node: runtime, localTasks: localTasks(runtime) } }),
    };
  }

  private stopAgent(): Promise<void> {
    this.agentQueue = this.agentQueue.then(async () => {
      const a = this.agent;
      this.agent = undefined;
      await a?.session.stop();
      if (a?.runtime !== undefined) {
        if (this.o.runtime?.destroyOnStop === true) await a.runtime.node.destroy();
        else await a.runtime.node.close();
      } else if (a?.owned === true) await a.executor.close();
    });
    return this.agentQueue;
  }

  /** A standalone task (`shoal run`) gives its address back when it ends, as docker's does. */
  private detachEnded(runtime: NodeRuntime, taskId: string, state: string): void {
    if (!['complete', 'failed', 'shutdown', 'rejected'].includes(state)) return;
    if (!runtime.executor.isStandalone(taskId)) return;
    this.managerClients()
      .callAny(this.managerAddrs(), 'ResourceAllocator', 'DetachNetwork', { attachmentId: taskId })
      .catch((err: unknown) => this.o.log.warn({ err, taskId }, 'agent: could not detach a standalone task'));
  }

  /** `shoal run`: an attachment task on `network` that carries the command; this node's agent runs it. */
  private async runStandalone(req: RunRequest): Promise<string> {
    if (this.state === undefined)
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        NOT_A_MANAGER.replace('a swarm manager', 'in a swarm'),
      );
    const res = await this.managerClients().callAny<{ attachmentId: string }>(
      this.managerAddrs(),
      'ResourceAllocator',
      'AttachNetwork',
      { networkId: req.network, addresses: [], name: req.name, command: req.argv, env: req.env },
    );
    return res.attachmentId;
  }

  private pollMs(): number {
    return this.o.pollMs ?? 2000;
  }

  private raftDir(): string {
    return join(this.o.dataDir, 'raft');
  }

  private statePath(): string {
    return join(this.o.dataDir, 'state.json');
  }

  private certDir(): string {
    return join(this.o.dataDir, 'certificates');
  }

  /** state.json, checked whole; undefined outside a swarm. Throws DamagedIdentityFileError. */
  private loadState(): SavedState | undefined {
    if (!existsSync(this.statePath())) return undefined;
    return parseSavedState(readFileSync(this.statePath(), 'utf8'), this.statePath());
  }

  /**
   * The certificates, checked (cert-files.ts) and checked against state.json: the node and cluster IDs
   * are the certificate's CN and O, which only the CA could have written. Throws DamagedIdentityFileError.
   */
  private loadCerts(s: SavedState): NodeCerts {
    const { identity, ...certs } = readNodeCerts(this.certDir());
    const cert = join(this.certDir(), 'swarm-node.crt');
    if (identity.nodeId !== s.identity.nodeId) {
      throw new DamagedIdentityFileError(
        this.statePath(),
        `identity.nodeId is not the node certificate's (CN=${identity.nodeId} in ${cert})`,
      );
    }
    if (identity.clusterId !== s.identity.clusterId) {
      throw new DamagedIdentityFileError(
        this.statePath(),
        `identity.clusterId is not the node certificate's (O=${identity.clusterId} in ${cert})`,
      );
    }
    return certs;
  }

  /**
   * A manager's KEK (none in a folder from before keys were sealed: keepKek gets it). A worker keeps
   * none: one left by a promotion that stopped before state.json said manager is removed (the
   * promotion gives it again).
   */
  private loadKek(s: SavedState): Buffer | undefined {
    if (roleOf(s) === 'manager') return readKek(this.certDir());
    removeKek(this.certDir());
    return undefined;
  }

  private saveState(s: SavedState, certs: NodeCerts, o: { keepSchedule?: boolean } = {}): void {
    if (certs !== this.certs) writeNodeCerts(this.certDir(), certs);
    // Written last: a folder with state.json is a complete member.
    writeFileAtomic(this.statePath(), JSON.stringify(s, null, 2));
    if (o.keepSchedule === true) this.state = s;
    else this.adopt(s, certs);
  }

  /** Takes `s` and `certs` as this node's current ones, and schedules the certificate's renewal. */
  private adopt(s: SavedState, certs: NodeCerts): void {
    if (certs !== this.certs) this.closeClients();
    this.state = s;
    this.certs = certs;
    const { notBefore, notAfter } = readIdentity(certs.certPem);
    this.renewAt = renewalTime(notBefore, notAfter, Math.random());
    this.renewFailures = 0;
    this.retryAt = 0;
  }

  private managerClients(): ManagerClients {
    this.clients ??= new ManagerClients(nodeCredentials(this.requireCerts()));
    return this.clients;
  }

  private closeClients(): void {
    this.clients?.close();
    this.clients = undefined;
  }

  private requireCerts(): NodeCerts {
    if (this.certs === undefined) throw new Error('daemon: no certificates loaded');
    return this.certs;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Runs `fn` after everything queued before it (Swarm calls and the node loop's checks). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The node loop: every poll period, one check of this node against what the managers say. */
  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.serial(() => this.check())
        .catch((err: unknown) => this.o.log.warn({ err: messageOf(err) }, 'node check failed'))
        .finally(() => this.schedule());
    }, this.pollMs());
  }

  /**
   * Renews the certificate when it is due or no longer carries this node's role, then follows the
   * role: a manager whose node is a worker now (demoted, so already out of Raft) stops its manager;
   * a worker whose node is a manager now (promoted) joins Raft and starts one. The node ID stays.
   */
  private async check(): Promise<void> {
    if (this.state === undefined || this.stopped) return;
    await this.keepKek();
    const status = await this.pollStatus();
    const wanted = roleOfStatus(status);
    const now = this.now();
    const mismatch = wanted !== undefined && wanted !== this.certRole();
    let renewed = false;
    if ((now >= this.renewAt || mismatch) && now >= this.retryAt) renewed = await this.renew();
    const held = this.certRole();
    if (wanted === 'worker' && held === 'worker' && this.manager !== undefined) await this.becomeWorker();
    else if (wanted === 'manager' && held === 'manager' && this.removedFromRaft(status)) {
      await this.leaveRaft('removed from raft while still a manager: it joins again');
      await this.becomeManager();
    } else if (wanted === 'manager' && held === 'manager' && this.manager === undefined)
      await this.becomeManager();
    // Same role, new certificate: the running manager serves it from now on, without a restart.
    else if (renewed && this.manager !== undefined) this.manager.updateCertificates(this.requireCerts());
  }

  /**
   * Keeps this manager's KEK in step with the cluster's root CA key. A manager from before keys were
   * sealed has none: the leader makes one and seals the key with it (the migration), the others get it
   * from the leader (RaftMembership.Join, as a promoted node does), as does a manager whose KEK does not
   * open the key (the leader changed between making its KEK and sealing). A leader without it (it
   * missed the sealing) cannot sign until a manager that has it leads: it says so once.
   */
  private async keepKek(): Promise<void> {
    const m = this.manager;
    const state = this.state;
    if (m === undefined || state === undefined) return;
    const cluster = m.store.view(tx => findClusters(tx))[0];
    if (cluster === undefined) return;
    const { keyEnc } = cluster.rootCa;
    if (keyEnc === undefined) {
      if (!m.raft.isLeader) return;
      // Kept before the key is sealed with it: a sealed key without its KEK would be lost.
      if (this.kek === undefined) this.keepKekFile(createKek());
      if (this.kek !== undefined && (await m.sealRootCaKey(this.kek))) {
        this.o.log.info("the root CA key is sealed under the managers' key-encryption key now");
      }
      return;
    }
    if (this.kek !== undefined && opens(cluster, this.kek)) return;
    try {
      const joined = await this.managerClients().callAny<RaftJoinResponse>(
        this.managerAddrs(),
        'RaftMembership',
        'Join',
        { addr: state.identity.addr, kekOnly: true },
      );
      const kek = receivedKek(joined.kek);
      if (kek === undefined || !opens(cluster, kek)) {
        throw new Error('the leader sent no key-encryption key that opens the root CA key');
      }
      this.keepKekFile(kek);
      this.kekError = '';
      this.o.log.info('received the key-encryption key of the root CA key');
    } catch (err) {
      const why = messageOf(err);
      if (why !== this.kekError) {
        this.o.log.warn(
          { err: why },
          'this manager cannot sign certificates: it lacks the key-encryption key of the root CA key',
        );
      }
      this.kekError = why;
    }
  }

  /** Keeps `kek` as this manager's, in memory and in its file. */
  private keepKekFile(kek: Buffer): void {
    writeKek(this.certDir(), kek);
    this.kek = kek;
  }

  /** The role the certificate this node holds carries. */
  private certRole(): Role {
    return readIdentity(this.requireCerts().certPem).role === 'swarm-manager' ? 'manager' : 'worker';
  }

  /**
   * Whether this running manager's Raft member is gone although the node is to stay a manager: demoted
   * and promoted again before it saw the worker certificate (its old member stays removed; it must join
   * anew). Never while a demotion is under way (the desired role is worker: the member goes first, the
   * role follows). Either this member applied its own removal, or (when the removal never reached it)
   * two signs agree, so a member that lags behind its own addition is not taken for it: the answering
   * manager's membership lacks this node's address, and this member has been cut off from the others.
   */
  private removedFromRaft(s: StatusResponse | undefined): boolean {
    const [m, state] = [this.manager, this.state];
    if (m === undefined || state === undefined || s?.desiredRole !== 'manager') return false;
    if (!m.raft.members.has(state.identity.raftId)) return true;
    return s.managers.length > 0 && !s.managers.includes(state.identity.addr) && m.raft.cutOff;
  }

  /** Demoted: the leader took this node out of Raft, then made it a worker; stop managing. */
  private async becomeWorker(): Promise<void> {
    await this.leaveRaft('demoted: this node is a worker now');
  }

  /** Stops this node's manager and forgets its Raft member; state.json says worker until it joins again. */
  private async leaveRaft(why: string): Promise<void> {
    const state = this.state;
    if (state === undefined) return;
    const managers = this.managerAddrs().filter(a => a !== state.identity.addr);
    await this.stopManager();
    // Workers never hold the KEK; gone before state.json says worker (a crash in between starts a manager).
    this.kek = undefined;
    removeKek(this.certDir());
    rmSync(this.raftDir(), { recursive: true, force: true });
    const identity = { ...state.identity, raftId: 0 };
    this.saveState({ role: 'worker', identity, managers }, this.requireCerts(), { keepSchedule: true });
    this.o.log.info({ nodeId: identity.nodeId, raftId: state.identity.raftId }, why);
  }

  /** Promoted, with a manager certificate already: join Raft through the leader and start a manager. */
  private async becomeManager(): Promise<void> {
    const state = this.state;
    const certs = this.requireCerts();
    if (state === undefined) return;
    const joined = await this.managerClients().callAny<RaftJoinResponse>(
      this.managerAddrs(),
      'RaftMembership',
      'Join',
      { addr: state.identity.addr },
    );
    // A new member starts from an empty log; one left from an earlier membership (another Raft ID)
    // must not be read as this one's. Removed before state.json says manager, so a crash in between
    // only repeats the join (which returns the same ID). A log of this very ID is its own: kept.
    if (joined.raftId !== state.identity.raftId) rmSync(this.raftDir(), { recursive: true, force: true });
    const identity = { ...state.identity, raftId: joined.raftId };
    // This node is a Raft member now, whatever happens next: no KEK (a cluster not sealed yet, whose
    // leader has none) is no reason to stop here; keepKek gets it later.
    const kek = receivedKek(joined.kek);
    if (kek !== undefined) this.keepKekFile(kek);
    this.saveState({ role: 'manager', identity }, certs, { keepSchedule: true });
    await this.startManager(identity, certs, {
      peers: new Map(joined.members.map(m => [m.raftId, m.addr])),
    });
    this.o.log.info(
      { nodeId: identity.nodeId, raftId: joined.raftId },
      'promoted: this node is a manager now',
    );
  }

  /** Renews this node's certificate with the managers; on failure, backs off (5 s doubling to 1 h). */
  private async renew(): Promise<boolean> {
    const state = this.state;
    const certs = this.requireCerts();
    if (state === undefined) return false;
    const { nodeId, clusterId } = state.identity;
    try {
      const key = createNodeKey();
      const res = await this.managerClients().callAny<IssueResponse>(
        this.managerAddrs(),
        'NodeCA',
        'IssueNodeCertificate',
        { csr: createCsr(key.keyPem), token: '', hostname: this.o.hostname, addr: state.identity.addr },
      );
      const id = verifyNodeCertificate(res.certificate, certs.caPem, new Date());
      checkKeyPair(res.certificate, key.keyPem);
      if (id.nodeId !== nodeId || id.clusterId !== clusterId) {
        throw new Error(`the CA issued a certificate for node ${id.nodeId} of cluster ${id.clusterId}`);
      }
      this.saveState(state, { caPem: certs.caPem, certPem: res.certificate, keyPem: key.keyPem });
      this.o.log.info({ nodeId, role: id.role, notAfter: id.notAfter }, 'node certificate renewed');
      return true;
    } catch (err) {
      this.renewFailures++;
      const wait = renewalRetryDelayMs(this.renewFailures);
      this.retryAt = this.now() + wait;
      this.o.log.warn({ err: messageOf(err), retryInMs: wait }, 'certificate renewal failed');
      return false;
    }
  }

  /**
   * This node as the managers see it; a worker also learns where the managers are now. Undefined when
   * no manager answered (a lasting failure is logged once).
   */
  private async pollStatus(): Promise<StatusResponse | undefined> {
    const state = this.state;
    if (state === undefined) return undefined;
    try {
      const s = await this.managerClients().callAny<StatusResponse>(
        this.managerAddrs(),
        'NodeCA',
        'NodeCertificateStatus',
        { nodeId: state.identity.nodeId },
      );
      this.pollError = '';
      const known = state.managers ?? [];
      if (this.manager === undefined && s.managers.length > 0 && !sameMembers(s.managers, known)) {
        this.saveState({ ...state, managers: s.managers }, this.requireCerts(), { keepSchedule: true });
      }
      return s;
    } catch (err) {
      const why = messageOf(err);
      if (why !== this.pollError) this.o.log.warn({ err: why }, 'no manager answered about this node');
      this.pollError = why;
      return undefined;
    }
  }

  /** Where the managers are: the other Raft members first (this one's store may lag), then this one. */
  private managerAddrs(): string[] {
    const m = this.manager;
    if (m === undefined) return this.state?.managers ?? [];
    const others = [...m.raft.members].filter(([id]) => id !== m.identity.raftId).map(([, addr]) => addr);
    return [...others, m.identity.addr];
  }

  private async serveLocal(): Promise<void> {
    const log = this.o.log;
    this.local.addService(serviceOf(controlPkg, 'Swarm'), {
      Init: unary(log, (req: InitRequest) => this.serial(() => this.init(req))),
      Join: unary(
        log,
        (req: { token: string; remoteAddr: string; advertiseAddr: string; listenAddr: string }) =>
          this.serial(() => this.join(req)),
      ),
      Leave: unary(log, (req: { force: boolean }) => this.serial(() => this.leave(req.force))),
      Info: unary(log, () => Promise.resolve(this.info())),
    });
    // Control calls go to this daemon's manager, whichever one is running now; a worker lists its networks.
    const route: grpc.UntypedServiceImplementation = {};
    const onWorker = workerNetworkHandlers(() => this.agent?.session.networkView()) as Record<
      string,
      grpc.handleUnaryCall<unknown, unknown> | undefined
    >;
    for (const method of Object.keys(controlService)) {
      route[method] = ((call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const m = this.manager;
        const own = this.state === undefined ? undefined : onWorker[method];
        if (m === undefined && own !== undefined) {
          own(call, cb);
          return;
        }
        if (m === undefined) {
          const details = this.state === undefined ? NOT_A_MANAGER : WORKER_NOT_A_MANAGER;
          cb({ code: grpc.status.FAILED_PRECONDITION, details });
          return;
        }
        // Leader-only calls made on a follower go to the leader, as this manager (server/rpc/forward.ts).
        const h = m.localControl[method] as grpc.handleUnaryCall<unknown, unknown>;
        h(call, cb);
      }) as grpc.UntypedHandleCall;
    }
    this.local.addService(controlService, route);
    // Service logs come from every node through the leader's broker: a manager's API, as in docker.
    this.local.addService(logsService, {
      SubscribeLogs: ((call: grpc.ServerWritableStream<unknown, unknown>) => {
        const m = this.manager;
        if (m === undefined) {
          const details = this.state === undefined ? NOT_A_MANAGER : WORKER_NOT_A_MANAGER;
          call.emit('error', { code: grpc.status.FAILED_PRECONDITION, details });
          return;
        }
        (m.localLogs.SubscribeLogs as grpc.handleServerStreamingCall<unknown, unknown>)(call);
      }) as grpc.UntypedHandleCall,
    });
    // This node's own tasks (`shoal run`, `shoal exec`), when it runs them for real.
    const tasks: grpc.UntypedServiceImplementation = {};
    for (const method of Object.keys(localTasksService)) {
      tasks[method] = ((call: grpc.ServerWritableStream<unknown, unknown>) => {
        const handlers = this.agent?.runtime?.localTasks;
        if (handlers === undefined) {
          call.emit('error', {
            code: grpc.status.FAILED_PRECONDITION,
            details: 'this node runs no tasks of its own (its agent is not running real tasks)',
          });
          return;
        }
        (handlers[method] as grpc.handleServerStreamingCall<unknown, unknown>)(call);
      }) as grpc.UntypedHandleCall;
    }
    this.local.addService(localTasksService, tasks);
    rmSync(this.o.socketPath, { force: true });
    await new Promise<void>((resolve, reject) =>
      this.local.bindAsync(`unix:${this.o.socketPath}`, grpc.ServerCredentials.createInsecure(), err =>
        err === null ? resolve() : reject(err),
      ),
    );
    chmodSync(this.o.socketPath, 0o600);
  }

  private info(): object {
    const id = this.state?.identity;
    return {
      state: this.state === undefined ? 'inactive' : 'active',
      nodeId: id?.nodeId ?? '',
      isManager: this.manager !== undefined,
      clusterId: id?.clusterId ?? '',
      addr: id?.addr ?? '',
    };
  }

  private alreadyMember(): void {
    if (this.state !== undefined) {
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        'This node is already part of a swarm. Use "shoal swarm leave" to leave this swarm and join another one.',
      );
    }
  }

  private addresses(req: { advertiseAddr: string; listenAddr: string }): {
    addr: string;
    listenAddr: string;
  } {
    const listenAddr = withPort(req.listenAddr === '' ? '0.0.0.0:2377' : req.listenAddr);
    const listenHost = listenAddr.slice(0, listenAddr.lastIndexOf(':'));
    const port = listenAddr.slice(listenAddr.lastIndexOf(':') + 1);
    let advertise = req.advertiseAddr;
    if (advertise === '') {
      if (listenHost === '0.0.0.0' || listenHost === '') {
        throw new RpcError(
          grpc.status.INVALID_ARGUMENT,
          'could not choose an IP address to advertise since this system has multiple addresses; use --advertise-addr',
        );
      }
      advertise = listenHost;
    }
    return { addr: advertise.includes(':') ? advertise : `${advertise}:${port}`, listenAddr };
  }

  private async init(req: InitRequest): Promise<object> {
    if (req.forceNewCluster === true && this.state !== undefined) return this.forceNewCluster(req);
    this.alreadyMember();
    const { addressPools, gatewaySubnet } = addressingOf(req);
    const { addr, listenAddr } = this.addresses(req);
    const rootCa = createRootCa();
    // The root CA key goes into the store, so into the Raft log and its snapshots, only sealed under a
    // key-encryption key (KEK) that is never in the log: each manager keeps it in its own certificates
    // folder (0600) and gets it over TLS from the manager it joins by (IssueNodeCertificate,
    // RaftMembership.Join); workers never get it. Copies of the log's files (a backup, a disk, a
    // snapshot sent to a member) then do not give away the CA. It does not protect against whoever can
    // read a manager's data folder (root on a manager), who finds the KEK beside the log: swarmkit's
    // autolock, which keeps the KEK off the disk, would; it is not done here.
    const kek = createKek();
    const identity: ManagerIdentity = {
      nodeId: randomNodeId(),
      raftId: 1 + Math.floor(Math.random() * 2 ** 48),
      clusterId: randomClusterId(),
      hostname: this.o.hostname,
      addr,
      listenAddr,
    };
    const key = createNodeKey();
    const certPem = signNodeCertificate({
      csrPem: createCsr(key.keyPem),
      ca: rootCa,
      nodeId: identity.nodeId,
      role: 'swarm-manager',
      clusterId: identity.clusterId,
    });
    const certs = { caPem: rootCa.certPem, certPem, keyPem: key.keyPem };
    this.kek = kek;
    let m: Manager;
    try {
      m = await this.startManager(identity, certs, {
        bootstrap: {
          rootCa: { certPem: rootCa.certPem, keyEnc: sealRootCaKey(rootCa, kek) },
          ...(addressPools === undefined ? {} : { addressPools }),
          gatewaySubnet,
        },
      });
    } catch (err) {
      this.kek = undefined;
      throw err;
    }
    this.keepKekFile(kek);
    this.saveState({ role: 'manager', identity }, certs);
    await this.startAgent();
    const tokens = clusterOf(m.store).joinTokens;
    return { nodeId: identity.nodeId, workerToken: tokens.worker, managerToken: tokens.manager, addr };
  }

  /**
   * `swarm init --force-new-cluster` on a manager whose cluster lost its quorum for good (Docker's):
   * this manager restarts as the only member of its cluster, with everything committed kept; the
   * others' Raft memberships end (their messages are refused from then on), their node objects stay, to
   * be demoted or removed. Workers and this node's tasks carry on; the agents reconnect to it.
   */
  private async forceNewCluster(req: InitRequest): Promise<object> {
    const state = this.state;
    if (state === undefined) throw new Error('daemon: force-new-cluster outside a swarm');
    if (roleOf(state) !== 'manager') {
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        '--force-new-cluster needs the data of a manager: this node is a worker',
      );
    }
    const changes =
      (req.defaultAddrPool ?? []).length > 0 ||
      (req.defaultAddrPoolMaskLength ?? 0) !== 0 ||
      (req.gatewaySubnet ?? '') !== '' ||
      (req.listenAddr !== '' && withPort(req.listenAddr) !== state.identity.listenAddr) ||
      (req.advertiseAddr !== '' && withPort(req.advertiseAddr) !== state.identity.addr);
    if (changes) {
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        '--force-new-cluster keeps the cluster as it is: its addresses, address pools and gateway range cannot change with it',
      );
    }
    const certs = this.requireCerts();
    await this.stopManager();
    const m = await this.startManager(state.identity, certs, { forceNewCluster: true });
    await m.waitForLeader(10_000);
    await this.startAgent();
    const tokens = clusterOf(m.store).joinTokens;
    return {
      nodeId: state.identity.nodeId,
      workerToken: tokens.worker,
      managerToken: tokens.manager,
      addr: state.identity.addr,
    };
  }

  /**
   * Joins an existing cluster: pin the CA by the token's digest, get a certificate (the token says
   * which role), then start a manager, or for a worker just keep the certificate and the managers.
   */
  private async join(req: {
    token: string;
    remoteAddr: string;
    advertiseAddr: string;
    listenAddr: string;
  }): Promise<object> {
    this.alreadyMember();
    const token = parseJoinToken(req.token);
    const remote = withPort(req.remoteAddr);
    // Without an address to advertise, the one the manager sees this node by (join-address.ts).
    const chosen =
      req.advertiseAddr === '' && listensEverywhere(req.listenAddr)
        ? await advertiseToward(remote, req.listenAddr)
        : '';
    const { addr, listenAddr } = this.addresses({ ...req, advertiseAddr: req.advertiseAddr || chosen });
    // The CA certificate is fetched without trusting anything, then trusted only if its digest matches the token.
    const caPem = await callManager<{ certificate: string }>(
      remote,
      grpc.credentials.createSsl(null, null, null, {
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
      }),
      'CA',
      'GetRootCACertificate',
      {},
    );
    checkRemoteCa(caPem.certificate, token.digest);
    const key = createNodeKey();
    const issued = await callManager<IssueResponse>(
      remote,
      grpc.credentials.createSsl(Buffer.from(caPem.certificate)),
      'NodeCA',
      'IssueNodeCertificate',
      { csr: createCsr(key.keyPem), token: req.token, hostname: this.o.hostname, addr },
    );
    const role: Role = issued.role === 'swarm-manager' ? 'manager' : 'worker';
    const identity: ManagerIdentity = {
      nodeId: issued.nodeId,
      raftId: issued.raftId,
      clusterId: issued.clusterId,
      hostname: this.o.hostname,
      addr,
      listenAddr,
    };
    const certs = { caPem: caPem.certificate, certPem: issued.certificate, keyPem: key.keyPem };
    if (role === 'worker') {
      // A worker runs no manager; it keeps talking to the managers, starting with the one it joined by.
      const managers = [...new Set([remote, ...issued.members.map(m => m.addr)])];
      this.saveState({ role, identity, managers }, certs);
      await this.startAgent();
      return { nodeId: identity.nodeId, role };
    }
    // Already a Raft member: as in becomeManager, a missing KEK is got later (keepKek).
    const kek = receivedKek(issued.kek);
    if (kek !== undefined) this.keepKekFile(kek);
    this.saveState({ role, identity }, certs);
    await this.startManager(identity, certs, { peers: new Map(issued.members.map(m => [m.raftId, m.addr])) });
    await this.startAgent();
    return { nodeId: identity.nodeId, role: 'manager' };
  }

  private async leave(force: boolean): Promise<object> {
    const m = this.manager;
    if (this.state === undefined)
      throw new RpcError(grpc.status.FAILED_PRECONDITION, 'This node is not part of a swarm');
    if (m === undefined) {
      await this.leaveAsWorker();
      return {};
    }
    if (!force) {
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        'You are attempting to leave the swarm on a node that is participating as a manager. Use `--force` to ignore this message.',
      );
    }
    await m.leaveCluster();
    await this.stopAgent();
    await this.stopManager();
    this.forget();
    return {};
  }

  /** A worker tells the managers it is going (its node shows Down), then forgets the swarm. */
  private async leaveAsWorker(): Promise<void> {
    // Stopped first: its heartbeats must not make the node READY again after it is marked Down.
    await this.stopAgent();
    try {
      await this.managerClients().callAny(this.managerAddrs(), 'NodeCA', 'LeaveSwarm', {});
    } catch (err) {
      // As docker's: a worker may leave while no manager answers; its node then just stays as it was.
      this.o.log.warn({ err: messageOf(err) }, 'left without telling the managers');
    }
    this.forget();
  }

  private forget(): void {
    this.closeClients();
    this.state = undefined;
    this.certs = undefined;
    this.kek = undefined;
    this.renewAt = Infinity;
    rmSync(this.statePath(), { force: true });
    rmSync(this.raftDir(), { recursive: true, force: true });
    rmSync(this.certDir(), { recursive: true, force: true });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.local.forceShutdown();
    // A check under way finishes first: it may be starting or stopping the manager.
    await this.queue;
    await this.stopAgent();
    this.closeClients();
    await this.stopManager();
    rmSync(this.o.socketPath, { force: true });
  }
}

/**
 * `swarm init --default-addr-pool … --default-addr-pool-mask-length N --gateway-subnet CIDR`, checked
 * together (no pool may overlap the gateway range); absent pools = the defaults.
 */
function addressingOf(req: InitRequest): { addressPools?: AddressPools; gatewaySubnet: string } {
  const pools = req.defaultAddrPool ?? [];
  const mask = req.defaultAddrPoolMaskLength ?? 0;
  const gatewaySubnet =
    req.gatewaySubnet === undefined || req.gatewaySubnet === '' ? DEFAULT_GATEWAY_SUBNET : req.gatewaySubnet;
  const resolved = {
    pools: pools.length === 0 ? [...DEFAULT_ADDRESS_POOLS] : pools,
    subnetSize: mask === 0 ? DEFAULT_SUBNET_SIZE : mask,
  };
  const problem = addressPoolProblem(resolved.pools, resolved.subnetSize, gatewaySubnet);
  if (problem !== undefined) throw new RpcError(grpc.status.INVALID_ARGUMENT, problem);
  return pools.length === 0 && mask === 0 ? { gatewaySubnet } : { addressPools: resolved, gatewaySubnet };
}

function withPort(addr: string): string {
  return /:\d+$/.test(addr) ? addr : `${addr}:2377`;
}

/** The KEK a manager's reply carries; undefined when it carries none (or not a KEK). */
function receivedKek(kek: Buffer | undefined): Buffer | undefined {
  return kek?.length === KEK_BYTES ? Buffer.from(kek) : undefined;
}

/** Whether `kek` opens the cluster's sealed root CA key. */
function opens(cluster: Cluster, kek: Buffer): boolean {
  const { certPem, keyEnc } = cluster.rootCa;
  if (keyEnc === undefined) return false;
  try {
    openRootCaKey(certPem, keyEnc, kek);
    return true;
  } catch {
    return false;
  }
}

/** The role the managers say this node has, if they answered. */
function roleOfStatus(s: StatusResponse | undefined): Role | undefined {
  if (s === undefined) return undefined;
  return s.role === 'manager' ? 'manager' : 'worker';
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every(x => b.includes(x));
}
