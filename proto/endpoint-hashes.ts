/**
 * The hash of each endpoint an Assignments message carries (view-digest.ts), read off its bytes as
 * they came: the bytes the manager hashed are the bytes the agent hashes, whatever either decodes them
 * to. In the order of the message's endpoints, for its full view and for its delta.
 */
import type protobuf from 'protobufjs';
import { loadProtoRoot } from './load.ts';
import { endpointHash } from './view-digest.ts';
import { LEN, WireReader } from './wire-reader.ts';

export interface EndpointHashes {
  /** Of network_view's endpoints. */
  view: number[];
  /** Of view_delta's endpoints. */
  delta: number[];
}

const root = loadProtoRoot('dispatcher.proto');
const fieldId = (type: string, field: string): number => {
  const f = (root.lookupType(`shoal.v1.${type}`) as protobuf.Type).fields[field];
  if (f === undefined) throw new Error(`endpoint hashes: ${type} has no field ${field}`);
  return f.id;
};
const VIEW = fieldId('AssignmentsMessage', 'networkView');
const DELTA = fieldId('AssignmentsMessage', 'viewDelta');
const VIEW_ENDPOINTS = fieldId('NetworkView', 'endpoints');
const DELTA_ENDPOINTS = fieldId('NetworkViewDelta', 'endpoints');

/** The hashes of the endpoints in AssignmentsMessage `buf`. Throws on bytes that are not one. */
export function endpointHashesOf(buf: Uint8Array): EndpointHashes {
  const out: EndpointHashes = { view: [], delta: [] };
  const r = new WireReader(buf);
  while (r.more) {
    const [field, wire] = r.tag();
    if (wire === LEN && field === VIEW) hashAll(r.sub(), VIEW_ENDPOINTS, out.view);
    else if (wire === LEN && field === DELTA) hashAll(r.sub(), DELTA_ENDPOINTS, out.delta);
    else r.skip(wire);
  }
  return out;
}

function hashAll(part: WireReader, endpointsField: number, into: number[]): void {
  while (part.more) {
    const [field, wire] = part.tag();
    if (wire !== LEN || field !== endpointsField) {
      part.skip(wire);
      continue;
    }
    const e = part.sub();
    into.push(endpointHash(part.buf, e.pos, e.end));
  }
}
