// Original file: proto/ca.proto

import type { RaftMember as _shoal_v1_RaftMember, RaftMember__Output as _shoal_v1_RaftMember__Output } from '../../shoal/v1/RaftMember.ts';
import type { Long } from '@grpc/proto-loader';

export interface IssueNodeCertificateResponse {
  'nodeId'?: (string);
  'certificate'?: (string);
  /**
   * swarm-manager | swarm-worker
   */
  'role'?: (string);
  'clusterId'?: (string);
  /**
   * Managers only: the Raft member ID the joining manager was added under.
   */
  'raftId'?: (number | string | Long);
  /**
   * Managers only: every Raft member's address, so the new member can answer the leader at once.
   */
  'members'?: (_shoal_v1_RaftMember)[];
  /**
   * Managers joining with the manager token only: the key-encryption key of the root CA key (32 bytes),
   * which the store keeps sealed; empty for workers and renewals, and while the key is not sealed yet.
   */
  'kek'?: (Buffer | Uint8Array | string);
}

export interface IssueNodeCertificateResponse__Output {
  'nodeId': (string);
  'certificate': (string);
  /**
   * swarm-manager | swarm-worker
   */
  'role': (string);
  'clusterId': (string);
  /**
   * Managers only: the Raft member ID the joining manager was added under.
   */
  'raftId': (number);
  /**
   * Managers only: every Raft member's address, so the new member can answer the leader at once.
   */
  'members': (_shoal_v1_RaftMember__Output)[];
  /**
   * Managers joining with the manager token only: the key-encryption key of the root CA key (32 bytes),
   * which the store keeps sealed; empty for workers and renewals, and while the key is not sealed yet.
   */
  'kek': (Buffer);
}
