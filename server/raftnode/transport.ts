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
import type { RaftHandlers } from '../../proto/gen/shoal/v1/Raft.ts';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { clientOf, loadShoalPackage, serviceOf } from '../../proto/load.ts';
import { callerOf } from '../ca/authorize.ts';
import { RAFT_MAX_MESSAGE_BYTES } from '../limits.ts';
import { MessageType, type Message, type NodeId } from '../raft/index.ts';
import { SnapshotAssembler, snapshotChunks, type MessageCodec } from './snapshot-stream.ts';
import { fromWire, InvalidMessageError, toWire, type WireBatch, type WireSnapshotChunk } from './wire.ts';

const pkg = loadShoalPackage('raft.proto');
const RaftClient = clientOf(pkg, 'Raft');
export const raftService = serviceOf(pkg, 'Raft');

/** The largest gRPC message on the Raft service (declared with the manager port's other limits). */
export { RAFT_MAX_MESSAGE_BYTES };
/** Snapshot data per chunk of a Snapshot call. */
export const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;
/** The largest snapshot a member sends or accepts: a bound on what a receiver buffers. */
export const MAX_SNAPSHOT_BYTES = 1024 * 1024 * 1024;
/**
 * Snapshot calls whose data a receiver holds at once: each is capped, so this bounds the whole. Only
 * the leader sends snapshots, one per follower at a time; two leave room for a retry overlapping a
 * call the receiver has not yet seen fail.
 */
const MAX_INCOMING_SNAPSHOTS = 2;
/** Room for a chunk's framing and header besides its data. */
const CHUNK_OVERHEAD = 64 * 1024;

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

interface Limits {
  chunkBytes: number;
  maxSnapshotBytes: number;
}

/** Batches (one per Ready) that may wait in a peer's stream before messages to it are dropped. */
const MAX_BACKLOG = 1024;

const serializeBatch = (b: WireBatch): Buffer => {
  const fn = raftService.Stream?.requestSerialize;
  if (fn === undefined) throw new Error('proto: raft.proto lacks Raft.Stream');
  return fn(b);
};
const serializeChunk = (c: WireSnapshotChunk): Buffer => {
  const fn = raftService.Snapshot?.requestSerialize;
  if (fn === undefined) throw new Error('proto: raft.proto lacks Raft.Snapshot');
  return fn(c);
};
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

/** One message as a whole, for an append too large for a frame: it travels in chunks (snapshot-stream.ts). */
const messageCodec: MessageCodec = {
  encode: m => serializeBatch({ messages: [toWire(m)] }),
  decode: data => {
    const fn = raftService.Stream?.requestDeserialize;
    if (fn === undefined) throw new Error('proto: raft.proto lacks Raft.Stream');
    let batch: WireBatch;
    try {
      batch = fn(Buffer.from(data.buffer, data.byteOffset, data.byteLength)) as WireBatch;
    } catch {
      throw new InvalidMessageError('the chunks are not a raft message');
    }
    const [only, ...rest] = Array.isArray(batch.messages) ? batch.messages : [];
    if (only === undefined || rest.length > 0)
      throw new InvalidMessageError('the chunks must hold one message');
    return fromWire(only);
  },
};
const raw = (b: Buffer): Buffer => b;
const ignore = (): void => undefined;

class Peer {
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
    private readonly limits: Limits,
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

/** Sends Raft messages to peers and serves the Raft service for incoming ones. */
export class RaftTransport {
  private readonly peers = new Map<NodeId, Peer>();
  private readonly limits: Limits;
  private incomingSnapshots = 0;

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
  }

  /** Adds the Raft service to a server (authorization is the server's job, in one place). */
  register(server: grpc.Server): void {
    server.addService(raftService, {
      Stream: (call: grpc.ServerReadableStream<WireBatch, unknown>, callback: grpc.sendUnaryData<object>) =>
        this.serveStream(call, callback),
      Snapshot: (
        call: grpc.ServerReadableStream<WireSnapshotChunk, unknown>,
        callback: grpc.sendUnaryData<object>,
      ) => this.serveSnapshot(call, callback),
    } satisfies RaftHandlers);
  }

  /** Why `m` from the caller `nodeId` must not be stepped, or undefined. */
  private refusal(nodeId: string | undefined, m: Message): string | undefined {
    if (m.to !== this.o.id) return `addressed to raft member ${m.to}, this is ${this.o.id}`;
    if (!this.o.senderAllowed(nodeId, m.from)) {
      return `node ${nodeId ?? '(no certificate)'} may not send as raft member ${m.from}`;
    }
    return undefined;
  }

  private serveStream(
    call: grpc.ServerReadableStream<WireBatch, unknown>,
    callback: grpc.sendUnaryData<object>,
  ): void {
    const nodeId = callerOf(call)?.nodeId;
    // Refused messages are dropped, not fatal to the stream: a member that has not yet applied a
    // newcomer's node object refuses it only until it does, and Raft rides out the loss. One warning
    // per stream says it happened without flooding the log at message rate.
    let warned = false;
    call.on('data', (batch: WireBatch) => {
      const verdicts = new Map<string, string | undefined>(); // one check per sender and recipient a batch
      for (const w of Array.isArray(batch.messages) ? batch.messages : []) {
        let m: Message;
        try {
          m = fromWire(w);
        } catch (err) {
          if (!(err instanceof InvalidMessageError)) throw err;
          this.log.warn({ peer: call.getPeer(), err: err.message }, 'dropped a malformed raft message');
          continue;
        }
        const key = `${m.from}>${m.to}`;
        if (!verdicts.has(key)) verdicts.set(key, this.refusal(nodeId, m));
        const why = verdicts.get(key);
        if (why === undefined) {
          this.events.onMessage(m);
        } else if (!warned) {
          warned = true;
          this.log.warn(
            { peer: call.getPeer(), nodeId, why },
            'dropping refused raft messages from this stream (logged once per stream)',
          );
        }
      }
    });
    call.on('end', () => callback(null, {}));
    call.on('error', ignore); // the peer went away; its next stream starts afresh
  }

  /**
   * One MsgSnap in chunks. A refused sender or a malformed stream ends the call at once, before more
   * data is held; the sender hears the status and reports the snapshot failed.
   */
  private serveSnapshot(
    call: grpc.ServerReadableStream<WireSnapshotChunk, unknown>,
    callback: grpc.sendUnaryData<object>,
  ): void {
    const nodeId = callerOf(call)?.nodeId;
    const assembler = new SnapshotAssembler(this.limits.maxSnapshotBytes, messageCodec);
    let done = false;
    let counted = false; // among incomingSnapshots
    const release = (): void => {
      assembler.discard();
      if (counted) this.incomingSnapshots--;
      counted = false;
    };
    const end = (code: grpc.status, details: string): void => {
      if (done) return;
      done = true;
      release();
      this.log.warn({ peer: call.getPeer(), nodeId, code: grpc.status[code], details }, 'refused a snapshot');
      callback({ code, details });
    };
    const invalid = (err: unknown): void => {
      if (!(err instanceof InvalidMessageError)) throw err;
      end(grpc.status.INVALID_ARGUMENT, err.message);
    };
    call.on('data', (chunk: unknown) => {
      if (done) return;
      let header: Message | undefined;
      try {
        header = assembler.push(chunk);
      } catch (err) {
        invalid(err);
        return;
      }
      if (header === undefined) return;
      const why = this.refusal(nodeId, header);
      if (why !== undefined) {
        end(grpc.status.PERMISSION_DENIED, `snapshot refused: ${why}`);
      } else if (this.incomingSnapshots >= MAX_INCOMING_SNAPSHOTS) {
        end(
          grpc.status.RESOURCE_EXHAUSTED,
          `snapshot refused: ${MAX_INCOMING_SNAPSHOTS} snapshots are already arriving`,
        );
      } else {
        counted = true;
        this.incomingSnapshots++;
      }
    });
    call.on('end', () => {
      if (done) return;
      let m: Message;
      try {
        m = assembler.finish();
      } catch (err) {
        invalid(err);
        return;
      }
      done = true;
      release();
      this.events.onMessage(m);
      callback(null, {});
    });
    const gone = (): void => {
      done = true;
      release();
    };
    call.on('error', gone);
    call.on('cancelled', gone);
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
