/**
 * The Raft transport between managers: one long-lived gRPC client stream per peer, each write a
 * batch of everything one Ready sent to that peer. Raft tolerates loss, so the transport never
 * queues without bound: while a stream is congested or broken, messages to that peer are dropped and
 * the core is told the peer is unreachable (and that a snapshot did not arrive), so it backs off and
 * retries by itself.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { clientOf, loadShoalPackage, serviceOf } from '../../proto/load.ts';
import { MessageType, type Message, type NodeId } from '../raft/index.ts';
import { fromWire, InvalidMessageError, toWire, type WireBatch } from './wire.ts';

const pkg = loadShoalPackage('raft.proto');
const RaftClient = clientOf(pkg, 'Raft');
export const raftService = serviceOf(pkg, 'Raft');

export interface TransportCredentials {
  client: grpc.ChannelCredentials;
  /** Managers dial each other by IP; their certificates name the role, so TLS checks that name. */
  serverName?: string;
}

export interface TransportEvents {
  /** A validated message from a peer. */
  onMessage(m: Message): void;
  onUnreachable(peer: NodeId): void;
  onSnapshotStatus(peer: NodeId, ok: boolean): void;
}

/** Batches (one per Ready) that may wait in a peer's stream before messages to it are dropped. */
const MAX_BACKLOG = 1024;

class Peer {
  private client: grpc.Client;
  private stream: grpc.ClientWritableStream<WireBatch> | undefined;

  constructor(
    readonly id: NodeId,
    readonly addr: string,
    private readonly creds: TransportCredentials,
    private readonly events: TransportEvents,
    private readonly log: Logger,
  ) {
    this.client = this.connect();
    // Connect now, not at the first message: reachability (node ls, quorum checks) reads the channel state.
    this.client.getChannel().getConnectivityState(true);
  }

  private connect(): grpc.Client {
    const options: grpc.ChannelOptions = {
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1_000,
      'grpc.max_send_message_length': 256 * 1024 * 1024,
      // Followers rarely send to each other; an idle channel would read as an unreachable peer.
      'grpc.client_idle_timeout_ms': 2 ** 31 - 1,
    };
    if (this.creds.serverName !== undefined) options['grpc.ssl_target_name_override'] = this.creds.serverName;
    return new RaftClient(this.addr, this.creds.client, options);
  }

  private open(): grpc.ClientWritableStream<WireBatch> {
    const stream = this.client.makeClientStreamRequest<WireBatch, unknown>(
      '/shoal.v1.Raft/Stream',
      b => raftService.Stream?.requestSerialize(b) ?? Buffer.alloc(0),
      b => b,
      (err: grpc.ServiceError | null) => {
        if (err !== null && this.stream === stream) this.broken(err);
      },
    );
    return stream;
  }

  private broken(err: Error): void {
    this.log.debug({ peer: this.id, err: err.message }, 'raft stream to peer broke');
    this.stream = undefined;
    this.events.onUnreachable(this.id);
  }

  send(messages: Message[]): void {
    this.stream ??= this.open();
    const stream = this.stream;
    // A bounded backlog rides out a burst (a dropped forwarded proposal is not retried by Raft, so its
    // caller would wait for its timeout); beyond it the peer is treated as unreachable.
    if (stream.writableLength >= MAX_BACKLOG) {
      this.dropped(messages);
      return;
    }
    const hasSnap = messages.some(m => m.type === MessageType.Snap);
    stream.write({ messages: messages.map(toWire) }, (err: Error | null | undefined) => {
      if (!hasSnap) return;
      for (const m of messages) if (m.type === MessageType.Snap) this.events.onSnapshotStatus(m.to, !err);
    });
  }

  private dropped(messages: Message[]): void {
    this.events.onUnreachable(this.id);
    for (const m of messages) if (m.type === MessageType.Snap) this.events.onSnapshotStatus(m.to, false);
  }

  /** Whether the channel to this peer is connected (asking it to connect if idle). */
  connected(): boolean {
    return this.client.getChannel().getConnectivityState(true) === grpc.connectivityState.READY;
  }

  close(): void {
    this.stream?.end();
    this.stream = undefined;
    this.client.close();
  }
}

/** Sends Raft messages to peers and serves the Raft service for incoming ones. */
export class RaftTransport {
  private readonly peers = new Map<NodeId, Peer>();

  constructor(
    private readonly creds: TransportCredentials,
    private readonly events: TransportEvents,
    private readonly log: Logger,
  ) {}

  /** Adds the Raft service to a server (authorization is the server's job, in one place). */
  register(server: grpc.Server): void {
    server.addService(raftService, {
      Stream: (call: grpc.ServerReadableStream<WireBatch, unknown>, callback: grpc.sendUnaryData<object>) =>
        this.serve(call, callback),
    });
  }

  private serve(
    call: grpc.ServerReadableStream<WireBatch, unknown>,
    callback: grpc.sendUnaryData<object>,
  ): void {
    call.on('data', (batch: WireBatch) => {
      for (const w of Array.isArray(batch.messages) ? batch.messages : []) {
        let m: Message;
        try {
          m = fromWire(w);
        } catch (err) {
          if (!(err instanceof InvalidMessageError)) throw err;
          this.log.warn({ peer: call.getPeer(), err: err.message }, 'dropped a malformed raft message');
          continue;
        }
        this.events.onMessage(m);
      }
    });
    call.on('end', () => callback(null, {}));
    call.on('error', () => undefined); // the peer went away; its next stream starts afresh
  }

  /** Sets (or moves) a peer's address. */
  setPeer(id: NodeId, addr: string): void {
    const cur = this.peers.get(id);
    if (cur?.addr === addr) return;
    cur?.close();
    this.peers.set(id, new Peer(id, addr, this.creds, this.events, this.log));
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

  /** Sends a Ready's messages, one batch per peer. Messages to unknown peers are reported unreachable. */
  send(messages: readonly Message[]): void {
    const byPeer = new Map<NodeId, Message[]>();
    for (const m of messages) {
      const list = byPeer.get(m.to);
      if (list === undefined) byPeer.set(m.to, [m]);
      else list.push(m);
    }
    for (const [id, batch] of byPeer) {
      const peer = this.peers.get(id);
      if (peer !== undefined) peer.send(batch);
      else this.events.onUnreachable(id);
    }
  }

  close(): void {
    for (const p of this.peers.values()) p.close();
    this.peers.clear();
  }
}
