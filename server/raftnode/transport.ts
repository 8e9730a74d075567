/**
 * The Raft transport between managers: one long-lived gRPC client stream per peer, each write a
 * batch of everything one Ready sent to that peer, and one call per MsgSnap that carries the snapshot
 * in chunks. Raft tolerates loss, so the transport never queues without bound: while a stream is
 * congested or broken, messages to that peer are dropped and the core is told the peer is unreachable
 * (and that a snapshot did not arrive), so it backs off and retries by itself.
 *
 * Incoming messages are checked against the caller: a message must be addressed to this member and
 * sent as a Raft member the caller's certificate may speak for (`TransportOptions.senderAllowed`).
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { RAFT_MAX_MESSAGE_BYTES } from '../limits/limits.ts';
import { MessageType, type Message, type NodeId } from '../raft/index.ts';
import { Peer } from './raft-peer.ts';
import { RaftReceiver } from './raft-receiver.ts';
import type { TransportEvents, TransportLimits, TransportOptions } from './transport-options.ts';

export { raftService } from './raft-service.ts';
export type { TransportCredentials, TransportEvents, TransportOptions } from './transport-options.ts';

/** The largest gRPC message on the Raft service (declared with the manager port's other limits). */
export { RAFT_MAX_MESSAGE_BYTES };
/** Snapshot data per chunk of a Snapshot call. */
export const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;
/** The largest snapshot a member sends or accepts: a bound on what a receiver buffers. */
export const MAX_SNAPSHOT_BYTES = 1024 * 1024 * 1024;
/** Room for a chunk's framing and header besides its data. */
const CHUNK_OVERHEAD = 64 * 1024;

/** Sends Raft messages to peers and serves the Raft service for incoming ones. */
export class RaftTransport {
  private readonly peers = new Map<NodeId, Peer>();
  private readonly limits: TransportLimits;
  private readonly receiver: RaftReceiver;

  constructor(
    private readonly o: TransportOptions,
    private readonly events: TransportEvents,
    private readonly log: Logger,
  ) {
    const chunkBytes = o.snapshotChunkBytes ?? SNAPSHOT_CHUNK_BYTES;
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes <= 0) {
      throw new Error(`transport: snapshot chunk size must be a positive integer, got ${chunkBytes}`);
    }
    if (chunkBytes > RAFT_MAX_MESSAGE_BYTES - CHUNK_OVERHEAD) {
      throw new Error(`transport: snapshot chunks of ${chunkBytes} bytes exceed the message limit`);
    }
    this.limits = { chunkBytes, maxSnapshotBytes: o.maxSnapshotBytes ?? MAX_SNAPSHOT_BYTES };
    this.receiver = new RaftReceiver(o, this.limits, events, log);
  }

  /** Adds the Raft service to a server (authorization is the server's job, in one place). */
  register(server: grpc.Server): void {
    this.receiver.register(server);
  }

  /** Sets (or moves) a peer's address. */
  setPeer(id: NodeId, addr: string): void {
    const cur = this.peers.get(id);
    if (cur?.addr === addr) return;
    cur?.close();
    this.peers.set(id, new Peer(id, addr, this.o.credentials, this.limits, this.events, this.log));
  }

  removePeer(id: NodeId): void {
    this.peers.get(id)?.close();
    this.peers.delete(id);
  }

  hasPeer(id: NodeId): boolean {
    return this.peers.has(id);
  }

  /** Whether the transport can reach `id` now (its channel is connected). */
  connected(id: NodeId): boolean {
    return this.peers.get(id)?.connected() ?? false;
  }

  /**
   * Sends a Ready's messages, one batch per peer (each MsgSnap on a call of its own). Messages to
   * unknown peers are dropped and the peer reported unreachable.
   */
  send(messages: readonly Message[]): void {
    const byPeer = new Map<NodeId, Message[]>();
    for (const m of messages) {
      const list = byPeer.get(m.to);
      if (list === undefined) byPeer.set(m.to, [m]);
      else list.push(m);
    }
    for (const [id, batch] of byPeer) {
      const peer = this.peers.get(id);
      if (peer !== undefined) {
        peer.send(batch);
        continue;
      }
      this.events.onDropped?.(batch);
      this.events.onUnreachable(id);
      for (const m of batch) if (m.type === MessageType.Snap) this.events.onSnapshotStatus(id, false);
    }
  }

  close(): void {
    for (const p of this.peers.values()) p.close();
    this.peers.clear();
  }
}
