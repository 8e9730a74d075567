/**
 * A MsgSnap as a stream of chunks (swarmkit's StreamRaftMessage): a header carrying the message
 * without its snapshot data plus the data's length, then the data in pieces. Splitting is trivial;
 * reassembly is where a broken or hostile sender is caught, so it checks every step and holds no more
 * than the announced length, itself capped.
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

/** Splits a MsgSnap into its header and data chunks of at most `chunkBytes`. */
export function* snapshotChunks(m: Message, chunkBytes: number): Generator<WireSnapshotChunk> {
  const snap = m.snapshot;
  if (m.type !== MessageType.Snap || snap === undefined) throw new Error('snapshotChunks: not a MsgSnap');
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes <= 0) throw new Error('snapshotChunks: bad chunk size');
  const { data } = snap;
  const header = toWire({ ...m, snapshot: { metadata: snap.metadata, data: NO_DATA } });
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

  /** `maxBytes`: the largest snapshot data accepted; a header announcing more is refused outright. */
  constructor(private readonly maxBytes: number) {}

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
    if (m.type !== MessageType.Snap || m.snapshot === undefined) fail('the header must carry a MsgSnap');
    if (m.snapshot.data.byteLength !== 0) fail('the header must not carry snapshot data');
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
    if (m?.snapshot === undefined) fail('ended before its header');
    if (this.received !== this.total) fail(`ended after ${this.received} of ${this.total} bytes`);
    const data = this.parts.length === 1 ? (this.parts[0] ?? NO_DATA) : Buffer.concat(this.parts, this.total);
    this.parts = [];
    return { ...m, snapshot: { metadata: m.snapshot.metadata, data } };
  }

  /** Lets go of the data held so far (the call failed). */
  discard(): void {
    this.parts = [];
  }
}
