/**
 * Who may speak for a Raft member: the transport asks, for each sender, whether the manager whose
 * certificate names `nodeId` may send as Raft member `raftId`. The answer comes from the replicated
 * node objects (node ID → managerStatus.raftId), with one allowance for the moments a member has no
 * node object in this replica's store.
 */
import type { NodeId } from '../raft/index.ts';
import { findNodes, getNode, type MemoryStore } from '../store/index.ts';

/** The transport's sender predicate; `nodeId` is undefined for a caller without a client certificate. */
export type SenderCheck = (nodeId: string | undefined, raftId: NodeId) => boolean;

/**
 * The sender check of a manager:
 * - only a current member is heard: a removed one (demoted, or left behind by a forced new cluster) that
 *   comes back with its old log could otherwise win votes and overwrite the log of the members that
 *   went on without it (etcd drops removed members' messages the same way);
 * - a caller whose node object this store holds may send only as the Raft ID recorded there;
 * - a caller with no node object here may send only as a current member that no node object claims.
 *   That is a member whose node object went before its Raft membership (a manager leaving deletes its
 *   node, then proposes its own removal through the leader), or, on a newcomer whose store is still
 *   empty, the members it was told about at join. No caller can pose as a member whose node object
 *   this store holds, nor as a non-member.
 * A newcomer's own messages reach a follower that has not applied its node object yet only once the
 * follower applies its Raft add (which comes after the node object in the log); Raft retries.
 */
export function storeSenderCheck(store: MemoryStore, isMember: (raftId: NodeId) => boolean): SenderCheck {
  return (nodeId, raftId) => {
    if (nodeId === undefined || !isMember(raftId)) return false;
    return store.view(tx => {
      const node = getNode(tx, nodeId);
      if (node !== undefined) return node.managerStatus?.raftId === raftId;
      return findNodes(tx, { where: n => n.managerStatus?.raftId === raftId }).length === 0;
    });
  };
}
