/**
 * The Assignments stream's serializer: the generic one for everything but the view's endpoints, which
 * are encoded once per endpoint and then copied. Every viewer of a network is sent the same endpoint
 * objects (the view index shares them), so a scale-up seen by a thousand nodes encodes each endpoint once
 * instead of a thousand times; encoding was the leader's largest cost there. The bytes decode to the
 * same message as the generic serializer's (a test holds both to it).
 */
import type protobuf from 'protobufjs';
import type { ViewEndpoint, WireAssignmentsMessage } from '../../proto/dispatcher-types.ts';
import { loadProtoRoot } from '../../proto/load.ts';

const root = loadProtoRoot('dispatcher.proto');
const Message = root.lookupType('shoal.v1.AssignmentsMessage');
const View = root.lookupType('shoal.v1.NetworkView');
const Delta = root.lookupType('shoal.v1.NetworkViewDelta');
const Endpoint = root.lookupType('shoal.v1.ViewEndpoint');

/** Wire type 2: length-delimited (an embedded message). */
const LEN = 2;
const tagOf = (t: protobuf.Type, field: string): number => {
  const f = t.fields[field];
  if (f === undefined) throw new Error(`assignments encoder: ${t.name} has no field ${field}`);
  return (f.id << 3) | LEN;
};
const VIEW = tagOf(Message, 'networkView');
const DELTA = tagOf(Message, 'viewDelta');
const VIEW_ENDPOINTS = tagOf(View, 'endpoints');
const DELTA_ENDPOINTS = tagOf(Delta, 'endpoints');

/** Each endpoint's bytes, for as long as the endpoint object lives (the index replaces it on change). */
const encoded = new WeakMap<ViewEndpoint, Uint8Array>();

function endpointBytes(e: ViewEndpoint): Uint8Array {
  let bytes = encoded.get(e);
  if (bytes === undefined) {
    bytes = Endpoint.encode(Endpoint.fromObject(e)).finish();
    encoded.set(e, bytes);
  }
  return bytes;
}

/** Appends embedded message `tag`: `part` without its endpoints, then the endpoints' cached bytes. */
function writeWithEndpoints(
  w: protobuf.Writer,
  tag: number,
  type: protobuf.Type,
  part: { endpoints: readonly ViewEndpoint[] },
  endpointsTag: number,
): void {
  w.uint32(tag).fork();
  type.encode(type.fromObject({ ...part, endpoints: [] }), w);
  for (const e of part.endpoints) w.uint32(endpointsTag).bytes(endpointBytes(e));
  w.ldelim();
}

export function encodeAssignments(m: WireAssignmentsMessage): Buffer {
  const w = Message.encode(Message.fromObject({ ...m, networkView: null, viewDelta: null }));
  if (m.networkView !== null) writeWithEndpoints(w, VIEW, View, m.networkView, VIEW_ENDPOINTS);
  if (m.viewDelta !== null) writeWithEndpoints(w, DELTA, Delta, m.viewDelta, DELTA_ENDPOINTS);
  const bytes = w.finish();
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
