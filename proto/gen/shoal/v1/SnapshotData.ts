// Original file: proto/raft.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A piece of the snapshot's data; `offset` is the number of data bytes sent before it.
 */
export interface SnapshotData {
  'offset'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
}

/**
 * A piece of the snapshot's data; `offset` is the number of data bytes sent before it.
 */
export interface SnapshotData__Output {
  'offset': (number);
  'data': (Buffer);
}
