/**
 * Raft members in one process joined by memory instead of gRPC: every message is delivered on the next
 * turn of the event loop, except to members the test holds back. For driver tests that need to decide
 * exactly what reaches whom.
 */
import type { Message, NodeId } from '../../server/raft/index.ts';
import type { RaftNode } from '../../server/raftnode/raft-node.ts';
import type { RaftTransport } from '../../server/raftnode/transport.ts';

/** Delivers every message on the next turn, except to members it holds back. */
export class MemoryNetwork {
  readonly nodes = new Map<NodeId, RaftNode>();
  readonly heldBack = new Set<NodeId>();

  transport(): RaftTransport {
    const t = {
      send: (messages: readonly Message[]) => {
        for (const m of messages) {
          if (this.heldBack.has(m.to)) continue;
          const copy = structuredClone(m);
          setImmediate(() => this.nodes.get(m.to)?.step(copy));
        }
      },
      setPeer: () => undefined,
      removePeer: () => undefined,
      connected: () => true,
    };
    return t as unknown as RaftTransport;
  }
}
