// Original file: proto/raft.proto

import type { RaftMessage as _shoal_v1_RaftMessage, RaftMessage__Output as _shoal_v1_RaftMessage__Output } from '../../shoal/v1/RaftMessage.ts';

/**
 * Messages are batched: one stream write carries everything a Ready sent to that peer.
 */
export interface RaftBatch {
  'messages'?: (_shoal_v1_RaftMessage)[];
}

/**
 * Messages are batched: one stream write carries everything a Ready sent to that peer.
 */
export interface RaftBatch__Output {
  'messages': (_shoal_v1_RaftMessage__Output)[];
}
