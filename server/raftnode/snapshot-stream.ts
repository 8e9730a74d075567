/**
 * A MsgSnap as a stream of chunks (swarmkit's StreamRaftMessage): a header carrying the message
 * without its snapshot data plus the data's length, then the data in pieces. Splitting is trivial;
 * reassembly is where a broken or hostile sender is caught, so it checks every step and holds no more
 * than the announced length, itself capped.
 *
 * An append too large for one frame (an entry written before proposals were limited) travels the same
 * way: the header carries the message without its entries, the data is the whole message encoded, and
 * the receiver checks that what it decodes is the message the header announced. Without it such an
 * entry could never leave the leader, and every write after it waited for ever.
 */
import { MessageType, type Message } from '../raft/index.ts';
import {
  bytes,
  fromWire,
  InvalidMessageError,
  toWire,
  uint,
  type WireMessage,
  type WireSnapshotChunk,
} from './wire.ts';

const NO_DATA = new Uint8Array(0);

/** Encodes or decodes a whole message (the transport's protobuf codec; this module stays free of it). */
export type MessageCodec = {
  encode(m: Message): Uint8Array;
  decode(data: Uint8Array): Message;
};

/**
 * Splits a MsgSnap into its header and data chunks of at most `chunkBytes`; any other message (an append
 * too large for a frame) into a header without its entries and its whole encoding in chunks.
 */
export function* snapshotChunks(
  m: Message,
  chunkBytes: number,
  codec?: MessageCodec,
): Generator<WireSnapshotChunk> {
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes <= 0) throw new Error('snapshotChunks: bad chunk size');
  const snap = m.snapshot;
  let data: Uint8Array;
  let header: WireMessage;
  if (m.type === MessageType.Snap) {
    if (snap === undefined) throw new Error('snapshotChunks: a MsgSnap without a snapshot');
    data = snap.data;
    header = toWire({ ...m, snapshot: { metadata: snap.metadata, data: NO_DATA } });
  } else {
    if (m.type !== MessageType.App || codec === undefined) throw new Error('snapshotChunks: not a MsgSnap');
    data = codec.encode(m);
    header = toWire({ ...m, entries: [] });
  }
  yield { header: { message: header, dataLength: data.byteLength } };
  for (let offset = 0; offset < data.byteLength; offset += chunkBytes) {
    yield { data: { offset, data: data.subarray(offset, offset + chunkBytes) } };
  }
}

function fail(why: string): never {
  throw new InvalidMessageError(`snapshot stream: ${why}`);
}

/** Reassembles one Snapshot call's chunks into its MsgSnap. Every violation throws InvalidMessageError. */
export class SnapshotAssembler {
  private header: Message | undefined;
  private total = 0;
  private received = 0;
  private parts: Uint8Array[] = [];

  /**
   * `maxBytes`: the largest snapshot data accepted; a header announcing more is refused outright.
   * `codec`: decodes an append that came in chunks (without it, only MsgSnaps are accepted).
   */
  constructor(
    private readonly maxBytes: number,
    private readonly codec?: MessageCodec,
  ) {}

  /**
   * Takes the next chunk as decoded off the wire. Returns the header's message when `chunk` is the
   * header, so the caller can vet sender and recipient before any data is held; otherwise undefined.
   */
  push(chunk: unknown): Message | undefined {
    if (typeof chunk !== 'object' || chunk === null) fail('a chunk is missing');
    const c = chunk as { header?: unknown; data?: unknown };
    const hasHeader = c.header !== undefined && c.header !== null;
    const hasData = c.data !== undefined && c.data !== null;
    if (hasHeader === hasData) fail('a chunk must hold either a header or data');
    return hasHeader ? this.takeHeader(c.header) : this.takeData(c.data);
  }

  private takeHeader(h: unknown): Message {
    if (this.header !== undefined) fail('a second header');
    if (typeof h !== 'object' || h === null) fail('the header is missing');
    const { message, dataLength } = h as { message?: unknown; dataLength?: unknown };
    if (typeof message !== 'object' || message === null) fail('the header carries no message');
    const m = fromWire(message as WireMessage);
    if (m.type === MessageType.App && this.codec !== undefined) {
      if (m.entries.length !== 0 || m.snapshot !== undefined) {
        fail('the header of an append must carry neither entries nor a snapshot');
      }
    } else {
      if (m.type !== MessageType.Snap || m.snapshot === undefined) fail('the header must carry a MsgSnap');
      if (m.snapshot.data.byteLength !== 0) fail('the header must not carry snapshot data');
    }
    const total = uint(dataLength, 'snapshot data length');
    if (total > this.maxBytes) fail(`${total} bytes announced, more than the cap of ${this.maxBytes}`);
    this.header = m;
    this.total = total;
    return m;
  }

  private takeData(d: unknown): undefined {
    if (this.header === undefined) fail('data before the header');
    if (typeof d !== 'object' || d === null) fail('a data chunk is missing');
    const w = d as { offset?: unknown; data?: unknown };
    const offset = uint(w.offset, 'snapshot chunk offset');
    const data = bytes(w.data, 'snapshot chunk data');
    // An empty chunk moves nothing forward; accepting them would let a sender spin us for free.
    if (data.byteLength === 0) fail('an empty data chunk');
    if (offset !== this.received) fail(`data at offset ${offset}, expected ${this.received}`);
    if (data.byteLength > this.total - this.received) {
      fail(`more data than the ${this.total} bytes announced`);
    }
    this.parts.push(data);
    this.received += data.byteLength;
    return undefined;
  }

  /** The whole message, once the sender ended the call. Throws if it ended early. */
  finish(): Message {
    const m = this.header;
    if (m === undefined) fail('ended before its header');
    if (this.received !== this.total) fail(`ended after ${this.received} of ${this.total} bytes`);
    const data = this.parts.length === 1 ? (this.parts[0] ?? NO_DATA) : Buffer.concat(this.parts, this.total);
    this.parts = [];
    if (m.snapshot !== undefined) return { ...m, snapshot: { metadata: m.snapshot.metadata, data } };
    let whole: Message;
    try {
      whole = (this.codec as MessageCodec).decode(data);
    } catch (err) {
      if (err instanceof InvalidMessageError) throw err;
      fail('the chunks do not decode to a raft message');
    }
    const same = (['type', 'to', 'from', 'term', 'index', 'logTerm', 'commit'] as const).every(
      k => whole[k] === m[k],
    );
    if (!same) fail('the message in the chunks is not the one the header announced');
    return whole;
  }

  /** Lets go of the data held so far (the call failed). */
  discard(): void {
    this.parts = [];
  }
}
