/**
 * RaftMembership.Join: a promoted node, holding the manager certificate its renewal gave it, becomes a
 * Raft member (swarmkit's `raft.go` Join). Its node object gets its Raft ID and address first (the
 * transport admits a member's messages by that record, and a new member counts in the quorum at once),
 * then the member is added; the reply lists every member so the newcomer can start with an empty log,
 * and carries the key-encryption key of the root CA key (a manager signs certificates). A caller that
 * already is a member gets its ID (and the KEK) back, so a node that failed to start can retry, and a
 * manager from before keys were sealed gets the KEK the leader sealed the key with.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { loadShoalPackage, serviceOf } from '../../proto/load.ts';
import { quoted } from '../limits/limits.ts';
import type { RaftNode } from '../raftnode/raft-node.ts';
import { unary } from '../rpc/status.ts';
import {
  InvalidArgumentError,
  NotFoundError,
  PreconditionError,
  UnauthenticatedError,
} from '../../lib/errors.ts';
import { getNode, updateNode, type MemoryStore } from '../store/index.ts';
import { callerOf } from '../caller/caller.ts';
import { clusterOf, freshRaftId, HOST_PORT, memberList, nodeOf } from './node-records.ts';
import { kekForNewManager, type KekSource } from './root-ca-key.ts';

const pkg = loadShoalPackage('ca.proto');
export const raftMembershipService = serviceOf(pkg, 'RaftMembership');

export function raftMembershipHandlers(
  store: MemoryStore,
  raft: RaftNode,
  log: Logger,
  kek: KekSource,
): grpc.UntypedServiceImplementation {
  return {
    Join: unary(log, async (req: { addr: string; kekOnly?: boolean }, call) => {
      if (typeof req.addr !== 'string' || !HOST_PORT.test(req.addr)) {
        throw new InvalidArgumentError(
          `a joining manager needs its address as host:port, got ${quoted(String(req.addr))}`,
        );
      }
      const caller = callerOf(call);
      if (caller === undefined) {
        throw new UnauthenticatedError('a client certificate of this cluster is required');
      }
      const node = nodeOf(store, caller.nodeId);
      if (node.role !== 'manager') {
        throw new PreconditionError(`node ${node.id} is not a manager: promote it before it joins Raft`);
      }
      const managerKek = kekForNewManager(clusterOf(store), kek);
      const known = node.managerStatus?.raftId;
      if (req.kekOnly === true || (known !== undefined && raft.members.has(known))) {
        return { raftId: known ?? 0, members: memberList(raft), kek: managerKek };
      }
      // A join whose membership change is still on its way (the caller timed out and asks again) keeps
      // its Raft ID: a second ID would make a second voter that never runs once both changes apply.
      const raftId = known ?? freshRaftId(raft);
      await store.update(tx => {
        const n = getNode(tx, node.id);
        if (n === undefined) throw new NotFoundError(`node ${node.id} not found`);
        updateNode(tx, {
          ...n,
          status: { ...n.status, addr: req.addr.split(':')[0] ?? '' },
          managerStatus: { raftId, addr: req.addr },
        });
      }, Date.now());
      await raft.addMember(raftId, req.addr);
      log.info({ nodeId: node.id, raftId, addr: req.addr }, 'promoted node joined raft');
      return { raftId, members: memberList(raft), kek: managerKek };
    }),
  };
}
