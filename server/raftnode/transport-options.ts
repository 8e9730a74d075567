/** What a RaftTransport is given (options, credentials) and what it reports (events). */
import type * as grpc from '@grpc/grpc-js';
import type { Message, NodeId } from '../raft/index.ts';

export interface TransportCredentials {
  /** Used for each new connection to a peer: a manager's follow its certificate's renewals. */
  client: grpc.ChannelCredentials;
  /** Managers dial each other by IP; their certificates name the role, so TLS checks that name. */
  serverName?: string;
}

export interface TransportOptions {
  /** This member's Raft ID: messages addressed to any other are dropped. */
  id: NodeId;
  credentials: TransportCredentials;
  /**
   * Whether the caller whose client certificate names node `nodeId` may send as Raft member `from`.
   * `nodeId` is undefined when the call has no verified certificate (in-process tests on insecure
   * channels, which must say so by passing a predicate that allows it).
   */
  senderAllowed(nodeId: string | undefined, from: NodeId): boolean;
  /** Snapshot data per chunk (default SNAPSHOT_CHUNK_BYTES). */
  snapshotChunkBytes?: number;
  /** The largest snapshot sent or accepted (default MAX_SNAPSHOT_BYTES). */
  maxSnapshotBytes?: number;
}

export interface TransportEvents {
  /** A validated message from a peer, addressed to this member by a caller allowed to send as `from`. */
  onMessage(m: Message): void;
  onUnreachable(peer: NodeId): void;
  onSnapshotStatus(peer: NodeId, ok: boolean): void;
  /** Messages the transport dropped without sending (backlog full, unknown peer, too large). */
  onDropped?(messages: Message[]): void;
  /** The connection to a peer, once ready, broke (its process died or the network failed). */
  onPeerLost?(peer: NodeId): void;
}

/** The snapshot limits in force, from the options. */
export interface TransportLimits {
  chunkBytes: number;
  maxSnapshotBytes: number;
}
