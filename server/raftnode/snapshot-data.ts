/** The node's snapshot data: the members' addresses and proposal sessions around the state machine's bytes. */
import type { NodeId } from '../raft/index.ts';
import type { SessionsSnapshot } from './proposal-sessions.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Snapshot data: a version byte, a JSON header (its length first, 4 bytes), then the state machine's
 * bytes as they are. The header holds the member list and, from version 3, the proposal sessions.
 * Snapshots of version 2 (the member list alone) and those written before the version byte (JSON with
 * the state in base64) still load.
 */
const SNAPSHOT_V2 = 2;
const SNAPSHOT_V3 = 3;

export interface SnapshotHeader {
  members: [NodeId, string][];
  sessions?: SessionsSnapshot;
}

export function encodeSnapshotData(header: SnapshotHeader, app: Uint8Array): Uint8Array {
  const head = encoder.encode(JSON.stringify(header));
  const out = new Uint8Array(5 + head.byteLength + app.byteLength);
  out[0] = SNAPSHOT_V3;
  new DataView(out.buffer).setUint32(1, head.byteLength);
  out.set(head, 5);
  out.set(app, 5 + head.byteLength);
  return out;
}

export function decodeSnapshotData(data: Uint8Array): SnapshotHeader & { app: Uint8Array } {
  if (data[0] !== SNAPSHOT_V2 && data[0] !== SNAPSHOT_V3) {
    const old = JSON.parse(decoder.decode(data)) as { members: [NodeId, string][]; app: string };
    return { members: old.members, app: Buffer.from(old.app, 'base64') };
  }
  const len = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(1);
  const head: unknown = JSON.parse(decoder.decode(data.subarray(5, 5 + len)));
  const header = data[0] === SNAPSHOT_V2 ? { members: head as [NodeId, string][] } : (head as SnapshotHeader);
  return { ...header, app: data.subarray(5 + len) };
}
