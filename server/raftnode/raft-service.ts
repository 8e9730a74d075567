/**
 * The Raft gRPC service as it travels: the service and its client, the serializers of its two calls
 * (Stream: batches of messages; Snapshot: one message in chunks), and the codec that turns one message
 * into the bytes its chunks carry.
 */
import { clientOf, loadShoalPackage, serviceOf } from '../../proto/load.ts';
import type { MessageCodec } from './snapshot-stream.ts';
import { fromWire, InvalidMessageError, toWire, type WireBatch, type WireSnapshotChunk } from './wire.ts';

const pkg = loadShoalPackage('raft.proto');
export const RaftClient = clientOf(pkg, 'Raft');
export const raftService = serviceOf(pkg, 'Raft');

export const serializeBatch = (b: WireBatch): Buffer => {
  const fn = raftService.Stream?.requestSerialize;
  if (fn === undefined) throw new Error('proto: raft.proto lacks Raft.Stream');
  return fn(b);
};
export const serializeChunk = (c: WireSnapshotChunk): Buffer => {
  const fn = raftService.Snapshot?.requestSerialize;
  if (fn === undefined) throw new Error('proto: raft.proto lacks Raft.Snapshot');
  return fn(c);
};

/** One message as a whole, for an append too large for a frame: it travels in chunks (snapshot-stream.ts). */
export const messageCodec: MessageCodec = {
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
export const raw = (b: Buffer): Buffer => b;
export const ignore = (): void => undefined;
