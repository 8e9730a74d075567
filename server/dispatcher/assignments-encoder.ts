/**
 * The Assignments stream's serializer: the generic one for everything but the view's nodes and
 * endpoints, which are encoded once per object and then copied. Every viewer is sent the same node and
 * endpoint objects (the view index shares them), so a scale-up seen by a thousand nodes encodes each
 * endpoint once instead of a thousand times (encoding was the leader's largest cost there), and a new
 * session's full view copies the bytes of the thousands of nodes with a routing-mesh leg. The bytes
 * decode to the same message as the generic serializer's (a test holds both to it).
 */
import type protobuf from 'protobufjs';
import type { ViewEndpoint, ViewNode, WireAssignmentsMessage } from '../../proto/dispatcher-types.ts';
import { loadProtoRoot } from '../../proto/load.ts';

const root = loadProtoRoot('dispatcher.proto');
const Message = root.lookupType('shoal.v1.AssignmentsMessage');
const View = root.lookupType('shoal.v1.NetworkView');
const Delta = root.lookupType('shoal.v1.NetworkViewDelta');
const Endpoint = root.lookupType('shoal.v1.ViewEndpoint');
const Node = root.lookupType('shoal.v1.ViewNode');

/** Wire type 2: length-delimited (an embedded message). */
const LEN = 2;
const tagOf = (t: protobuf.Type, field: string): number => {
  const f = t.fields[field];
  if (f === undefined) throw new Error(`assignments encoder: ${t.name} has no field ${field}`);
  return (f.id << 3) | LEN;
};
const VIEW = tagOf(Message, 'networkView');
const DELTA = tagOf(Message, 'viewDelta');
/** Per part type (full view, delta): the tags of its nodes and endpoints. */
const PART_TAGS = new Map(
  [View, Delta].map(t => [t, { nodes: tagOf(t, 'nodes'), endpoints: tagOf(t, 'endpoints') }] as const),
);

/** Each node's or endpoint's bytes, for as long as the object lives (the index replaces it on change). */
const encoded = new WeakMap<ViewEndpoint | ViewNode, Uint8Array>();

function bytesOf<T extends ViewEndpoint | ViewNode>(type: protobuf.Type, v: T): Uint8Array {
  let bytes = encoded.get(v);
  if (bytes === undefined) {
    bytes = type.encode(type.fromObject(v)).finish();
    encoded.set(v, bytes);
  }
  return bytes;
}

/** Endpoint `e`'s bytes as every view sends them. */
export const endpointBytes = (e: ViewEndpoint): Uint8Array => bytesOf(Endpoint, e);

/** Appends embedded message `tag`: `part` without its nodes and endpoints, then their cached bytes. */
function writePart(
  w: protobuf.Writer,
  tag: number,
  type: protobuf.Type,
  part: { nodes: readonly ViewNode[]; endpoints: readonly ViewEndpoint[] },
): void {
  const tags = PART_TAGS.get(type);
  if (tags === undefined) throw new Error(`assignments encoder: ${type.name} is not a view part`);
  w.uint32(tag).fork();
  type.encode(type.fromObject({ ...part, nodes: [], endpoints: [] }), w);
  for (const n of part.nodes) w.uint32(tags.nodes).bytes(bytesOf(Node, n));
  for (const e of part.endpoints) w.uint32(tags.endpoints).bytes(bytesOf(Endpoint, e));
  w.ldelim();
}

export function encodeAssignments(m: WireAssignmentsMessage): Buffer {
  const w = Message.encode(Message.fromObject({ ...m, networkView: null, viewDelta: null }));
  if (m.networkView !== null) writePart(w, VIEW, View, m.networkView);
  if (m.viewDelta !== null) writePart(w, DELTA, Delta, m.viewDelta);
  const bytes = w.finish();
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
