/**
 * Lookups the CA and Raft membership services share: the cluster object, a node by ID, the members, a
 * fresh Raft ID.
 */
import { randomRaftId } from '../raftnode/raft-id.ts';
import type { RaftNode } from '../raftnode/raft-node.ts';
import { NotFoundError, UnavailableError } from '../../lib/errors.ts';
import { findClusters, getNode, type Cluster, type MemoryStore, type Node } from '../store/index.ts';

/** A manager's address as peers dial it. */
export const HOST_PORT = /^[^\s:]+:\d{1,5}$/;

/** The cluster object, or UNAVAILABLE while the new cluster's first write is not applied yet. */
export function clusterOf(store: MemoryStore): Cluster {
  const c = store.view(tx => findClusters(tx))[0];
  if (c === undefined) throw new UnavailableError('the cluster is still starting');
  return c;
}

/** The node `id`, or NOT_FOUND. */
export function nodeOf(store: MemoryStore, id: string): Node {
  const n = store.view(tx => getNode(tx, id));
  if (n === undefined) throw new NotFoundError(`node ${id} not found`);
  return n;
}

/** Every Raft member with its address, as the replies carry them. */
export function memberList(raft: RaftNode): { raftId: number; addr: string }[] {
  return [...raft.members].map(([raftId, addr]) => ({ raftId, addr }));
}

/** A Raft ID no member has (random: see randomRaftId). */
export function freshRaftId(raft: RaftNode): number {
  for (;;) {
    const id = randomRaftId();
    if (!raft.members.has(id)) return id;
  }
}
