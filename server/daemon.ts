/**
 * shoald's control surface: the local unix socket (its file mode is the access control, as with
 * dockerd's) serving the Swarm service (init, join, leave, info) and the Control API of the manager
 * this daemon runs, and the lifecycle of that manager across restarts (state under the data folder).
 */
import * as grpc from '@grpc/grpc-js';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  checkKeyPair,
  checkRemoteCa,
  createCsr,
  createNodeKey,
  createRootCa,
  parseJoinToken,
  randomClusterId,
  randomNodeId,
  readIdentity,
  renewalRetryDelayMs,
  renewalTime,
  signNodeCertificate,
  verifyNodeCertificate,
} from '../certs/index.ts';
import { loadShoalPackage, serviceOf } from '../proto/load.ts';
import { clusterOf } from './ca/ca-server.ts';
import { readNodeCerts, writeFileAtomic, writeNodeCerts } from './ca/cert-files.ts';
import { callAnyManager, callManager, nodeCredentials } from './ca/manager-client.ts';
import { controlHandlers, controlService } from './controlapi/control-server.ts';
import { Manager, type ManagerIdentity, type NodeCerts } from './manager.ts';
import { RpcError, unary } from './rpc/status.ts';

const controlPkg = loadShoalPackage('control.proto');

export const NOT_A_MANAGER =
  'This node is not a swarm manager. Use "shoal swarm init" or "shoal swarm join" to connect this node to swarm and try again.';

export interface DaemonOptions {
  dataDir: string;
  socketPath: string;
  hostname: string;
  log: Logger;
  tickMs?: number;
  snapshotEvery?: number;
  /** How often this node checks its certificate with the managers, in ms. @default 5000 */
  pollMs?: number;
  /** The clock certificate renewals are scheduled by (tests move it forward). @default Date.now */
  now?: () => number;
}

interface SavedState {
  identity: ManagerIdentity;
}

interface IssueResponse {
  nodeId: string;
  certificate: string;
  role: string;
  clusterId: string;
  raftId: number;
  members: { raftId: number; addr: string }[];
}

export class Daemon {
  private manager: Manager | undefined;
  private readonly local = new grpc.Server();
  /** This node's place in a swarm and its certificates; undefined outside one. */
  private state: SavedState | undefined;
  private certs: NodeCerts | undefined;
  /** When the current certificate is due for renewal (ms, by `o.now`). */
  private renewAt = Infinity;
  private renewFailures = 0;
  /** No renewal attempt before this (ms): the backoff after a failure. */
  private retryAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Swarm calls and the node loop's checks run one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly o: DaemonOptions) {}

  /** Starts the daemon; if the data folder holds a cluster member, that manager starts too. */
  static async start(o: DaemonOptions): Promise<Daemon> {
    const d = new Daemon(o);
    mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
    const saved = d.loadState();
    if (saved !== undefined) {
      d.adopt(saved, readNodeCerts(d.certDir()));
      d.manager = await Manager.start(d.managerOptions(saved.identity, d.requireCerts()));
    }
    await d.serveLocal();
    d.schedule();
    return d;
  }

  get isActive(): boolean {
    return this.manager !== undefined;
  }

  private managerOptions(identity: ManagerIdentity, certs: NodeCerts): Parameters<typeof Manager.start>[0] {
    return {
      dataDir: this.o.dataDir,
      identity,
      certs,
      log: this.o.log,
      ...(this.o.tickMs === undefined ? {} : { tickMs: this.o.tickMs }),
      ...(this.o.snapshotEvery === undefined ? {} : { snapshotEvery: this.o.snapshotEvery }),
    };
  }

  private statePath(): string {
    return join(this.o.dataDir, 'state.json');
  }

  private certDir(): string {
    return join(this.o.dataDir, 'certificates');
  }

  private loadState(): SavedState | undefined {
    if (!existsSync(this.statePath())) return undefined;
    return JSON.parse(readFileSync(this.statePath(), 'utf8')) as SavedState;
  }

  private saveState(s: SavedState, certs: NodeCerts): void {
    writeNodeCerts(this.certDir(), certs);
    // Written last: a folder with state.json is a complete member.
    writeFileAtomic(this.statePath(), JSON.stringify(s, null, 2));
    this.adopt(s, certs);
  }

  /** Takes `s` and `certs` as this node's current ones, and schedules the certificate's renewal. */
  private adopt(s: SavedState, certs: NodeCerts): void {
    this.state = s;
    this.certs = certs;
    const { notBefore, notAfter } = readIdentity(certs.certPem);
    this.renewAt = renewalTime(notBefore, notAfter, Math.random());
    this.renewFailures = 0;
    this.retryAt = 0;
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

  /** The node loop: every poll period, one check (here: is the certificate due for renewal?). */
  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.serial(() => this.check())
        .catch((err: unknown) => this.o.log.warn({ err: messageOf(err) }, 'node check failed'))
        .finally(() => this.schedule());
    }, this.o.pollMs ?? 5000);
  }

  private async check(): Promise<void> {
    if (this.state === undefined || this.stopped) return;
    const now = this.now();
    if (now < this.renewAt || now < this.retryAt) return;
    if (!(await this.renew())) return;
    // grpc-js reads a server's certificate once, at bind: the manager restarts on its new one.
    if (this.manager !== undefined) await this.restartManager();
  }

  /** Renews this node's certificate with the managers; on failure, backs off (5 s doubling to 1 h). */
  private async renew(): Promise<boolean> {
    const state = this.state;
    const certs = this.requireCerts();
    if (state === undefined) return false;
    const { nodeId, clusterId } = state.identity;
    try {
      const key = createNodeKey();
      const res = await callAnyManager<IssueResponse>(
        this.managerAddrs(),
        nodeCredentials(certs),
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

  /** Where the managers are: the other Raft members first (this one's store may lag), then this one. */
  private managerAddrs(): string[] {
    const m = this.manager;
    if (m === undefined) return [];
    const others = [...m.raft.members].filter(([id]) => id !== m.identity.raftId).map(([, addr]) => addr);
    return [...others, m.identity.addr];
  }

  private async restartManager(): Promise<void> {
    const m = this.manager;
    if (m === undefined || this.state === undefined) return;
    this.manager = undefined;
    await m.stop();
    this.manager = await Manager.start(this.managerOptions(this.state.identity, this.requireCerts()));
  }

  private async serveLocal(): Promise<void> {
    const log = this.o.log;
    this.local.addService(serviceOf(controlPkg, 'Swarm'), {
      Init: unary(log, (req: { advertiseAddr: string; listenAddr: string }) =>
        this.serial(() => this.init(req)),
      ),
      Join: unary(
        log,
        (req: { token: string; remoteAddr: string; advertiseAddr: string; listenAddr: string }) =>
          this.serial(() => this.join(req)),
      ),
      Leave: unary(log, (req: { force: boolean }) => this.serial(() => this.leave(req.force))),
      Info: unary(log, () => Promise.resolve(this.info())),
    });
    // Control calls go to this daemon's manager, whichever one is running now.
    const route: grpc.UntypedServiceImplementation = {};
    for (const method of Object.keys(controlService)) {
      route[method] = ((call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const m = this.manager;
        if (m === undefined) {
          cb({ code: grpc.status.FAILED_PRECONDITION, details: NOT_A_MANAGER });
          return;
        }
        const h = controlHandlers(m.store, m.raft, log)[method] as grpc.handleUnaryCall<unknown, unknown>;
        h(call, cb);
      }) as grpc.UntypedHandleCall;
    }
    this.local.addService(controlService, route);
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
      state: this.manager === undefined ? 'inactive' : 'active',
      nodeId: id?.nodeId ?? '',
      isManager: this.manager !== undefined,
      clusterId: id?.clusterId ?? '',
      addr: id?.addr ?? '',
    };
  }

  private alreadyMember(): void {
    if (this.manager !== undefined) {
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

  private async init(req: { advertiseAddr: string; listenAddr: string }): Promise<object> {
    this.alreadyMember();
    const { addr, listenAddr } = this.addresses(req);
    const rootCa = createRootCa();
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
    this.manager = await Manager.start({ ...this.managerOptions(identity, certs), bootstrap: { rootCa } });
    this.saveState({ identity }, certs);
    const tokens = clusterOf(this.manager.store).joinTokens;
    return { nodeId: identity.nodeId, workerToken: tokens.worker, managerToken: tokens.manager, addr };
  }

  /** Joins an existing cluster as a manager: pin the CA by the token's digest, get a certificate, start. */
  private async join(req: {
    token: string;
    remoteAddr: string;
    advertiseAddr: string;
    listenAddr: string;
  }): Promise<object> {
    this.alreadyMember();
    const token = parseJoinToken(req.token);
    const remote = withPort(req.remoteAddr);
    const { addr, listenAddr } = this.addresses(req);
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
    if (issued.role !== 'swarm-manager') {
      throw new RpcError(
        grpc.status.UNIMPLEMENTED,
        'joining as a worker needs the agent, which this daemon does not run yet',
      );
    }
    const identity: ManagerIdentity = {
      nodeId: issued.nodeId,
      raftId: issued.raftId,
      clusterId: issued.clusterId,
      hostname: this.o.hostname,
      addr,
      listenAddr,
    };
    const certs = { caPem: caPem.certificate, certPem: issued.certificate, keyPem: key.keyPem };
    this.saveState({ identity }, certs);
    const peers = new Map(issued.members.map(m => [m.raftId, m.addr]));
    this.manager = await Manager.start({ ...this.managerOptions(identity, certs), peers });
    return { nodeId: identity.nodeId, role: 'manager' };
  }

  private async leave(force: boolean): Promise<object> {
    const m = this.manager;
    if (m === undefined)
      throw new RpcError(grpc.status.FAILED_PRECONDITION, 'This node is not part of a swarm');
    if (!force) {
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        'You are attempting to leave the swarm on a node that is participating as a manager. Use `--force` to ignore this message.',
      );
    }
    await m.leaveCluster();
    await m.stop();
    this.manager = undefined;
    this.state = undefined;
    this.certs = undefined;
    rmSync(this.statePath(), { force: true });
    rmSync(join(this.o.dataDir, 'raft'), { recursive: true, force: true });
    rmSync(this.certDir(), { recursive: true, force: true });
    return {};
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.local.forceShutdown();
    // A check under way finishes first: it may be restarting the manager.
    await this.queue;
    await this.manager?.stop();
    rmSync(this.o.socketPath, { force: true });
  }
}

function withPort(addr: string): string {
  return /:\d+$/.test(addr) ? addr : `${addr}:2377`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
