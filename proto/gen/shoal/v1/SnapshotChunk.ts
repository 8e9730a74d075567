// Original file: proto/raft.proto

import type { SnapshotHeader as _shoal_v1_SnapshotHeader, SnapshotHeader__Output as _shoal_v1_SnapshotHeader__Output } from '../../shoal/v1/SnapshotHeader.ts';
import type { SnapshotData as _shoal_v1_SnapshotData, SnapshotData__Output as _shoal_v1_SnapshotData__Output } from '../../shoal/v1/SnapshotData.ts';

/**
 * One header, then the data in order, in pieces no gRPC message limit can refuse.
 */
export interface SnapshotChunk {
  'header'?: (_shoal_v1_SnapshotHeader | null);
  'data'?: (_shoal_v1_SnapshotData | null);
  'kind'?: "header"|"data";
}

/**
 * One header, then the data in order, in pieces no gRPC message limit can refuse.
 */
export interface SnapshotChunk__Output {
  'header'?: (_shoal_v1_SnapshotHeader__Output | null);
  'data'?: (_shoal_v1_SnapshotData__Output | null);
  'kind'?: "header"|"data";
}
