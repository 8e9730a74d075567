/**
 * One peer as the Raft transport sends to it: a long-lived client stream for batches of messages, and a
 * Snapshot call of its own for each MsgSnap (or an append too large for a frame). Never queues without
 * bound: while the stream is congested or broken, messages are dropped and the peer reported unreachable.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { RAFT_MAX_MESSAGE_BYTES } from '../limits/limits.ts';
import { MessageType, type Message, type NodeId } from '../raft/index.ts';
import { snapshotChunks } from './snapshot-stream.ts';
import { toWire } from './wire.ts';
import { ignore, messageCodec, RaftClient, raw, serializeBatch, serializeChunk } from './raft-service.ts';
import type { TransportCredentials, TransportEvents, TransportLimits } from './transport-options.ts';

/** Batches (one per Ready) that may wait in a peer's stream before messages to it are dropped. */
const MAX_BACKLOG = 1024;

/**
 * An upper bound on a message's encoded size in a batch: its entries' data plus what protobuf adds
 * around each (tag, length, term, index and type varints: under 48 bytes) and around the message itself
 * (its scalar fields, its context, its length prefix). A MsgSnap travels on its own call.
 */
function encodedBound(m: Message): number {
  let n = 128 + (m.context?.length ?? 0) * 3;
  for (const e of m.entries) n += e.data.byteLength + 48;
  return n;
}

export class Peer {
  private readonly client: grpc.Client;
  private stream: grpc.ClientWritableStream<Buffer> | undefined;
  /** Snapshot calls in flight, cancelled on close (their failure is reported to Raft). */
  private readonly snapshots = new Set<grpc.ClientWritableStream<Buffer>>();
  /** A large append is on its way: Raft sends the same one again each heartbeat, one at a time is enough. */
  private largeAppend = false;
  private closed = false;

  constructor(
    readonly id: NodeId,
    readonly addr: string,
    private readonly creds: TransportCredentials,
    private readonly limits: TransportLimits,
    private readonly events: TransportEvents,
    private readonly log: Logger,
  ) {
    this.client = this.connect();
    // Connect now, not at the first message: reachability (node ls, quorum checks) reads the channel state.
    this.watch(this.client.getChannel().getConnectivityState(true));
  }

  private connect(): grpc.Client {
    const options: grpc.ChannelOptions = {
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1_000,
      // Snapshots travel in chunks on their own calls, so no message needs to be larger than this.
      'grpc.max_send_message_length': RAFT_MAX_MESSAGE_BYTES,
      // Followers rarely send to each other; an idle channel would read as an unreachable peer.
      'grpc.client_idle_timeout_ms': 2 ** 31 - 1,
    };
    if (this.creds.serverName !== undefined) options['grpc.ssl_target_name_override'] = this.creds.serverName;
    return new RaftClient(this.addr, this.creds.client, options);
  }

  /** Follows the channel's state: leaving READY is a lost peer; an idle channel reconnects at once. */
  private watch(from: grpc.connectivityState): void {
    const channel = this.client.getChannel();
    channel.watchConnectivityState(from, Infinity, () => {
      if (this.closed) return;
      // The callback runs only on a change, so coming from READY means the connection broke.
      if (from === grpc.connectivityState.READY) this.events.onPeerLost?.(this.id);
      const now = channel.getConnectivityState(true);
      if (now !== grpc.connectivityState.SHUTDOWN) this.watch(now);
    });
  }

  private open(): grpc.ClientWritableStream<Buffer> {
    const stream = this.client.makeClientStreamRequest<Buffer, Buffer>(
      '/shoal.v1.Raft/Stream',
      raw,
      raw,
      (err: grpc.ServiceError | null) => {
        if (err !== null && this.stream === stream) this.broken(err);
      },
    );
    stream.on('error', ignore); // failures arrive through the call's callback
    return stream;
  }

  private broken(err: Error): void {
    this.log.debug({ peer: this.id, err: err.message }, 'raft stream to peer broke');
    this.stream = undefined;
    this.events.onUnreachable(this.id);
  }

  send(messages: Message[]): void {
    const batch: Message[] = [];
    for (const m of messages) {
      if (m.type === MessageType.Snap) this.sendInChunks(m);
      else batch.push(m);
    }
    if (batch.length > 0) this.sendBatch(batch);
  }

  private sendBatch(messages: Message[]): void {
    this.stream ??= this.open();
    const stream = this.stream;
    // A bounded backlog rides out a burst (a dropped forwarded proposal is not retried by Raft, so its
    // caller would wait for its timeout); beyond it the peer is treated as unreachable.
    if (stream.writableLength >= MAX_BACKLOG) {
      this.dropped(messages);
      return;
    }
    // Split by a bound on each message's encoded size, known without encoding it: an append of a huge
    // entry goes out again every heartbeat until acknowledged, and encoding it each time (to learn it is
    // too large) took seconds of the event loop. A repeated field's encoding is its elements' encodings
    // back to back, so the groups are valid batches.
    let group: Message[] = [];
    let size = 0;
    const flush = (): void => {
      if (group.length > 0) stream.write(serializeBatch({ messages: group.map(toWire) }));
      group = [];
      size = 0;
    };
    for (const m of messages) {
      const bound = encodedBound(m);
      if (bound > RAFT_MAX_MESSAGE_BYTES) {
        this.sendTooLarge(m);
        continue;
      }
      if (size + bound > RAFT_MAX_MESSAGE_BYTES) flush();
      group.push(m);
      size += bound;
    }
    flush();
  }

  /**
   * An append larger than a frame (an entry from before proposals were limited) goes in chunks;
   * anything else that large cannot be (a message without entries is small), and is dropped.
   */
  private sendTooLarge(m: Message): void {
    if (m.type === MessageType.App) {
      this.sendInChunks(m);
      return;
    }
    this.log.error(
      { peer: this.id, type: MessageType[m.type], limit: RAFT_MAX_MESSAGE_BYTES },
      'a raft message too large to send, dropped',
    );
    this.dropped([m]);
  }

  /** A MsgSnap, or an append too large for a frame, on a Snapshot call of its own, in chunks. */
  private sendInChunks(m: Message): void {
    const isSnap = m.type === MessageType.Snap;
    if (isSnap && m.snapshot === undefined) {
      this.log.error({ peer: this.id }, 'a MsgSnap without a snapshot, dropped');
      this.dropped([m]);
      return;
    }
    if (!isSnap && this.largeAppend) {
      this.dropped([m]);
      return;
    }
    const size = isSnap ? (m.snapshot?.data.byteLength ?? 0) : 0;
    if (size > this.limits.maxSnapshotBytes) {
      this.log.error(
        { peer: this.id, size, limit: this.limits.maxSnapshotBytes },
        'snapshot too large to send',
      );
      this.dropped([m]);
      return;
    }
    let finished = false;
    let wake: (() => void) | undefined;
    const call = this.client.makeClientStreamRequest<Buffer, Buffer>(
      '/shoal.v1.Raft/Snapshot',
      raw,
      raw,
      (err: grpc.ServiceError | null) => {
        finished = true;
        wake?.();
        this.snapshots.delete(call);
        if (!isSnap) this.largeAppend = false;
        const what = isSnap ? 'a snapshot' : 'a large append';
        if (err !== null) this.log.warn({ peer: this.id, err: err.message }, `sending ${what} failed`);
        if (isSnap) this.events.onSnapshotStatus(m.to, err === null);
        else if (err !== null) this.events.onUnreachable(this.id);
      },
    );
    call.on('error', ignore); // failures arrive through the call's callback
    this.snapshots.add(call);
    if (!isSnap) this.largeAppend = true;
    // One chunk at a time: the next is written once the last has gone out. Buffering a stream's worth
    // (16 chunks) exceeded the receiver's HTTP/2 session memory (grpc-js: 10 MB), which reset the call.
    const written = (chunk: Buffer): Promise<void> =>
      new Promise(resolve => {
        wake = resolve;
        call.write(chunk, () => {
          wake = undefined;
          resolve();
        });
      });
    // Chunks are encoded as the call takes them, so one of them at a time is in memory.
    void (async () => {
      for (const chunk of snapshotChunks(m, this.limits.chunkBytes, messageCodec)) {
        if (finished) return;
        await written(serializeChunk(chunk));
      }
      if (!finished) call.end();
    })().catch((err: unknown) => {
      // Cancelling reports the snapshot failed, through the call's callback.
      this.log.error({ peer: this.id, err: String(err) }, 'streaming a snapshot failed');
      call.cancel();
    });
  }

  private dropped(messages: Message[]): void {
    this.events.onDropped?.(messages);
    this.events.onUnreachable(this.id);
    for (const m of messages) if (m.type === MessageType.Snap) this.events.onSnapshotStatus(m.to, false);
  }

  /** Whether the channel to this peer is connected (asking it to connect if idle). */
  connected(): boolean {
    return this.client.getChannel().getConnectivityState(true) === grpc.connectivityState.READY;
  }

  close(): void {
    this.closed = true;
    this.stream?.end();
    this.stream = undefined;
    // Raft waits for every snapshot's outcome before it sends that peer anything else.
    for (const call of [...this.snapshots]) call.cancel();
    this.client.close();
  }
}
