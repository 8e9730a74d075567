import { ConfChangeType, type ConfChange } from './types.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes a membership change as a ConfChange entry's data: 1 byte type, 8 bytes node ID, context (UTF-8). */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  const context = encoder.encode(cc.context ?? '');
  const out = new Uint8Array(9 + context.byteLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, cc.type);
  view.setFloat64(1, cc.nodeId);
  out.set(context, 9);
  return out;
}

/** Decodes {@link encodeConfChange}'s bytes; throws on anything else. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.byteLength < 9)
    throw new Error(`raft: conf change must be at least 9 bytes, got ${data.byteLength}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const type = view.getUint8(0);
  const nodeId = view.getFloat64(1);
  if (type !== ConfChangeType.AddNode && type !== ConfChangeType.RemoveNode) {
    throw new Error(`raft: unknown conf change type ${type}`);
  }
  if (!Number.isSafeInteger(nodeId) || nodeId <= 0)
    throw new Error(`raft: bad node id ${nodeId} in conf change`);
  const cc: ConfChange = { type, nodeId };
  if (data.byteLength > 9) cc.context = decoder.decode(data.subarray(9));
  return cc;
}
