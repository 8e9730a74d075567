/**
 * The agent's client of the Dispatcher service: the generated one, but for its Assignments messages,
 * which also carry each endpoint's hash read off their bytes (proto/endpoint-hashes.ts), so that what the
 * agent holds of a network is known exactly (AssignedTasks.held).
 */
import * as grpc from '@grpc/grpc-js';
import { endpointHashesOf } from '../../proto/endpoint-hashes.ts';
import { clientOf, loadShoalPackage } from '../../proto/load.ts';
import type { ReceivedAssignments } from './assignments.ts';

const generated = clientOf(loadShoalPackage('dispatcher.proto'), 'Dispatcher');
const service = generated.service;
const decodeWhole = service.Assignments.responseDeserialize;

/** An Assignments message off the wire, with its endpoints' hashes. Throws on bytes that are not one. */
export function decodeAssignments(b: Buffer): ReceivedAssignments {
  const m = decodeWhole(b) as ReceivedAssignments;
  try {
    m.endpointHashes = endpointHashesOf(b);
  } catch {
    // Bytes the decoder took but the scan did not: no hashes, so the view's networks go whole again.
  }
  return m;
}

export const DispatcherClient = grpc.makeClientConstructor(
  { ...service, Assignments: { ...service.Assignments, responseDeserialize: decodeAssignments } },
  'Dispatcher',
) as unknown as typeof generated;
