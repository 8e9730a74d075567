/**
 * The Swarm service of the local socket: `swarm init` (a new cluster, or `--force-new-cluster`),
 * `swarm join`, `swarm leave` and `info`, which make this node a manager or a worker of a swarm, or
 * take it out of one.
 */
import type { InitRequest__Output } from '../proto/gen/shoal/v1/InitRequest.ts';
import type { JoinRequest__Output } from '../proto/gen/shoal/v1/JoinRequest.ts';
import * as grpc from '@grpc/grpc-js';
import {
  checkRemoteCa,
  createCsr,
  createKek,
  createNodeKey,
  createRootCa,
  parseJoinToken,
  randomClusterId,
  randomNodeId,
  sealRootCaKey,
  signNodeCertificate,
} from '../certs/index.ts';
import { messageOf } from '../lib/message-of.ts';
import { clusterOf } from '../server/ca/ca-server.ts';
import { callManager } from '../server/ca/manager-client.ts';
import { advertiseToward, listensEverywhere } from './join-address.ts';
import type { Manager, ManagerIdentity } from '../server/manager/manager.ts';
import { roleOf, type Role } from './saved-state.ts';
import type { AgentLifecycle } from './agent-lifecycle.ts';
import type { CertificateRenewal } from './certificate-renewal.ts';
import type { DaemonOptions } from './daemon-options.ts';
import { InvalidSwarmRequestError, NodeStateError } from './errors.ts';
import { receivedKek } from './kek-sync.ts';
import type { ManagerHost } from './manager-host.ts';
import type { ManagerLink } from './manager-link.ts';
import type { IssueResponse } from './manager-replies.ts';
import type { NodeState } from './node-state.ts';
import { addressesOf, addressingOf, withPort } from './swarm-addresses.ts';
import { randomRaftId } from '../server/raftnode/raft-id.ts';

/** `Swarm.Init`'s request (control.proto); an in-process caller may leave out what the daemon chooses. */
export type InitRequest = Pick<InitRequest__Output, 'advertiseAddr' | 'listenAddr'> &
  Partial<InitRequest__Output>;

export type JoinRequest = JoinRequest__Output;

export class SwarmMembership {
  constructor(
    private readonly o: DaemonOptions,
    private readonly d: {
      state: NodeState;
      host: ManagerHost;
      link: ManagerLink;
      agent: AgentLifecycle;
      renewal: CertificateRenewal;
    },
  ) {}

  info(): object {
    const id = this.d.state.saved?.identity;
    return {
      state: id === undefined ? 'inactive' : 'active',
      nodeId: id?.nodeId ?? '',
      isManager: this.d.host.manager !== undefined,
      clusterId: id?.clusterId ?? '',
      addr: id?.addr ?? '',
    };
  }

  private alreadyMember(): void {
    if (this.d.state.saved !== undefined) {
      throw new NodeStateError(
        'This node is already part of a swarm. Use "shoal swarm leave" to leave this swarm and join another one.',
      );
    }
  }

  async init(req: InitRequest): Promise<object> {
    const { state: nodeState, host, agent } = this.d;
    if (req.forceNewCluster === true && nodeState.saved !== undefined) return this.forceNewCluster(req);
    this.alreadyMember();
    const { addressPools, gatewaySubnet } = addressingOf(req);
    const { addr, listenAddr } = addressesOf(req);
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
      raftId: randomRaftId(),
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
    nodeState.holdKek(kek);
    let m: Manager;
    try {
      m = await host.start(identity, certs, {
        bootstrap: {
          rootCa: { certPem: rootCa.certPem, keyEnc: sealRootCaKey(rootCa, kek) },
          ...(addressPools === undefined ? {} : { addressPools }),
          gatewaySubnet,
        },
      });
    } catch (err) {
      nodeState.holdKek(undefined);
      throw err;
    }
    nodeState.keepKek(kek);
    nodeState.save({ role: 'manager', identity }, certs);
    await agent.start();
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
    const { state: nodeState, host, agent } = this.d;
    const state = nodeState.saved;
    if (state === undefined) throw new Error('daemon: force-new-cluster outside a swarm');
    if (roleOf(state) !== 'manager') {
      throw new NodeStateError('--force-new-cluster needs the data of a manager: this node is a worker');
    }
    const changes =
      (req.defaultAddrPool ?? []).length > 0 ||
      (req.defaultAddrPoolMaskLength ?? 0) !== 0 ||
      (req.gatewaySubnet ?? '') !== '' ||
      (req.listenAddr !== '' && withPort(req.listenAddr) !== state.identity.listenAddr) ||
      (req.advertiseAddr !== '' && withPort(req.advertiseAddr) !== state.identity.addr);
    if (changes) {
      throw new InvalidSwarmRequestError(
        '--force-new-cluster keeps the cluster as it is: its addresses, address pools and gateway range cannot change with it',
      );
    }
    const certs = nodeState.requireCerts();
    await host.stop();
    const m = await host.start(state.identity, certs, { forceNewCluster: true });
    await m.waitForLeader();
    await agent.start();
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
  async join(req: JoinRequest): Promise<object> {
    const { state: nodeState, host, agent } = this.d;
    this.alreadyMember();
    const token = parseJoinToken(req.token);
    const remote = withPort(req.remoteAddr);
    // Without an address to advertise, the one the manager sees this node by (join-address.ts).
    const chosen =
      req.advertiseAddr === '' && listensEverywhere(req.listenAddr)
        ? await advertiseToward(remote, req.listenAddr)
        : '';
    const { addr, listenAddr } = addressesOf({ ...req, advertiseAddr: req.advertiseAddr || chosen });
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
      nodeState.save({ role, identity, managers }, certs);
      await agent.start();
      return { nodeId: identity.nodeId, role };
    }
    // Already a Raft member: as in a promotion, a missing KEK is got later (KekSync).
    const kek = receivedKek(issued.kek);
    if (kek !== undefined) nodeState.keepKek(kek);
    nodeState.save({ role, identity }, certs);
    await host.start(identity, certs, { peers: new Map(issued.members.map(m => [m.raftId, m.addr])) });
    await agent.start();
    return { nodeId: identity.nodeId, role: 'manager' };
  }

  async leave(force: boolean): Promise<object> {
    const { state: nodeState, host, agent } = this.d;
    const m = host.manager;
    if (nodeState.saved === undefined) throw new NodeStateError('This node is not part of a swarm');
    if (m === undefined) {
      await this.leaveAsWorker();
      return {};
    }
    if (!force) {
      throw new NodeStateError(
        'You are attempting to leave the swarm on a node that is participating as a manager. Use `--force` to ignore this message.',
      );
    }
    await m.leaveCluster();
    await agent.stop();
    await host.stop();
    this.forget();
    return {};
  }

  /** A worker tells the managers it is going (its node shows Down), then forgets the swarm. */
  private async leaveAsWorker(): Promise<void> {
    // Stopped first: its heartbeats must not make the node READY again after it is marked Down.
    await this.d.agent.stop();
    try {
      await this.d.link.callAny('NodeCA', 'LeaveSwarm', {});
    } catch (err) {
      // As docker's: a worker may leave while no manager answers; its node then just stays as it was.
      this.o.log.warn({ err: messageOf(err) }, 'left without telling the managers');
    }
    this.forget();
  }

  private forget(): void {
    this.d.link.close();
    this.d.renewal.cancel();
    this.d.state.forget();
  }
}
