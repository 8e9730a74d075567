/**
 * The CA services: the root certificate for anyone (the joiner checks its digest against its token),
 * node certificates for holders of a join token, renewal of a node's own certificate under mTLS (with
 * the role its node has now: how promotion and demotion reach the certificate), and each node's
 * certificate status. The token decides a joiner's role; a manager is also added to Raft before its
 * certificate is returned, so it can start as a member at once, and receives the key-encryption key of
 * the root CA key, which it needs to sign certificates in its turn (workers never get it).
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import {
  NODE_CERT_VALIDITY_MS,
  parseJoinToken,
  randomNodeId,
  signNodeCertificate,
  tokensEqual,
} from '../../certs/index.ts';
import { serviceOf, loadShoalPackage } from '../../proto/load.ts';
import { quoted } from '../limits/limits.ts';
import type { RaftNode } from '../raftnode/raft-node.ts';
import { unary } from '../rpc/status.ts';
import {
  InvalidArgumentError,
  NotFoundError,
  PermissionError,
  PreconditionError,
  UnauthenticatedError,
} from '../../lib/errors.ts';
import { createNode, getNode, updateNode, type MemoryStore } from '../store/index.ts';
import { callerOf, type Caller } from '../caller/caller.ts';
import { clusterOf, freshRaftId, HOST_PORT, memberList, nodeOf } from './node-records.ts';
import { raftMembershipHandlers, raftMembershipService } from './raft-membership.ts';
import { kekForNewManager, signingCa, type KekSource } from './root-ca-key.ts';

const pkg = loadShoalPackage('ca.proto');

interface IssueRequest {
  csr: string;
  token: string;
  hostname: string;
  addr: string;
}

export const INVALID_TOKEN = 'A valid join token is necessary to join this cluster';

/** The longest hostname a joining node may give (a DNS name has at most 253). */
const MAX_HOSTNAME_CHARS = 255;

export interface CaOptions {
  /** Lifetime of the node certificates this CA signs. @default NODE_CERT_VALIDITY_MS (90 days) */
  nodeCertValidityMs?: number;
  /** This manager's key-encryption key of the root CA key. @default none (only a key in clear signs) */
  kek?: KekSource;
}

export { clusterOf } from './node-records.ts';

export function registerCa(
  server: grpc.Server,
  store: MemoryStore,
  raft: RaftNode,
  log: Logger,
  o: CaOptions = {},
): void {
  const validityMs = o.nodeCertValidityMs ?? NODE_CERT_VALIDITY_MS;
  const kek = o.kek ?? (() => undefined);

  /** Renewal: the caller's own certificate again, for its node's current role. */
  const renew = async (caller: Caller, csr: string): Promise<object> => {
    const cluster = clusterOf(store);
    // 'any' methods skip the interceptor's checks: they are made here, for the renewal path.
    if (caller.clusterId !== cluster.id) {
      throw new PermissionError(`certificate is for cluster ${caller.clusterId}, not this one`);
    }
    if (cluster.blacklistedCertificates[caller.nodeId] !== undefined) {
      throw new PermissionError(`node ${caller.nodeId} was removed from swarm`);
    }
    // The observed role, not the desired one: a demoted manager gets its worker certificate only
    // once it is out of Raft (the role manager changes the role after the removal, as swarmkit's does).
    const node = nodeOf(store, caller.nodeId);
    const certificate = signNodeCertificate({
      csrPem: csr,
      ca: signingCa(cluster, kek),
      nodeId: node.id,
      role: `swarm-${node.role}`,
      clusterId: cluster.id,
      validityMs,
    });
    await store.update(tx => {
      const n = getNode(tx, node.id);
      if (n !== undefined) updateNode(tx, { ...n, certificate: { status: 'issued', certPem: certificate } });
    }, Date.now());
    log.info({ nodeId: node.id, role: node.role }, 'node certificate renewed');
    return {
      nodeId: node.id,
      certificate,
      role: `swarm-${node.role}`,
      clusterId: cluster.id,
      raftId: node.managerStatus?.raftId ?? 0,
      members: memberList(raft),
    };
  };

  server.addService(serviceOf(pkg, 'CA'), {
    GetRootCACertificate: unary(log, () => Promise.resolve({ certificate: clusterOf(store).rootCa.certPem })),
  });
  server.addService(serviceOf(pkg, 'NodeCA'), {
    IssueNodeCertificate: unary(log, async (req: IssueRequest, call) => {
      const caller = req.token === '' ? callerOf(call) : undefined;
      if (caller !== undefined) return renew(caller, req.csr);
      const cluster = clusterOf(store);
      parseJoinToken(req.token); // a malformed token: "invalid join token"
      const role = tokensEqual(req.token, cluster.joinTokens.manager)
        ? 'manager'
        : tokensEqual(req.token, cluster.joinTokens.worker)
          ? 'worker'
          : undefined;
      if (role === undefined) throw new InvalidArgumentError(INVALID_TOKEN);
      if (typeof req.hostname !== 'string' || req.hostname === '') {
        throw new InvalidArgumentError('hostname is required');
      }
      // It is kept, logged and listed: a name, not a payload.
      if (req.hostname.length > MAX_HOSTNAME_CHARS) {
        throw new InvalidArgumentError(
          `hostname ${quoted(req.hostname)} is longer than ${MAX_HOSTNAME_CHARS} characters`,
        );
      }
      if (role === 'manager' && !HOST_PORT.test(req.addr)) {
        throw new InvalidArgumentError(
          `a joining manager needs its address as host:port, got ${quoted(req.addr)}`,
        );
      }
      // A manager signs certificates too: it gets the KEK (over TLS to the CA its token pinned).
      const managerKek = role === 'manager' ? kekForNewManager(cluster, kek) : undefined;
      const nodeId = randomNodeId();
      const certificate = signNodeCertificate({
        csrPem: req.csr,
        ca: signingCa(cluster, kek),
        nodeId,
        role: `swarm-${role}`,
        clusterId: cluster.id,
        validityMs,
      });
      const raftId = role === 'manager' ? freshRaftId(raft) : 0;
      // The node object goes in first: once the new member counts in the quorum, nothing commits
      // until it runs, and it runs only after this call returns.
      await store.update(tx => {
        createNode(tx, {
          id: nodeId,
          spec: { desiredRole: role, availability: 'active', labels: {} },
          role,
          status: { state: 'ready', addr: req.addr.split(':')[0] ?? '' },
          description: { hostname: req.hostname },
          ...(role === 'manager' ? { managerStatus: { raftId, addr: req.addr } } : {}),
          certificate: { status: 'issued', certPem: certificate },
        });
      }, Date.now());
      if (role === 'manager') await raft.addMember(raftId, req.addr);
      log.info({ nodeId, role, hostname: req.hostname }, 'node joined');
      return {
        nodeId,
        certificate,
        role: `swarm-${role}`,
        clusterId: cluster.id,
        raftId,
        members: memberList(raft),
        ...(managerKek === undefined ? {} : { kek: managerKek }),
      };
    }),
    // Signing is synchronous here, so there is nothing to long-poll for (swarmkit's waits for its
    // signing loop); nodes poll this for their role until the dispatcher's session tells them.
    NodeCertificateStatus: unary(log, async (req: { nodeId: string }) => {
      if (typeof req.nodeId !== 'string' || req.nodeId === '') {
        throw new InvalidArgumentError('node ID is required');
      }
      // Anyone may ask, with anything: the answer repeats a bounded part of it.
      const node = store.view(tx => getNode(tx, req.nodeId));
      if (node === undefined) throw new NotFoundError(`node ${quoted(req.nodeId)} not found`);
      return {
        status: node.certificate.status,
        certificate: node.certificate.certPem ?? '',
        role: node.role,
        managers: [...raft.members.values()],
        desiredRole: node.spec.desiredRole,
      };
    }),
    LeaveSwarm: unary(log, async (_req: object, call) => {
      const node = nodeOf(store, requireCaller(call).nodeId);
      if (node.role === 'manager') {
        throw new PreconditionError(
          `node ${node.id} is a manager: it leaves through Raft (swarm leave --force on that node)`,
        );
      }
      await store.update(tx => {
        const n = getNode(tx, node.id);
        if (n !== undefined) {
          updateNode(tx, { ...n, status: { ...n.status, state: 'down', message: 'node left the swarm' } });
        }
      }, Date.now());
      log.info({ nodeId: node.id }, 'worker left the swarm');
      return {};
    }),
  });
  // Joining Raft is the last step of a promotion, after the certificate: registered with the CA so
  // that every manager that serves the CA serves it too.
  server.addService(raftMembershipService, raftMembershipHandlers(store, raft, log, kek));
}

/** The verified caller of a method the role table closes to callers without a certificate. */
function requireCaller(call: Parameters<typeof callerOf>[0]): Caller {
  const caller = callerOf(call);
  if (caller === undefined) {
    throw new UnauthenticatedError('a client certificate of this cluster is required');
  }
  return caller;
}
