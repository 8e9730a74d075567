// Original file: proto/ca.proto

import type { RaftMember as _shoal_v1_RaftMember, RaftMember__Output as _shoal_v1_RaftMember__Output } from '../../shoal/v1/RaftMember.ts';
import type { Long } from '@grpc/proto-loader';

export interface RaftJoinResponse {
  /**
   * The Raft member ID the caller was added under (its old one if it already is a member).
   */
  'raftId'?: (number | string | Long);
  /**
   * Every Raft member's address, the caller's included.
   */
  'members'?: (_shoal_v1_RaftMember)[];
  /**
   * The key-encryption key of the root CA key (32 bytes); empty while the key is not sealed yet and
   * the leader has none.
   */
  'kek'?: (Buffer | Uint8Array | string);
}

export interface RaftJoinResponse__Output {
  /**
   * The Raft member ID the caller was added under (its old one if it already is a member).
   */
  'raftId': (number);
  /**
   * Every Raft member's address, the caller's included.
   */
  'members': (_shoal_v1_RaftMember__Output)[];
  /**
   * The key-encryption key of the root CA key (32 bytes); empty while the key is not sealed yet and
   * the leader has none.
   */
  'kek': (Buffer);
}
