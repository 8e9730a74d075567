// Original file: proto/raft.proto

import type { RaftMessage as _shoal_v1_RaftMessage, RaftMessage__Output as _shoal_v1_RaftMessage__Output } from '../../shoal/v1/RaftMessage.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * The first chunk of a snapshot call: the MsgSnap with an empty snapshot.data, and the data's length.
 */
export interface SnapshotHeader {
  'message'?: (_shoal_v1_RaftMessage | null);
  'dataLength'?: (number | string | Long);
}

/**
 * The first chunk of a snapshot call: the MsgSnap with an empty snapshot.data, and the data's length.
 */
export interface SnapshotHeader__Output {
  'message': (_shoal_v1_RaftMessage__Output | null);
  'dataLength': (number);
}
