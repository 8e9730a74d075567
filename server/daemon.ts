/**
 * shoald's control surface: the local unix socket (its file mode is the access control, as with
 * dockerd's) serving the Swarm service (init, join, leave, info) and the Control API of the manager
 * this daemon runs, and the lifecycle of that manager across restarts (state under the data folder).
 */
import * as grpc from '@grpc/grpc-js';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  checkRemoteCa,
  createCsr,
  createNodeKey,
  createRootCa,
  parseJoinToken,
  randomClusterId,
  randomNodeId,
  signNodeCertificate,
} from '../certs/index.ts';
import { clientOf, loadShoalPackage, serviceOf, unaryCall } from '../proto/load.ts';
import { clusterOf } from './ca/ca-server.ts';
import { controlHandlers, controlService } from './controlapi/control-server.ts';
import { Manager, type ManagerIdentity, type NodeCerts } from './manager.ts';
import { RpcError, unary } from './rpc/status.ts';

const controlPkg = loadShoalPackage('control.proto');
const caPkg = loadShoalPackage('ca.proto');

export const NOT_A_MANAGER =
  'This node is not a swarm manager. Use "shoal swarm init" or "shoal swarm join" to connect this node to swarm and try again.';

export interface DaemonOptions {
  dataDir: string;
  socketPath: string;
  hostname: string;
  log: Logger;
  tickMs?: number;
  snapshotEvery?: number;
}

interface SavedState {
  identity: ManagerIdentity;
}

export class Daemon {
  private manager: Manager | undefined;
  private readonly local = new grpc.Server();

  private constructor(private readonly o: DaemonOptions) {}

  /** Starts the daemon; if the data folder holds a cluster member, that manager starts too. */
  static async start(o: DaemonOptions): Promise<Daemon> {
    const d = new Daemon(o);
    mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
    const saved = d.loadState();
    if (saved !== undefined) d.manager = await Manager.start(d.managerOptions(saved.identity, d.loadCerts()));
    await d.serveLocal();
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
    mkdirSync(this.certDir(), { recursive: true, mode: 0o700 });
    writeFileSync(join(this.certDir(), 'swarm-root-ca.crt'), certs.caPem);
    writeFileSync(join(this.certDir(), 'swarm-node.crt'), certs.certPem);
    writeFileSync(join(this.certDir(), 'swarm-node.key'), certs.keyPem, { mode: 0o600 });
    // Written last: a folder with state.json is a complete member.
    writeFileSync(this.statePath(), JSON.stringify(s, null, 2));
  }

  private loadCerts(): NodeCerts {
    const read = (f: string): string => readFileSync(join(this.certDir(), f), 'utf8');
    return {
      caPem: read('swarm-root-ca.crt'),
      certPem: read('swarm-node.crt'),
      keyPem: read('swarm-node.key'),
    };
  }

  private async serveLocal(): Promise<void> {
    const log = this.o.log;
    this.local.addService(serviceOf(controlPkg, 'Swarm'), {
      Init: unary(log, (req: { advertiseAddr: string; listenAddr: string }) => this.init(req)),
      Join: unary(
        log,
        (req: { token: string; remoteAddr: string; advertiseAddr: string; listenAddr: string }) =>
          this.join(req),
      ),
      Leave: unary(log, (req: { force: boolean }) => this.leave(req.force)),
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
    const id = this.loadState()?.identity;
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
    const caPem = await callUnary<{ certificate: string }>(
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
    const issued = await callUnary<{
      nodeId: string;
      certificate: string;
      role: string;
      clusterId: string;
      raftId: number;
      members: { raftId: number; addr: string }[];
    }>(remote, grpc.credentials.createSsl(Buffer.from(caPem.certificate)), 'NodeCA', 'IssueNodeCertificate', {
      csr: createCsr(key.keyPem),
      token: req.token,
      hostname: this.o.hostname,
      addr,
    });
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
    rmSync(this.statePath(), { force: true });
    rmSync(join(this.o.dataDir, 'raft'), { recursive: true, force: true });
    rmSync(this.certDir(), { recursive: true, force: true });
    return {};
  }

  async stop(): Promise<void> {
    this.local.forceShutdown();
    await this.manager?.stop();
    rmSync(this.o.socketPath, { force: true });
  }
}

function withPort(addr: string): string {
  return /:\d+$/.test(addr) ? addr : `${addr}:2377`;
}

/** One unary call to a manager, for the join bootstrap (before this node has a certificate). */
async function callUnary<T>(
  addr: string,
  creds: grpc.ChannelCredentials,
  service: string,
  method: string,
  req: object,
): Promise<T> {
  const Client = clientOf(caPkg, service);
  const client = new Client(addr, creds, { 'grpc.ssl_target_name_override': 'swarm-manager' });
  try {
    return await unaryCall<T>(client, method, req, { deadline: Date.now() + 10_000 });
  } catch (err) {
    const e = err as grpc.ServiceError;
    throw new RpcError(e.code, e.details);
  } finally {
    client.close();
  }
}
