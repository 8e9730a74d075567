/**
 * The CA services: the root certificate for anyone (the joiner checks its digest against its token),
 * and node certificates for holders of a join token. The token decides the role; a manager is also
 * added to Raft before its certificate is returned, so it can start as a member at once.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { parseJoinToken, randomNodeId, signNodeCertificate, tokensEqual } from '../../certs/index.ts';
import { serviceOf, loadShoalPackage } from '../../proto/load.ts';
import type { RaftNode } from '../raftnode/raft-node.ts';
import { RpcError, unary } from '../rpc/status.ts';
import { createNode, findClusters, type Cluster, type MemoryStore } from '../store/index.ts';

const pkg = loadShoalPackage('ca.proto');

interface IssueRequest {
  csr: string;
  token: string;
  hostname: string;
  addr: string;
}

export const INVALID_TOKEN = 'A valid join token is necessary to join this cluster';

/** The cluster object, or UNAVAILABLE while the new cluster's first write is not applied yet. */
export function clusterOf(store: MemoryStore): Cluster {
  const c = store.view(tx => findClusters(tx))[0];
  if (c === undefined) throw new RpcError(grpc.status.UNAVAILABLE, 'the cluster is still starting');
  return c;
}

export function registerCa(server: grpc.Server, store: MemoryStore, raft: RaftNode, log: Logger): void {
  server.addService(serviceOf(pkg, 'CA'), {
    GetRootCACertificate: unary(log, () => Promise.resolve({ certificate: clusterOf(store).rootCa.certPem })),
  });
  server.addService(serviceOf(pkg, 'NodeCA'), {
    IssueNodeCertificate: unary(log, async (req: IssueRequest) => {
      const cluster = clusterOf(store);
      parseJoinToken(req.token); // a malformed token: "invalid join token"
      const role = tokensEqual(req.token, cluster.joinTokens.manager)
        ? 'manager'
        : tokensEqual(req.token, cluster.joinTokens.worker)
          ? 'worker'
          : undefined;
      if (role === undefined) throw new RpcError(grpc.status.INVALID_ARGUMENT, INVALID_TOKEN);
      if (typeof req.hostname !== 'string' || req.hostname === '') {
        throw new RpcError(grpc.status.INVALID_ARGUMENT, 'hostname is required');
      }
      if (role === 'manager' && !/^[^\s:]+:\d{1,5}$/.test(req.addr)) {
        throw new RpcError(
          grpc.status.INVALID_ARGUMENT,
          `a joining manager needs its address as host:port, got "${req.addr}"`,
        );
      }
      const nodeId = randomNodeId();
      const certificate = signNodeCertificate({
        csrPem: req.csr,
        ca: { certPem: cluster.rootCa.certPem, keyPem: cluster.rootCa.keyPem },
        nodeId,
        role: `swarm-${role}`,
        clusterId: cluster.id,
      });
      const raftId = role === 'manager' ? 1 + Math.floor(Math.random() * 2 ** 48) : 0;
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
      const members = [...raft.members].map(([id, addr]) => ({ raftId: id, addr }));
      return { nodeId, certificate, role: `swarm-${role}`, clusterId: cluster.id, raftId, members };
    }),
  });
}
